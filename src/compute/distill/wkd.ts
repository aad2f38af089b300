// Wavelet knowledge distillation (Zhang et al., "Wavelet Knowledge Distillation: Towards Efficient
// Image-to-Image Translation", CVPR 2022, arXiv 2203.06321) and the baselines the distiller compares it
// with. Small generators fail mostly on high frequencies, so the student is pulled towards the teacher
// on the high-frequency wavelet bands only:
//
//   L_WKD = alpha * sum_{j=1..J} MSE(H_j(G_s(x)), H_j(G_t(x))),   H_j = (LH_j, HL_j, HH_j)
//
// with the orthonormal 2-D Haar DWT (taps +-1/2, as the released code's pywt Haar; a 1/4-averaging Haar
// would change the effective alpha), each level's MSE a mean over all of that level's detail
// coefficients, levels summed without weights, the low band LL never distilled. The released run uses
// J = 4 and alpha = 0.4. The DWT is the graph's haarDwt op (a fixed stride-2 depthwise Conv), so the
// autodiff differentiates the loss.
import type { Tensor } from '../graph/graph-builder.ts';
import * as F from '../graph/ops/index.ts';
import type { DistillTerm } from '../gan/gan-training.ts';
import { maxHaarLevels } from '../model/image-metrics.ts';

export const DISTILL_METHODS = ['wkd', 'pixel-kd', 'none'] as const;
export type DistillMethod = (typeof DISTILL_METHODS)[number];

/** The released run's settings (their option defaults are alpha 0.1, db3, J 3). */
export const WKD_DEFAULTS = { levels: 4, alpha: 0.4 };

/** WKD eq.: alpha * sum over levels of the mean squared difference of the LH, HL, HH coefficients. */
export function wkdLoss(student: Tensor, teacher: Tensor, levels: number, alpha: number): Tensor {
  const s = F.haarDwt(student, levels).levels;
  const t = F.haarDwt(teacher, levels).levels;
  let total: Tensor | undefined;
  for (let j = 0; j < levels; j++) {
    // The three bands have the same size, so their mean of means is the mean over the level's coefficients.
    const level = F.mul(F.add(F.add(F.mseLoss(s[j]!.lh, t[j]!.lh), F.mseLoss(s[j]!.hl, t[j]!.hl)), F.mseLoss(s[j]!.hh, t[j]!.hh)), 1 / 3);
    total = total ? F.add(total, level) : level;
  }
  return F.mul(total!, alpha);
}

/** Plain pixel distillation: alpha * MSE over whole images. */
export function pixelKdLoss(student: Tensor, teacher: Tensor, alpha: number): Tensor {
  return F.mul(F.mseLoss(student, teacher), alpha);
}

/** The generator's extra term for `method`; undefined for `none` (the student alone). */
export function distillTerm(method: DistillMethod, options: { levels: number; alpha: number }): DistillTerm | undefined {
  if (method === 'wkd') return { name: 'wkd', loss: (s, t) => wkdLoss(s, t, options.levels, options.alpha) };
  if (method === 'pixel-kd') return { name: 'pixel_kd', loss: (s, t) => pixelKdLoss(s, t, options.alpha) };
  return undefined;
}

/** Why `levels` Haar levels do not fit images of height x width, or undefined when they do. */
export function waveletLevelProblem(levels: number, height: number, width: number): string | undefined {
  const most = maxHaarLevels(height, width);
  if (levels > most) return `levels ${levels} is too many for ${height}x${width} images: each Haar level halves the size, so at most ${most} fit`;
  return undefined;
}

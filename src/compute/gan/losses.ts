// The adversarial losses of the GAN recipes, on a discriminator's patch scores (logits).
//   lsgan:   least squares (Mao et al. 2017), CycleGAN's choice: mean (D - 1)^2 for real, mean D^2 for fake
//   vanilla: the original GAN's binary cross-entropy on the logits, pix2pix's choice
import type { Tensor } from '../graph/graph-builder.ts';
import * as F from '../graph/ops/index.ts';

export const GAN_LOSSES = ['lsgan', 'vanilla'] as const;
export type GanLossKind = (typeof GAN_LOSSES)[number];

/** The loss of scores `logits` against "real" (`real` true) or "fake". */
export function ganLoss(kind: GanLossKind, logits: Tensor, real: boolean): Tensor {
  if (kind === 'lsgan') return F.lsganLoss(logits, real);
  const targets = logits.graph.constant(new Float32Array(logits.size).fill(real ? 1 : 0), logits.shape);
  return F.bceWithLogits(logits, targets);
}

/** A discriminator's loss, halved as in pix2pix and CycleGAN so D learns at half G's rate. */
export function discriminatorLoss(kind: GanLossKind, realScores: Tensor, fakeScores: Tensor): Tensor {
  return F.mul(F.add(ganLoss(kind, realScores, true), ganLoss(kind, fakeScores, false)), 0.5);
}

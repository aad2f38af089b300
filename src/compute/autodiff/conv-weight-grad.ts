// Lowerings of the convolution weight gradient, kept side by side so they can be measured
// (conv-grad.bench.ts) and chosen per convolution (GradOptions.convWeightGrad).

import { attr, type Tensor } from '../graph/graph-builder.ts';
import { concat, matmul, pad, reshape, slice, sum, transpose } from '../graph/ops/index.ts';

export interface ConvGeometry {
  strides: number[];
  dilations: number[];
  pads: number[];
  group: number;
}

/**
 * dW for y = conv(x, W): dW[o, c, k] = sum_{n, i} dy[n, o, i] * xpad[n, g*Cg + c, i*s + k*d].
 * As a convolution: input x with batch and channels swapped ([Cg, G*N, H, W]), kernel dy with
 * batch and channels swapped ([O, N, Ho, Wo]), stride = d, dilation = s, group = G. The result
 * [Cg, O, k', k'] can exceed the kernel by the part of the input the forward never reached, so it
 * is cropped, then its first two axes swapped.
 */
export function convWeightGradByConv(x: Tensor, dy: Tensor, kernel: readonly number[], geo: ConvGeometry): Tensor {
  const g = x.graph;
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const o = dy.shape[1]!;
  const groups = geo.group;
  const cg = c / groups;
  const spatial = x.shape.slice(2);
  const dySpatial = dy.shape.slice(2);
  const xs =
    groups === 1
      ? transpose(x, [1, 0, ...spatial.map((_, i) => i + 2)])
      : reshape(transpose(reshape(x, [n, groups, cg, ...spatial]), [2, 1, 0, ...spatial.map((_, i) => i + 3)]), [cg, groups * n, ...spatial]);
  const dys =
    groups === 1
      ? transpose(dy, [1, 0, ...dySpatial.map((_, i) => i + 2)])
      : reshape(transpose(reshape(dy, [n, groups, o / groups, ...dySpatial]), [1, 2, 0, ...dySpatial.map((_, i) => i + 3)]), [o, n, ...dySpatial]);
  let w = g.op('Conv', [xs, dys], {
    strides: attr.ints(geo.dilations),
    dilations: attr.ints(geo.strides),
    pads: attr.ints(geo.pads),
    group: attr.int(groups),
  });
  if (w.shape.slice(2).some((d, i) => d !== kernel[i]))
    w = slice(w, kernel.map(() => 0), [...kernel], kernel.map((_, i) => i + 2));
  return transpose(w, [1, 0, ...kernel.map((_, i) => i + 2)]);
}

/** Patches of the padded input, [N, C*K, Ho*Wo] with (c, k) c-major: im2col by strided slices. */
function patchesOf(x: Tensor, kernel: readonly number[], outSize: readonly number[], geo: ConvGeometry): Tensor {
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const [ho, wo] = [outSize[0]!, outSize[1]!];
  const [kh, kw] = [kernel[0]!, kernel[1]!];
  const [sh, sw] = [geo.strides[0]!, geo.strides[1]!];
  const [dh, dw] = [geo.dilations[0]!, geo.dilations[1]!];
  const padded = geo.pads.some((p) => p !== 0) ? pad(x, [0, 0, geo.pads[0]!, geo.pads[1]!, 0, 0, geo.pads[2]!, geo.pads[3]!]) : x;
  const patches: Tensor[] = [];
  for (let a = 0; a < kh; a++)
    for (let e = 0; e < kw; e++) {
      const t = slice(padded, [a * dh, e * dw], [a * dh + (ho - 1) * sh + 1, e * dw + (wo - 1) * sw + 1], [2, 3], [sh, sw]);
      patches.push(reshape(t, [n, c, 1, ho * wo]));
    }
  return reshape(concat(patches, 2), [n, c * kh * kw, ho * wo]);
}

/**
 * Per-sample matrix products summed over the batch: dW = sum_n dy[n] [O, HoWo] @ cols[n]^T.
 * No large transposes (onnxruntime fuses the Transpose into the MatMul). 2-D, group 1 only.
 */
export function convWeightGradByBatchedMatmul(x: Tensor, dy: Tensor, kernel: readonly number[], geo: ConvGeometry): Tensor {
  if (x.rank !== 4 || geo.group !== 1) throw new Error('the batched-matmul weight-gradient lowering supports 2-D, group 1');
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const [o, ho, wo] = [dy.shape[1]!, dy.shape[2]!, dy.shape[3]!];
  const cols = patchesOf(x, kernel, [ho, wo], geo);
  const perSample = matmul(reshape(dy, [n, o, ho * wo]), transpose(cols, [0, 2, 1]));
  return reshape(sum(perSample, [0]), [o, c, kernel[0]!, kernel[1]!]);
}

export type ConvWeightGradLowering = 'auto' | 'conv' | 'batched-matmul';

/**
 * The batched-MatMul lowering materialises the whole batch's patches (N x C*K x Ho*Wo values, about
 * 150 MB for a 64-channel 32x32 layer at batch 64); above this size 'auto' falls back to the conv
 * form, whose im2col onnxruntime does one image at a time.
 */
export const MAX_PATCH_BYTES = 256 * 1024 * 1024;

/** The weight gradient with the requested lowering; 'auto' picks the measured-faster one that applies. */
export function convWeightGrad(x: Tensor, dy: Tensor, kernel: readonly number[], geo: ConvGeometry, lowering: ConvWeightGradLowering = 'auto'): Tensor {
  const patchBytes = x.shape[0]! * x.shape[1]! * kernel.reduce((p, k) => p * k, 1) * dy.shape.slice(2).reduce((p, d) => p * d, 1) * 4;
  const matmulApplies = x.rank === 4 && geo.group === 1 && patchBytes <= MAX_PATCH_BYTES;
  if (lowering === 'batched-matmul' || (lowering === 'auto' && matmulApplies)) return convWeightGradByBatchedMatmul(x, dy, kernel, geo);
  return convWeightGradByConv(x, dy, kernel, geo);
}

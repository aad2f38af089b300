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

/**
 * sum_n a[n] @ b[n]^T for a [N, M, L], b [N, K, L]. Per-sample products summed over the batch when
 * the [M, K] result is small next to the operands (onnxruntime fuses the transpose into the MatMul);
 * when it is larger (big weights at small spatial sizes, a PatchGAN's 256->512 4x4 layer at 4x4:
 * [16, 512, 4096] per-sample products, 35 ms of ReduceSum), the batch goes into the contraction
 * instead: one [M, N*L] @ [N*L, K] after moving the batch axis next to L.
 */
function batchSummedProduct(a: Tensor, b: Tensor): Tensor {
  const [n, m, l] = [a.shape[0]!, a.shape[1]!, a.shape[2]!];
  const k = b.shape[1]!;
  if (m * k <= (m + k) * l) return sum(matmul(a, transpose(b, [0, 2, 1])), [0]);
  const flat = (t: Tensor, rows: number) => reshape(transpose(t, [1, 0, 2]), [rows, n * l]);
  return matmul(flat(a, m), transpose(flat(b, k), [1, 0]));
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
  return reshape(batchSummedProduct(reshape(dy, [n, o, ho * wo]), cols), [o, c, kernel[0]!, kernel[1]!]);
}

/**
 * dW without the K-fold im2col: with the padded input's rows flattened, a shift of the kernel row
 * by q is a shift of the flattened axis by q * Wo. So the input is sliced once per kernel column
 * (and per row phase when strided), [N, G*C, T*Wo], the output gradient is placed at each row shift
 * inside zeros, [N, Q*O, T*Wo], and one batched MatMul gives every (row shift, column) pair at once,
 * [Q*O, G*C] after the batch sum; dW[o, c, a, e] is read off it. The matrices hold
 * (kw * phases) copies of x and Q copies of dy instead of kh * kw copies of x, at the price of
 * T / Ho more multiply-adds (T = Ho + the largest row shift). 2-D, group 1 only.
 */
export function convWeightGradByShiftedMatmul(x: Tensor, dy: Tensor, kernel: readonly number[], geo: ConvGeometry): Tensor {
  if (x.rank !== 4 || geo.group !== 1) throw new Error('the shifted-matmul weight-gradient lowering supports 2-D, group 1');
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const [o, ho, wo] = [dy.shape[1]!, dy.shape[2]!, dy.shape[3]!];
  const [kh, kw] = [kernel[0]!, kernel[1]!];
  const [sh, sw] = [geo.strides[0]!, geo.strides[1]!];
  const [dh, dw] = [geo.dilations[0]!, geo.dilations[1]!];
  const padded = geo.pads.some((p) => p !== 0) ? pad(x, [0, 0, geo.pads[0]!, geo.pads[1]!, 0, 0, geo.pads[2]!, geo.pads[3]!]) : x;
  const hp = padded.shape[2]!;
  // Kernel row a reads padded rows i * sh + a * dh = sh * (i + q) + r: row phase r, shift q.
  const shiftOf = (a: number) => Math.floor((a * dh) / sh);
  const phaseOf = (a: number) => (a * dh) % sh;
  const rows = Array.from({ length: kh }, (_, a) => a);
  const phases = [...new Set(rows.map(phaseOf))].sort((p, q) => p - q);
  const shifts = Math.max(...rows.map(shiftOf)) + 1;
  const t = ho + shifts - 1;
  const planes: Tensor[] = [];
  for (const r of phases)
    for (let e = 0; e < kw; e++) {
      let plane = slice(padded, [r, e * dw], [Math.min(hp, r + sh * (t - 1) + 1), e * dw + sw * (wo - 1) + 1], [2, 3], [sh, sw]);
      if (plane.shape[2]! < t) plane = pad(plane, [0, 0, 0, 0, 0, 0, t - plane.shape[2]!, 0]);
      planes.push(plane);
    }
  const g = planes.length;
  const xs = reshape(g === 1 ? planes[0]! : concat(planes, 1), [n, g * c, t * wo]);
  const dyFlat = reshape(dy, [n, o, ho * wo]);
  const placed: Tensor[] = [];
  for (let q = 0; q < shifts; q++) placed.push(q === 0 && shifts === 1 ? dyFlat : pad(dyFlat, [0, 0, q * wo, 0, 0, (t - ho - q) * wo]));
  const dys = shifts === 1 ? placed[0]! : concat(placed, 1);
  // [Q * O, G * C] = sum over the batch of dys[n] @ xs[n]^T, laid out [Q, O, phases, kw, C].
  const all = reshape(batchSummedProduct(dys, xs), [shifts, o, phases.length, kw, c]);
  // Kernel row a is (shift q(a), phase r(a)); with stride 1 they are simply q = a, one phase.
  let byRow: Tensor;
  if (phases.length === 1 && shifts === kh) byRow = reshape(all, [kh, o, kw, c]);
  else {
    const picked = rows.map((a) => {
      const q = shiftOf(a);
      const p = phases.indexOf(phaseOf(a));
      return reshape(slice(all, [q, p], [q + 1, p + 1], [0, 2]), [1, o, kw, c]);
    });
    byRow = concat(picked, 0);
  }
  return transpose(byRow, [1, 3, 0, 2]);
}

export type ConvWeightGradLowering = 'auto' | 'conv' | 'batched-matmul' | 'shifted-matmul';

/**
 * The MatMul lowerings materialise their matrices for the whole batch (the shifted form about 50 MB
 * for a 64-channel 32x32 layer at batch 64, the im2col form three times that); above this size
 * 'auto' falls back to the conv form, whose im2col onnxruntime does one image at a time.
 */
export const MAX_PATCH_BYTES = 256 * 1024 * 1024;

/** Values per sample of the two matrices the shifted-matmul lowering builds (input planes, placed gradients). */
function shiftedMatmulValues(x: Tensor, dy: Tensor, kernel: readonly number[], geo: ConvGeometry): number {
  const [kh, kw] = [kernel[0]!, kernel[1]!];
  const [sh, dh] = [geo.strides[0]!, geo.dilations[0]!];
  const rows = Array.from({ length: kh }, (_, a) => a);
  const phases = new Set(rows.map((a) => (a * dh) % sh)).size;
  const shifts = Math.max(...rows.map((a) => Math.floor((a * dh) / sh))) + 1;
  const t = dy.shape[2]! + shifts - 1;
  return t * dy.shape[3]! * (phases * kw * x.shape[1]! + shifts * dy.shape[1]!);
}

/** Values per sample of the im2col patches of the batched-matmul lowering. */
function patchValues(x: Tensor, dy: Tensor, kernel: readonly number[]): number {
  return x.shape[1]! * kernel.reduce((p, k) => p * k, 1) * dy.shape.slice(2).reduce((p, d) => p * d, 1);
}

/**
 * The weight gradient with the requested lowering. 'auto' (2-D, group 1): of the two MatMul forms the
 * one that copies fewer values, which is the shifted form when output channels are few next to input
 * channels times kernel area (ResNet's 16-64 channel 3x3 layers) and im2col when the input has 1-3
 * channels (a first layer: LeNet-5's conv1 took 1.3 ms per step shifted, about half that as im2col);
 * the conv form for groups, other ranks and matrices over MAX_PATCH_BYTES.
 */
export function convWeightGrad(x: Tensor, dy: Tensor, kernel: readonly number[], geo: ConvGeometry, lowering: ConvWeightGradLowering = 'auto'): Tensor {
  if (lowering === 'shifted-matmul') return convWeightGradByShiftedMatmul(x, dy, kernel, geo);
  if (lowering === 'batched-matmul') return convWeightGradByBatchedMatmul(x, dy, kernel, geo);
  if (lowering === 'conv') return convWeightGradByConv(x, dy, kernel, geo);
  if (x.rank !== 4 || geo.group !== 1) return convWeightGradByConv(x, dy, kernel, geo);
  const shifted = shiftedMatmulValues(x, dy, kernel, geo);
  const patches = patchValues(x, dy, kernel);
  const n = x.shape[0]!;
  if (shifted <= patches && shifted * n * 4 <= MAX_PATCH_BYTES) return convWeightGradByShiftedMatmul(x, dy, kernel, geo);
  if (patches * n * 4 <= MAX_PATCH_BYTES) return convWeightGradByBatchedMatmul(x, dy, kernel, geo);
  return convWeightGradByConv(x, dy, kernel, geo);
}

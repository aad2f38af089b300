// Lowerings of the convolution input gradient (the adjoint of Conv w.r.t. its input).

import { attr, type Tensor } from '../graph/graph-builder.ts';
import { add, matmul, pad, reshape, slice, transpose } from '../graph/ops/index.ts';
import type { ConvGeometry } from './conv-weight-grad.ts';

export type ConvInputGradLowering = 'auto' | 'conv-transpose' | 'flipped-conv' | 'matmul-col2im';

/** dx = ConvTranspose(dy, W) with the forward geometry; output_padding restores x's exact size. */
export function convInputGradByConvTranspose(dy: Tensor, w: Tensor, xShape: readonly number[], geo: ConvGeometry): Tensor {
  const spatial = xShape.length - 2;
  const kernel = w.shape.slice(2);
  const outputPadding = xShape.slice(2).map((size, i) => {
    const covered = geo.strides[i]! * (dy.shape[2 + i]! - 1) + (kernel[i]! - 1) * geo.dilations[i]! + 1 - geo.pads[i]! - geo.pads[i + spatial]!;
    return size - covered;
  });
  return dy.graph.op('ConvTranspose', [dy, w], {
    strides: attr.ints(geo.strides),
    dilations: attr.ints(geo.dilations),
    pads: attr.ints(geo.pads),
    group: attr.int(geo.group),
    output_padding: attr.ints(outputPadding),
  });
}

/**
 * dx = col2im(W^T dy) with the batch in the MatMul's columns: [C*K, O] @ [O, N*Ho*Wo], then each
 * kernel offset's columns placed onto the image (stride by interleaving zeros, offset by padding or
 * cropping) and summed. The per-image GEMM inside onnxruntime's ConvTranspose has only Ho*Wo columns,
 * which starves it at small spatial sizes (a PatchGAN's 512->256 4x4 input gradient at 3x3: 30 ms as
 * ConvTranspose); the placements are K small copies. 2-D, group 1.
 */
export function convInputGradByMatmulCol2im(dy: Tensor, w: Tensor, xShape: readonly number[], geo: ConvGeometry): Tensor {
  if (w.rank !== 4 || geo.group !== 1) throw new Error('the matmul-col2im input gradient supports 2-D, group 1');
  const [n, o, ho, wo] = dy.shape as [number, number, number, number];
  const [c, kh, kw] = [w.shape[1]!, w.shape[2]!, w.shape[3]!];
  const [h, wd] = [xShape[2]!, xShape[3]!];
  const [sh, sw] = [geo.strides[0]!, geo.strides[1]!];
  const [dh, dw] = [geo.dilations[0]!, geo.dilations[1]!];
  const dyCols = reshape(transpose(dy, [1, 0, 2, 3]), [o, n * ho * wo]);
  // [C, kh, kw, N, Ho, Wo]: channel-major, so every placed offset is [C, N, Ho, Wo].
  const cols = reshape(matmul(transpose(reshape(w, [o, c * kh * kw]), [1, 0]), dyCols), [c, kh, kw, n, ho, wo]);
  // Places t [C, N, Ho, Wo] at rows i * s + start (and columns likewise) of a [C, N, H, W] zero image.
  const place = (t: Tensor, rowStart: number, colStart: number): Tensor => {
    let u = t;
    if (sh > 1 || sw > 1) {
      u = pad(reshape(u, [c, n, ho, 1, wo, 1]), [0, 0, 0, 0, 0, 0, 0, 0, 0, sh - 1, 0, sw - 1]);
      u = reshape(u, [c, n, ho * sh, wo * sw]);
    }
    // Rows rowStart .. rowStart + ho * sh - 1 of the image; crop what falls outside it.
    const [rh, rw] = [u.shape[2]!, u.shape[3]!];
    const top = Math.max(0, -rowStart);
    const left = Math.max(0, -colStart);
    const bottom = Math.min(rh, h - rowStart);
    const right = Math.min(rw, wd - colStart);
    if (top > 0 || left > 0 || bottom < rh || right < rw) u = slice(u, [top, left], [bottom, right], [2, 3]);
    const before = [Math.max(0, rowStart), Math.max(0, colStart)];
    const after = [h - before[0]! - u.shape[2]!, wd - before[1]! - u.shape[3]!];
    return before.some((p) => p > 0) || after.some((p) => p > 0) ? pad(u, [0, 0, before[0]!, before[1]!, 0, 0, after[0]!, after[1]!]) : u;
  };
  let sumOfPlaced: Tensor | null = null;
  for (let a = 0; a < kh; a++)
    for (let e = 0; e < kw; e++) {
      const t = reshape(slice(cols, [a, e], [a + 1, e + 1], [1, 2]), [c, n, ho, wo]);
      const placed = place(t, a * dh - geo.pads[0]!, e * dw - geo.pads[1]!);
      sumOfPlaced = sumOfPlaced ? add(sumOfPlaced, placed) : placed;
    }
  return transpose(sumOfPlaced!, [1, 0, 2, 3]);
}

/** Whether the flipped-kernel convolution computes the input gradient (stride 1, pads within the kernel extent). */
export function flippedConvApplies(w: Tensor, geo: ConvGeometry): boolean {
  const spatial = w.rank - 2;
  return (
    geo.strides.every((s) => s === 1) &&
    w.shape.slice(2).every((k, i) => geo.pads[i]! <= (k - 1) * geo.dilations[i]! && geo.pads[i + spatial]! <= (k - 1) * geo.dilations[i]!)
  );
}

/**
 * For stride 1, the input gradient is a plain convolution of dy with the kernel flipped in space
 * and its in/out channels swapped (per group), padded by the kernel extent minus the forward pad.
 */
export function convInputGradByFlippedConv(dy: Tensor, w: Tensor, geo: ConvGeometry): Tensor {
  if (!flippedConvApplies(w, geo)) throw new Error('the flipped-conv input gradient needs stride 1 and pads within the kernel extent');
  const spatial = w.rank - 2;
  const [o, cg] = [w.shape[0]!, w.shape[1]!];
  const kernel = w.shape.slice(2);
  const groups = geo.group;
  const og = o / groups;
  const axes = kernel.map((_, i) => i + 2);
  const flipped = slice(w, kernel.map(() => -1), kernel.map(() => -Number.MAX_SAFE_INTEGER), axes, kernel.map(() => -1));
  const swapped =
    groups === 1
      ? transpose(flipped, [1, 0, ...axes])
      : reshape(transpose(reshape(flipped, [groups, og, cg, ...kernel]), [0, 2, 1, ...kernel.map((_, i) => i + 3)]), [groups * cg, og, ...kernel]);
  const pads = [
    ...kernel.map((k, i) => (k - 1) * geo.dilations[i]! - geo.pads[i]!),
    ...kernel.map((k, i) => (k - 1) * geo.dilations[i]! - geo.pads[i + spatial]!),
  ];
  return dy.graph.op('Conv', [dy, swapped], { dilations: attr.ints(geo.dilations), pads: attr.ints(pads), group: attr.int(groups) });
}

/**
 * 'auto': the flipped-kernel convolution for stride 1 when the gradient has whole 16-channel blocks
 * (forward input channels) and at least 1024 positions (batch x height x width), which onnxruntime
 * runs on its blocked NCHWc kernels (ort/nchwc.ts);
 * ConvTranspose otherwise. Measured: the flipped conv is ~10% faster over a ResNet-8 step; with 6
 * channels (LeNet-5's second conv) ConvTranspose takes 4.2 ms per step against 5.9 ms.
 */
export function convInputGrad(
  dy: Tensor,
  w: Tensor,
  xShape: readonly number[],
  geo: ConvGeometry,
  lowering: ConvInputGradLowering = 'auto',
): Tensor {
  // The flip is a Slice of the whole weight each run (slow for big weights): worth it only with
  // enough output positions (as the NCHWc rewrite requires, ort/nchwc.ts).
  const positions = xShape[0]! * xShape.slice(2).reduce((p, d) => p * d, 1);
  const blocked = geo.group > 1 || ((w.shape[1]! * geo.group) % 16 === 0 && positions >= 1024);
  if (lowering === 'matmul-col2im') return convInputGradByMatmulCol2im(dy, w, xShape, geo);
  if (lowering === 'flipped-conv' || (lowering === 'auto' && blocked && flippedConvApplies(w, geo))) return convInputGradByFlippedConv(dy, w, geo);
  if (lowering === 'auto' && w.rank === 4 && geo.group === 1 && positions < 1024) return convInputGradByMatmulCol2im(dy, w, xShape, geo);
  return convInputGradByConvTranspose(dy, w, xShape, geo);
}

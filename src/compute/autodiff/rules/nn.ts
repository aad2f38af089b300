// Gradient rules of the neural-network ops, with the lowerings chosen for onnxruntime's CPU
// provider (see ../../README.md for why):
// - Conv input gradient: for stride 1, a convolution with the spatially flipped, channel-swapped
//   kernel; otherwise ConvTranspose with the forward geometry (see conv-input-grad.ts).
// - Conv weight gradient: per-sample matrix products over strided-slice patches summed over the
//   batch, or (grouped convolutions) a convolution over the batch; see conv-weight-grad.ts.
// - MaxPool: windows that tile the input compare it with the pooled output (no indices needed);
//   overlapping windows scatter-add the output gradient through the pooling indices.
// - AveragePool: a depthwise ConvTranspose with a ones kernel over the output gradient divided by
//   each window's element count (computed statically).

import { attr, type Tensor } from '../../graph/graph-builder.ts';
import { attrFloat, attrInt, attrInts, poolTilesInput, spatialAttrs } from '../../graph/shape-inference.ts';
import { add, cast, div, equal, expand, mean, mul, pad, reciprocal, reshape, slice, sqrt, sub, sum, transpose, zeros } from '../../graph/ops/index.ts';
import { convInputGrad } from '../conv-input-grad.ts';
import { convWeightGrad, type ConvGeometry } from '../conv-weight-grad.ts';
import type { GradRule } from '../types.ts';
import { unbroadcast } from '../unbroadcast.ts';

function geometry(attrs: Parameters<typeof spatialAttrs>[0], spatial: number): ConvGeometry {
  return { ...spatialAttrs(attrs, spatial), group: attrInt(attrs, 'group', 1) };
}

function biasGrad(dy: Tensor): Tensor {
  return sum(dy, [0, ...dy.shape.slice(2).map((_, i) => i + 2)]);
}

export const nnRules: Record<string, GradRule> = {
  Conv: ({ node, inputs, gradOutputs, needs, options }) => {
    const [x, w] = [inputs[0]!, inputs[1]!];
    const dy = gradOutputs[0]!;
    const geo = geometry(node.attrs, x.rank - 2);
    const kernel = w.shape.slice(2);
    const dx = needs[0] ? convInputGrad(dy, w, x.shape, geo, options.convInputGrad) : null;
    const dw = needs[1] ? convWeightGrad(x, dy, kernel, geo, options.convWeightGrad) : null;
    const db = needs[2] ? biasGrad(dy) : null;
    return [dx, dw, db];
  },
  ConvTranspose: ({ g, node, inputs, gradOutputs, needs, options }) => {
    const [x, w] = [inputs[0]!, inputs[1]!];
    const dy = gradOutputs[0]!;
    const geo = geometry(node.attrs, x.rank - 2);
    // The adjoint of a transposed convolution is the convolution with the same weight.
    const dx = needs[0]
      ? g.op('Conv', [dy, w], {
          strides: attr.ints(geo.strides),
          dilations: attr.ints(geo.dilations),
          pads: attr.ints(geo.pads),
          group: attr.int(geo.group),
        })
      : null;
    // W[c, o, k] pairs x[n, c, i] with y[n, o, i*s + k*d - p]: the conv weight gradient with the
    // roles of input (dy) and output gradient (x) exchanged.
    const dw = needs[1] ? convWeightGrad(dy, x, w.shape.slice(2), geo, options.convWeightGrad) : null;
    const db = needs[2] ? biasGrad(dy) : null;
    return [dx, dw, db];
  },
  MaxPool: ({ g, node, inputs, outputs, gradOutputs }) => {
    const x = inputs[0]!;
    const dy = gradOutputs[0]!;
    const indices = outputs[1];
    if (!indices) {
      if (!poolTilesInput(x.shape, node.attrs)) throw new Error('the MaxPool gradient needs the Indices output for overlapping windows');
      // Windows tile the input: the elements equal to their window's max (the pooled output
      // repeated over the window) share the window's gradient evenly. Same-shape elementwise ops
      // and nearest upsampling are fast in onnxruntime; broadcasting over folded window axes is not.
      const kernel = attrInts(node.attrs, 'kernel_shape', undefined)!;
      const area = kernel.reduce((p, k) => p * k, 1);
      const scales = g.constant([1, 1, ...kernel], [x.rank], 'float32');
      const up = (t: Tensor) =>
        g.op('Resize', [t, null, scales, null], {
          mode: attr.string('nearest'),
          coordinate_transformation_mode: attr.string('asymmetric'),
          nearest_mode: attr.string('floor'),
        });
      const mask = cast(equal(x, up(outputs[0]!)), x.dtype);
      const tiesPerWindow = mul(g.op('AveragePool', [mask], { kernel_shape: attr.ints(kernel), strides: attr.ints(kernel) }), area);
      return [mul(mask, up(div(dy, tiesPerWindow)))];
    }
    // Indices are offsets into the whole flattened input (N and C included).
    const flat = g.op('ScatterElements', [zeros(g, [x.size], x.dtype), reshape(indices, [-1]), reshape(dy, [-1])], {
      axis: attr.int(0),
      reduction: attr.string('add'),
    });
    return [reshape(flat, x.shape)];
  },
  AveragePool: ({ g, node, inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const dy = gradOutputs[0]!;
    if (x.rank !== 4) throw new Error('the AveragePool gradient supports 2-D pooling');
    const kernel = attrInts(node.attrs, 'kernel_shape', undefined)!;
    const { strides, pads, dilations } = spatialAttrs(node.attrs, 2);
    if (dilations.some((d) => d !== 1)) throw new Error('the AveragePool gradient does not support dilations');
    const includePad = attrInt(node.attrs, 'count_include_pad', 0) === 1;
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [ho, wo] = [dy.shape[2]!, dy.shape[3]!];
    // Window sizes are static: the number of elements each output averaged.
    const counts = new Float64Array(ho * wo);
    const span = (i: number, axis: 0 | 1, size: number) => {
      const start = i * strides[axis]! - pads[axis]!;
      const end = start + kernel[axis]!;
      const lo = includePad ? -pads[axis]! : 0;
      const hi = includePad ? size + pads[axis + 2]! : size;
      return Math.max(0, Math.min(end, hi) - Math.max(start, lo));
    };
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) counts[i * wo + j] = span(i, 0, h) * span(j, 1, w);
    const scaled = div(dy, g.constant(counts, [ho, wo], x.dtype));
    const ones = g.constant(new Float64Array(kernel[0]! * kernel[1]!).fill(1), [1, 1, kernel[0]!, kernel[1]!], x.dtype);
    // Scatter every scaled gradient over its window in padded coordinates, then crop the padding
    // (or extend past windows that ceil_mode cut short).
    const full = g.op('ConvTranspose', [reshape(scaled, [n * c, 1, ho, wo]), ones], { strides: attr.ints(strides) });
    const [fh, fw] = [full.shape[2]!, full.shape[3]!];
    const needH = pads[0]! + h;
    const needW = pads[1]! + w;
    const grown = fh < needH || fw < needW ? pad(full, [0, 0, 0, 0, 0, 0, Math.max(0, needH - fh), Math.max(0, needW - fw)]) : full;
    const cropped = slice(grown, [pads[0]!, pads[1]!], [pads[0]! + h, pads[1]! + w], [2, 3]);
    return [reshape(cropped, x.shape)];
  },
  GlobalAveragePool: ({ inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const area = x.shape.slice(2).reduce((p, d) => p * d, 1);
    return [expand(div(gradOutputs[0]!, area), x.shape)];
  },
  MatMul: ({ inputs, gradOutputs, needs }) => {
    const [a, b] = [inputs[0]!, inputs[1]!];
    if (a.rank < 2 || b.rank < 2) throw new Error('the MatMul gradient supports operands of rank 2 or more');
    const dy = gradOutputs[0]!;
    const swapLast = (t: Tensor) => transpose(t, [...t.shape.slice(0, -2).map((_, i) => i), t.rank - 1, t.rank - 2]);
    return [
      needs[0] ? unbroadcast(a.graph.op('MatMul', [dy, swapLast(b)]), a.shape) : null,
      needs[1] ? unbroadcast(a.graph.op('MatMul', [swapLast(a), dy]), b.shape) : null,
    ];
  },
  Gemm: ({ g, node, inputs, gradOutputs, needs }) => {
    const [a, b, c] = inputs;
    const dy = gradOutputs[0]!;
    const alpha = attrFloat(node.attrs, 'alpha', 1);
    const beta = attrFloat(node.attrs, 'beta', 1);
    const ta = attrInt(node.attrs, 'transA', 0);
    const tb = attrInt(node.attrs, 'transB', 0);
    const gemm = (p: Tensor, q: Tensor, transA: number, transB: number) =>
      g.op('Gemm', [p, q], { alpha: attr.float(alpha), transA: attr.int(transA), transB: attr.int(transB) });
    // Y = alpha op(A) op(B) + beta C
    const da = needs[0] ? (ta ? gemm(b!, dy, tb, 1) : gemm(dy, b!, 0, tb ? 0 : 1)) : null;
    const db = needs[1] ? (tb ? gemm(dy, a!, 1, ta) : gemm(a!, dy, ta ? 0 : 1, 0)) : null;
    const dc = needs[2] && c ? unbroadcast(beta === 1 ? dy : mul(dy, beta), c.shape) : null;
    return [da, db, dc];
  },
  BatchNormalization: ({ node, inputs, outputs, gradOutputs, needs }) => {
    const [x, scale, , mean, variance] = inputs as Tensor[];
    const dy = gradOutputs[0];
    if (!dy || gradOutputs[1] || gradOutputs[2]) throw new Error('the BatchNormalization gradient flows through Y only (wrap the statistics in stopGradient)');
    const eps = attrFloat(node.attrs, 'epsilon', 1e-5);
    const training = attrInt(node.attrs, 'training_mode', 0) === 1;
    if (training && attrFloat(node.attrs, 'momentum', 0.9) !== 0)
      throw new Error('the training-mode BatchNormalization gradient needs momentum 0 (batch statistics as outputs; build with batchNorm)');
    const c = x!.shape[1]!;
    const bshape = [1, c, ...x!.shape.slice(2).map(() => 1)];
    const axes = [0, ...x!.shape.slice(2).map((_, i) => i + 2)];
    // Training mode normalises with the batch statistics, which are outputs 1 and 2 of the node.
    const mu = training ? outputs[1]! : mean!;
    const invStd = reshape(reciprocal(sqrt(add(training ? outputs[2]! : variance!, eps))), bshape);
    const gain = mul(invStd, reshape(scale!, bshape));
    const xhat = mul(sub(x!, reshape(mu, bshape)), invStd);
    const needScale = needs[1] || (training && needs[0]);
    const sumDy = needs[2] || (training && needs[0]) ? sum(dy, axes) : null;
    const sumDyXhat = needScale ? sum(mul(dy, xhat), axes) : null;
    let dx: Tensor | null = null;
    if (needs[0]) {
      if (!training) dx = mul(dy, gain);
      else {
        // Ioffe & Szegedy 2015, backward pass: dx = gain * (dy - mean(dy) - xhat * mean(dy * xhat)),
        // the statistics' own dependence on x included.
        const n = x!.size / c;
        const meanDy = reshape(div(sumDy!, n), bshape);
        const meanDyXhat = reshape(div(sumDyXhat!, n), bshape);
        dx = mul(sub(sub(dy, meanDy), mul(xhat, meanDyXhat)), gain);
      }
    }
    return [dx, needs[1] ? sumDyXhat : null, needs[2] ? sumDy : null, null, null];
  },
  // ONNX InstanceNormalization (imported models; the builder's instanceNorm is a composition): the
  // batch-norm closed form with per-sample statistics, recomputed from x since the node outputs Y only.
  InstanceNormalization: ({ node, inputs, gradOutputs, needs }) => {
    const [x, scale] = inputs as Tensor[];
    const dy = gradOutputs[0]!;
    const eps = attrFloat(node.attrs, 'epsilon', 1e-5);
    const c = x!.shape[1]!;
    const spatial = x!.shape.slice(2).map((_, i) => i + 2);
    const bshape = [1, c, ...spatial.map(() => 1)];
    const centered = sub(x!, mean(x!, spatial, true));
    const invStd = reciprocal(sqrt(add(mean(mul(centered, centered), spatial, true), eps)));
    const xhat = mul(centered, invStd);
    let dx: Tensor | null = null;
    if (needs[0]) {
      const dxhat = mul(dy, reshape(scale!, bshape));
      dx = mul(sub(sub(dxhat, mean(dxhat, spatial, true)), mul(xhat, mean(mul(dxhat, xhat), spatial, true))), invStd);
    }
    return [dx, needs[1] ? sum(mul(dy, xhat), [0, ...spatial]) : null, needs[2] ? sum(dy, [0, ...spatial]) : null];
  },
};

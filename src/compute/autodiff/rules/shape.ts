// Gradient rules of data-movement ops: each moves the gradient back where the values came from.

import { attr, type Attrs, type Tensor } from '../../graph/graph-builder.ts';
import { attrInt, attrInts, attrString, normalizeAxis, resolveSlice } from '../../graph/shape-inference.ts';
import { concat, matmul, pad, reshape, slice, transpose, zeros } from '../../graph/ops/index.ts';
import { linearResizeMatrix } from '../../graph/ops/spatial.ts';
import type { GradRule } from '../types.ts';
import { unbroadcast } from '../unbroadcast.ts';

const reshapeBack: GradRule = ({ inputs, gradOutputs }) => [reshape(gradOutputs[0]!, inputs[0]!.shape)];

function constInts(t: Tensor | null): number[] | undefined {
  if (!t) return undefined;
  const v = t.graph.constantValue(t.name);
  if (!v) throw new Error(`${t.name} must be a constant`);
  return Array.from(v as ArrayLike<number | bigint>, Number);
}

/**
 * Gradient of a 2-D linear Resize with half-pixel centres: the forward is y = A_h x A_w^T with
 * constant interpolation matrices, so dx = A_h^T dy A_w (two MatMuls against constants).
 */
function linearResizeGrad(attrs: Attrs, x: Tensor, scalesInput: Tensor | null, sizesInput: Tensor | null, dy: Tensor): Tensor {
  const transform = attrString(attrs, 'coordinate_transformation_mode', 'half_pixel');
  if (transform !== 'half_pixel' && transform !== 'pytorch_half_pixel')
    throw new Error(`the linear Resize gradient supports half_pixel and pytorch_half_pixel coordinates only, not ${transform}`);
  if (attrInt(attrs, 'antialias', 0) !== 0) throw new Error('the linear Resize gradient does not support antialiasing');
  if (x.rank !== 4 || dy.shape[0] !== x.shape[0] || dy.shape[1] !== x.shape[1])
    throw new Error('the linear Resize gradient supports resizing the last two axes of [N, C, H, W] only');
  const g = x.graph;
  const scaleValues = scalesInput && !sizesInput ? g.constantValue(scalesInput.name) : undefined;
  if (scalesInput && !sizesInput && !scaleValues) throw new Error('the linear Resize gradient needs constant scales');
  const scales = scaleValues ? Array.from(scaleValues as ArrayLike<number>, Number) : null;
  // With `sizes`, onnxruntime's scale is output / input size.
  const scaleOf = (axis: number) => scales?.[axis] ?? dy.shape[axis]! / x.shape[axis]!;
  const [h, w, ho, wo] = [x.shape[2]!, x.shape[3]!, dy.shape[2]!, dy.shape[3]!];
  const ah = linearResizeMatrix(h, ho, scaleOf(2), transform);
  const aw = linearResizeMatrix(w, wo, scaleOf(3), transform);
  const ahT = new Float64Array(h * ho);
  for (let o = 0; o < ho; o++) for (let i = 0; i < h; i++) ahT[i * ho + o] = ah[o * h + i]!;
  return matmul(matmul(g.constant(ahT, [h, ho], dy.dtype), dy), g.constant(aw, [wo, w], dy.dtype));
}

export const shapeRules: Record<string, GradRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: ({ node, inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const perm = attrInts(node.attrs, 'perm', x.shape.map((_, i) => x.rank - 1 - i))!;
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(gradOutputs[0]!, inverse)];
  },
  // Output block (r0, r1, ...) copies x: fold each repeat into its own axis and sum it out.
  Tile: ({ inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const repeats = constInts(inputs[1]!)!;
    const folded = reshape(gradOutputs[0]!, x.shape.flatMap((d, i) => [repeats[i]!, d]));
    const summed = folded.graph.op('ReduceSum', [folded, folded.graph.ints(x.shape.map((_, i) => 2 * i))], { keepdims: attr.int(0) });
    return [summed, null];
  },
  Expand: ({ inputs, gradOutputs }) => [unbroadcast(gradOutputs[0]!, inputs[0]!.shape), null],
  Concat: ({ node, inputs, gradOutputs, needs }) => {
    const axis = normalizeAxis(attrInt(node.attrs, 'axis', 0), inputs[0]!.rank);
    let offset = 0;
    return inputs.map((t, i) => {
      const start = offset;
      offset += t!.shape[axis]!;
      return needs[i] ? slice(gradOutputs[0]!, [start], [offset], [axis]) : null;
    });
  },
  Split: ({ g, node, inputs, outputs, gradOutputs }) => {
    const x = inputs[0]!;
    const axis = normalizeAxis(attrInt(node.attrs, 'axis', 0), x.rank);
    const parts = outputs.map((o, i) => gradOutputs[i] ?? zeros(g, o.shape, o.dtype));
    return [concat(parts, axis), null];
  },
  Slice: ({ inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const [starts, ends, axes, steps] = [constInts(inputs[1]!)!, constInts(inputs[2]!)!, constInts(inputs[3] ?? null), constInts(inputs[4] ?? null)];
    const resolved = resolveSlice(x.shape, starts, ends, axes, steps);
    if (resolved.some((s) => s.step !== 1)) throw new Error('the Slice gradient supports step 1 only');
    const before = new Array<number>(x.rank).fill(0);
    const after = new Array<number>(x.rank).fill(0);
    for (const s of resolved) {
      before[s.axis] = s.start;
      after[s.axis] = x.shape[s.axis]! - s.start - s.length;
    }
    return [pad(gradOutputs[0]!, [...before, ...after]), null, null, null, null];
  },
  Pad: ({ node, inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const mode = attrString(node.attrs, 'mode', 'constant');
    if (mode !== 'constant') throw new Error(`the Pad gradient supports constant mode only, not ${mode}`);
    const pads = constInts(inputs[1]!)!;
    const rank = x.rank;
    const axes = constInts(inputs[3] ?? null)?.map((a) => normalizeAxis(a, rank)) ?? x.shape.map((_, i) => i);
    const starts = axes.map((_, i) => pads[i]!);
    if (starts.some((s) => s < 0) || axes.some((_, i) => pads[i + axes.length]! < 0)) throw new Error('the Pad gradient does not support negative pads');
    return [slice(gradOutputs[0]!, starts, axes.map((a, i) => starts[i]! + x.shape[a]!), axes), null, null, null];
  },
  Gather: ({ g, node, inputs, gradOutputs }) => {
    const x = inputs[0]!;
    if (normalizeAxis(attrInt(node.attrs, 'axis', 0), x.rank) !== 0) throw new Error('the Gather gradient supports axis 0 only');
    // Rows picked several times (repeated ids) accumulate: ScatterND with reduction add.
    const idx = inputs[1]!;
    const rows = g.op('Unsqueeze', [idx, g.ints([idx.rank])]);
    return [g.op('ScatterND', [zeros(g, x.shape, x.dtype), rows, gradOutputs[0]!], { reduction: attr.string('add') }), null];
  },
  GatherElements: ({ g, node, inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const base = zeros(g, x.shape, x.dtype);
    const axis = attrInt(node.attrs, 'axis', 0);
    return [g.op('ScatterElements', [base, inputs[1]!, gradOutputs[0]!], { axis: attr.int(axis), reduction: attr.string('add') }), null];
  },
  Resize: ({ node, inputs, gradOutputs }) => {
    const x = inputs[0]!;
    const y = gradOutputs[0]!;
    const mode = attrString(node.attrs, 'mode', 'nearest');
    if (mode === 'linear') return [linearResizeGrad(node.attrs, x, inputs[2] ?? null, inputs[3] ?? null, y), null, null, null];
    if (mode !== 'nearest') throw new Error(`the Resize gradient supports nearest and linear modes only, not ${mode}`);
    const factors = x.shape.map((d, i) => y.shape[i]! / d);
    if (
      factors.some((f) => !Number.isInteger(f)) ||
      attrString(node.attrs, 'nearest_mode', 'round_prefer_floor') !== 'floor' ||
      attrString(node.attrs, 'coordinate_transformation_mode', 'half_pixel') !== 'asymmetric'
    )
      throw new Error('the Resize gradient supports integer upsampling with asymmetric coordinates and nearest_mode=floor only');
    // Output pixel (i*f + r) copies input pixel i: fold each factor into its own axis and sum it.
    const split = x.shape.flatMap((d, i) => [d, factors[i]!]);
    const folded = reshape(y, split);
    const summed = folded.graph.op('ReduceSum', [folded, folded.graph.ints(x.shape.map((_, i) => 2 * i + 1))], { keepdims: attr.int(0) });
    return [summed, null, null, null];
  },
};

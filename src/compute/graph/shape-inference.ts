// Static shape and element-type inference for the ONNX ops the builder records. Every shape in a
// Condense graph is known at build time; values that decide shapes (Reshape's shape, Slice's
// starts, reduction axes) must therefore be constants.

import { dtypeOf, type TensorValues } from '../onnx/tensor-data.ts';
import type { Attrs, ValueInfo } from './graph-builder.ts';

type Info = ValueInfo | null;
type Consts = readonly (TensorValues | undefined)[];
type Rule = (inputs: readonly Info[], attrs: Attrs, consts: Consts, outputCount: number) => ValueInfo[];

export function attrInt(attrs: Attrs, name: string, fallback: number): number {
  const a = attrs[name];
  if (!a) return fallback;
  if (a.kind !== 'int') throw new Error(`attribute ${name} must be an int`);
  return a.value;
}

export function attrFloat(attrs: Attrs, name: string, fallback: number): number {
  const a = attrs[name];
  if (!a) return fallback;
  if (a.kind !== 'float') throw new Error(`attribute ${name} must be a float`);
  return a.value;
}

export function attrInts(attrs: Attrs, name: string, fallback: readonly number[] | undefined): number[] | undefined {
  const a = attrs[name];
  if (!a) return fallback ? [...fallback] : undefined;
  if (a.kind !== 'ints') throw new Error(`attribute ${name} must be a list of ints`);
  return a.value;
}

export function attrString(attrs: Attrs, name: string, fallback: string): string {
  const a = attrs[name];
  if (!a) return fallback;
  if (a.kind !== 'string') throw new Error(`attribute ${name} must be a string`);
  return a.value;
}

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) throw new Error(`shapes [${shapes.map((x) => x.join(', ')).join('] and [')}] do not broadcast`);
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

function need(inputs: readonly Info[], i: number): ValueInfo {
  const v = inputs[i];
  if (!v) throw new Error(`input ${i} is required`);
  return v;
}

function constInts(consts: Consts, i: number, what: string): number[] {
  const c = consts[i];
  if (!c) throw new Error(`${what} must be a constant`);
  return Array.from(c as ArrayLike<number | bigint>, Number);
}

function optionalConstInts(inputs: readonly Info[], consts: Consts, i: number, what: string): number[] | undefined {
  if (!inputs[i]) return undefined;
  return constInts(consts, i, what);
}

const same: Rule = (inputs) => [{ ...need(inputs, 0) }];

const broadcastOp: Rule = (inputs) => {
  const a = need(inputs, 0);
  const b = need(inputs, 1);
  if (a.dtype !== b.dtype) throw new Error(`element types differ: ${a.dtype} and ${b.dtype}`);
  return [{ shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype }];
};

const variadic: Rule = (inputs) => {
  const all = inputs.map((_, i) => need(inputs, i));
  return [{ shape: broadcastShapes(...all.map((v) => v.shape)), dtype: all[0]!.dtype }];
};

const compare: Rule = (inputs, attrs, consts, n) => [{ ...broadcastOp(inputs, attrs, consts, n)[0]!, dtype: 'bool' }];

const logical: Rule = (inputs) => [{ shape: broadcastShapes(need(inputs, 0).shape, need(inputs, 1).shape), dtype: 'bool' }];

/** Spatial attributes of Conv/ConvTranspose/pools, with ONNX defaults filled in. */
export function spatialAttrs(attrs: Attrs, spatial: number) {
  const autoPad = attrString(attrs, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') throw new Error(`auto_pad=${autoPad} is not supported; give explicit pads`);
  const ones = new Array(spatial).fill(1);
  return {
    strides: attrInts(attrs, 'strides', ones)!,
    dilations: attrInts(attrs, 'dilations', ones)!,
    pads: attrInts(attrs, 'pads', new Array(spatial * 2).fill(0))!,
  };
}

function convOut(inSize: number, k: number, s: number, d: number, pb: number, pe: number, ceil = false): number {
  const span = (k - 1) * d + 1;
  const num = inSize + pb + pe - span;
  if (num < 0) throw new Error(`kernel (extent ${span}) is larger than the padded input (${inSize + pb + pe})`);
  let out = (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
  // ONNX/PyTorch rule: with ceil_mode the last window must start inside the input or left padding.
  if (ceil && (out - 1) * s >= inSize + pb) out -= 1;
  return out;
}

const conv: Rule = (inputs, attrs) => {
  const x = need(inputs, 0);
  const w = need(inputs, 1);
  const spatial = x.shape.length - 2;
  if (spatial < 1) throw new Error('input must be [N, C, ...spatial]');
  if (w.shape.length !== x.shape.length) throw new Error('weight rank must match input rank');
  const group = attrInt(attrs, 'group', 1);
  const { strides, dilations, pads } = spatialAttrs(attrs, spatial);
  const channels = x.shape[1]!;
  const outChannels = w.shape[0]!;
  if (channels !== w.shape[1]! * group) throw new Error(`input has ${channels} channels, weight expects ${w.shape[1]! * group} (group ${group})`);
  if (outChannels % group !== 0) throw new Error(`${outChannels} output channels are not divisible by group ${group}`);
  const b = inputs[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== outChannels)) throw new Error(`bias must have shape [${outChannels}]`);
  const kernel = attrInts(attrs, 'kernel_shape', w.shape.slice(2))!;
  const out = [x.shape[0]!, outChannels];
  for (let i = 0; i < spatial; i++)
    out.push(convOut(x.shape[2 + i]!, kernel[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + spatial]!));
  return [{ shape: out, dtype: x.dtype }];
};

const convTranspose: Rule = (inputs, attrs) => {
  const x = need(inputs, 0);
  const w = need(inputs, 1);
  const spatial = x.shape.length - 2;
  const group = attrInt(attrs, 'group', 1);
  const { strides, dilations, pads } = spatialAttrs(attrs, spatial);
  if (attrs.output_shape) throw new Error('output_shape is not supported; give pads and output_padding');
  const outputPadding = attrInts(attrs, 'output_padding', new Array(spatial).fill(0))!;
  if (x.shape[1] !== w.shape[0]) throw new Error(`input has ${x.shape[1]} channels, weight expects ${w.shape[0]}`);
  const outChannels = w.shape[1]! * group;
  const out = [x.shape[0]!, outChannels];
  for (let i = 0; i < spatial; i++) {
    const k = w.shape[2 + i]!;
    out.push(strides[i]! * (x.shape[2 + i]! - 1) + outputPadding[i]! + (k - 1) * dilations[i]! + 1 - pads[i]! - pads[i + spatial]!);
  }
  return [{ shape: out, dtype: x.dtype }];
};

const pool: Rule = (inputs, attrs, _c, outputCount) => {
  const x = need(inputs, 0);
  const spatial = x.shape.length - 2;
  const kernel = attrInts(attrs, 'kernel_shape', undefined);
  if (!kernel || kernel.length !== spatial) throw new Error('kernel_shape is required, one size per spatial dim');
  const { strides, dilations, pads } = spatialAttrs(attrs, spatial);
  const ceil = attrInt(attrs, 'ceil_mode', 0) === 1;
  const out = [x.shape[0]!, x.shape[1]!];
  for (let i = 0; i < spatial; i++)
    out.push(convOut(x.shape[2 + i]!, kernel[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + spatial]!, ceil));
  const result: ValueInfo[] = [{ shape: out, dtype: x.dtype }];
  if (outputCount > 1) result.push({ shape: out, dtype: 'int64' });
  return result;
};

/**
 * Whether a pooling tiles its input exactly (kernel = stride, no padding or dilation, sizes
 * divisible): then each input element belongs to one window, and the max-pool gradient can be
 * computed from a comparison with the output instead of from argmax indices.
 */
export function poolTilesInput(inputShape: readonly number[], attrs: Attrs): boolean {
  const spatial = inputShape.length - 2;
  const kernel = attrInts(attrs, 'kernel_shape', undefined);
  if (!kernel || kernel.length !== spatial) return false;
  const { strides, dilations, pads } = spatialAttrs(attrs, spatial);
  return (
    pads.every((p) => p === 0) &&
    dilations.every((d) => d === 1) &&
    kernel.every((k, i) => strides[i] === k && inputShape[2 + i]! % k === 0)
  );
}

const globalPool: Rule = (inputs) => {
  const x = need(inputs, 0);
  return [{ shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)], dtype: x.dtype }];
};

function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  const aa = a.length === 1 ? [1, a[0]!] : a;
  const bb = b.length === 1 ? [b[0]!, 1] : b;
  const k1 = aa[aa.length - 1]!;
  const k2 = bb[bb.length - 2]!;
  if (k1 !== k2) throw new Error(`inner dimensions differ: ${k1} and ${k2}`);
  const batch = broadcastShapes(aa.slice(0, -2), bb.slice(0, -2));
  const out = [...batch];
  if (a.length > 1) out.push(aa[aa.length - 2]!);
  if (b.length > 1) out.push(bb[bb.length - 1]!);
  return out;
}

const matmul: Rule = (inputs) => {
  const a = need(inputs, 0);
  const b = need(inputs, 1);
  return [{ shape: matmulShape(a.shape, b.shape), dtype: a.dtype }];
};

const gemm: Rule = (inputs, attrs) => {
  const a = need(inputs, 0);
  const b = need(inputs, 1);
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error('Gemm takes 2-D inputs');
  const [m, k1] = attrInt(attrs, 'transA', 0) ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = attrInt(attrs, 'transB', 0) ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k1 !== k2) throw new Error(`inner dimensions differ: ${k1} and ${k2}`);
  const c = inputs[2];
  if (c) {
    const bc = broadcastShapes(c.shape, [m, n]);
    if (bc[0] !== m || bc[1] !== n) throw new Error(`C of shape [${c.shape}] does not broadcast to [${m}, ${n}]`);
  }
  return [{ shape: [m, n], dtype: a.dtype }];
};

export function reshapeTarget(input: readonly number[], target: readonly number[], allowZero = false): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const total = input.reduce((p, d) => p * d, 1);
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) throw new Error('at most one -1 in a reshape');
  const known = out.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (minus === 1) {
    if (known === 0 || total % known !== 0) throw new Error(`cannot reshape [${input}] to [${target}]`);
    out[out.indexOf(-1)] = total / known;
  } else if (known !== total) throw new Error(`cannot reshape [${input}] (${total} values) to [${target}]`);
  return out;
}

const reshape: Rule = (inputs, attrs, consts) => {
  const x = need(inputs, 0);
  const target = constInts(consts, 1, 'the shape');
  return [{ shape: reshapeTarget(x.shape, target, attrInt(attrs, 'allowzero', 0) === 1), dtype: x.dtype }];
};

const flatten: Rule = (inputs, attrs) => {
  const x = need(inputs, 0);
  let axis = attrInt(attrs, 'axis', 1);
  if (axis < 0) axis += x.shape.length;
  const a = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const b = x.shape.slice(axis).reduce((p, d) => p * d, 1);
  return [{ shape: [a, b], dtype: x.dtype }];
};

const transpose: Rule = (inputs, attrs) => {
  const x = need(inputs, 0);
  const perm = attrInts(attrs, 'perm', x.shape.map((_, i) => x.shape.length - 1 - i))!;
  if (perm.length !== x.shape.length || new Set(perm).size !== perm.length) throw new Error(`bad perm [${perm}]`);
  return [{ shape: perm.map((p) => x.shape[p]!), dtype: x.dtype }];
};

const concat: Rule = (inputs, attrs) => {
  const all = inputs.map((_, i) => need(inputs, i));
  const rank = all[0]!.shape.length;
  const axis = normalizeAxis(attrInt(attrs, 'axis', 0), rank);
  const out = [...all[0]!.shape];
  out[axis] = 0;
  for (const v of all) {
    if (v.shape.length !== rank) throw new Error('inputs must have the same rank');
    v.shape.forEach((d, i) => {
      if (i !== axis && d !== all[0]!.shape[i]) throw new Error(`dimension ${i} differs between inputs`);
    });
    out[axis]! += v.shape[axis]!;
  }
  return [{ shape: out, dtype: all[0]!.dtype }];
};

/** Resolved Slice parameters per axis (ONNX clamping semantics). */
export function resolveSlice(shape: readonly number[], starts: number[], ends: number[], axes?: number[], steps?: number[]) {
  const rank = shape.length;
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normalizeAxis(a, rank));
  return ax.map((axis, i) => {
    const dim = shape[axis]!;
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new Error('slice step cannot be 0');
    let start = starts[i]!;
    let end = ends[i]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const length = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
    return { axis, start, end, step, length };
  });
}

const slice: Rule = (inputs, _a, consts) => {
  const x = need(inputs, 0);
  const starts = constInts(consts, 1, 'starts');
  const ends = constInts(consts, 2, 'ends');
  const axes = optionalConstInts(inputs, consts, 3, 'axes');
  const steps = optionalConstInts(inputs, consts, 4, 'steps');
  const out = [...x.shape];
  for (const s of resolveSlice(x.shape, starts, ends, axes, steps)) out[s.axis] = s.length;
  return [{ shape: out, dtype: x.dtype }];
};

const pad: Rule = (inputs, _a, consts) => {
  const x = need(inputs, 0);
  const pads = constInts(consts, 1, 'pads');
  const rank = x.shape.length;
  const axes = optionalConstInts(inputs, consts, 3, 'axes')?.map((a) => normalizeAxis(a, rank)) ?? x.shape.map((_, i) => i);
  if (pads.length !== axes.length * 2) throw new Error(`pads must have ${axes.length * 2} values`);
  const out = [...x.shape];
  axes.forEach((axis, i) => (out[axis] = out[axis]! + pads[i]! + pads[i + axes.length]!));
  if (out.some((d) => d < 0)) throw new Error('negative pads remove more than the input holds');
  return [{ shape: out, dtype: x.dtype }];
};

export function reduceAxes(rank: number, axes: number[] | undefined, noopWithEmpty: boolean): number[] {
  if (!axes || axes.length === 0) return noopWithEmpty ? [] : Array.from({ length: rank }, (_, i) => i);
  return [...new Set(axes.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b);
}

const reduce: Rule = (inputs, attrs, consts) => {
  const x = need(inputs, 0);
  const axes = reduceAxes(x.shape.length, optionalConstInts(inputs, consts, 1, 'axes'), attrInt(attrs, 'noop_with_empty_axes', 0) === 1);
  const keep = attrInt(attrs, 'keepdims', 1) === 1;
  const out: number[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return [{ shape: out, dtype: x.dtype }];
};

const argReduce: Rule = (inputs, attrs) => {
  const x = need(inputs, 0);
  const axis = normalizeAxis(attrInt(attrs, 'axis', 0), x.shape.length);
  const keep = attrInt(attrs, 'keepdims', 1) === 1;
  const out = x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : []));
  return [{ shape: out, dtype: 'int64' }];
};

const expand: Rule = (inputs, _a, consts) => {
  const x = need(inputs, 0);
  return [{ shape: broadcastShapes(x.shape, constInts(consts, 1, 'the shape')), dtype: x.dtype }];
};

const unsqueeze: Rule = (inputs, _a, consts) => {
  const x = need(inputs, 0);
  const axes = constInts(consts, 1, 'axes');
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => normalizeAxis(a, rank));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[j++]!);
  return [{ shape: out, dtype: x.dtype }];
};

const squeeze: Rule = (inputs, _a, consts) => {
  const x = need(inputs, 0);
  const axes = optionalConstInts(inputs, consts, 1, 'axes')?.map((a) => normalizeAxis(a, x.shape.length));
  for (const a of axes ?? []) if (x.shape[a] !== 1) throw new Error(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
  const out = x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return [{ shape: out, dtype: x.dtype }];
};

const oneHot: Rule = (inputs, attrs, consts) => {
  const indices = need(inputs, 0);
  const depth = constInts(consts, 1, 'depth')[0]!;
  const values = need(inputs, 2);
  const rank = indices.shape.length + 1;
  const axis = normalizeAxis(attrInt(attrs, 'axis', -1), rank);
  const out = [...indices.shape];
  out.splice(axis, 0, depth);
  return [{ shape: out, dtype: values.dtype }];
};

const gather: Rule = (inputs, attrs) => {
  const data = need(inputs, 0);
  const indices = need(inputs, 1);
  const axis = normalizeAxis(attrInt(attrs, 'axis', 0), data.shape.length);
  return [{ shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)], dtype: data.dtype }];
};

const gatherElements: Rule = (inputs) => [{ shape: [...need(inputs, 1).shape], dtype: need(inputs, 0).dtype }];

// 2-D GridSample (opset 16): x [N, C, H, W], grid [N, Ho, Wo, 2] -> [N, C, Ho, Wo].
const gridSample: Rule = (inputs) => {
  const x = need(inputs, 0);
  const grid = need(inputs, 1);
  if (x.shape.length !== 4 || grid.shape.length !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== x.shape[0])
    throw new Error('expects x [N, C, H, W] and grid [N, Ho, Wo, 2]');
  return [{ shape: [x.shape[0]!, x.shape[1]!, grid.shape[1]!, grid.shape[2]!], dtype: x.dtype }];
};

const resize: Rule = (inputs, _attrs, consts) => {
  const x = need(inputs, 0);
  const scales = inputs[2] ? Array.from(consts[2] ?? [], Number) : undefined;
  const sizes = optionalConstInts(inputs, consts, 3, 'sizes');
  if (sizes) return [{ shape: sizes, dtype: x.dtype }];
  if (!scales || scales.length !== x.shape.length) throw new Error('scales (constant, one per dim) or sizes are required');
  return [{ shape: x.shape.map((d, i) => Math.floor(d * scales[i]!)), dtype: x.dtype }];
};

const where: Rule = (inputs) => {
  const c = need(inputs, 0);
  const a = need(inputs, 1);
  const b = need(inputs, 2);
  if (a.dtype !== b.dtype) throw new Error(`element types differ: ${a.dtype} and ${b.dtype}`);
  return [{ shape: broadcastShapes(c.shape, a.shape, b.shape), dtype: a.dtype }];
};

const cast: Rule = (inputs, attrs) => [{ shape: [...need(inputs, 0).shape], dtype: dtypeOf(attrInt(attrs, 'to', 1)) }];

const split: Rule = (inputs, attrs, consts, outputCount) => {
  const x = need(inputs, 0);
  const axis = normalizeAxis(attrInt(attrs, 'axis', 0), x.shape.length);
  const dim = x.shape[axis]!;
  let sizes = optionalConstInts(inputs, consts, 1, 'split');
  if (!sizes) {
    const n = attrInt(attrs, 'num_outputs', outputCount);
    const chunk = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  if (sizes.reduce((p, d) => p + d, 0) !== dim) throw new Error(`split sizes [${sizes}] do not add up to ${dim}`);
  return sizes.map((s) => {
    const out = [...x.shape];
    out[axis] = s;
    return { shape: out, dtype: x.dtype };
  });
};

const tile: Rule = (inputs, _a, consts) => {
  const x = need(inputs, 0);
  const repeats = constInts(consts, 1, 'repeats');
  return [{ shape: x.shape.map((d, i) => d * repeats[i]!), dtype: x.dtype }];
};

const constantOfShape: Rule = (_inputs, attrs, consts) => {
  const shape = constInts(consts, 0, 'the shape');
  const value = attrs.value;
  const dtype = value && value.kind === 'tensor' ? dtypeOf(value.value.dataType) : 'float32';
  return [{ shape, dtype }];
};

const batchNorm: Rule = (inputs, attrs, _c, outputCount) => {
  const x = need(inputs, 0);
  for (let i = 1; i <= 4; i++) {
    const p = need(inputs, i);
    if (p.shape.length !== 1 || p.shape[0] !== x.shape[1]) throw new Error(`input ${i} must have shape [${x.shape[1]}]`);
  }
  const training = attrInt(attrs, 'training_mode', 0) === 1;
  if (training !== (outputCount === 3)) throw new Error('training_mode=1 has 3 outputs (Y, running mean, running var), inference 1');
  const stats = { shape: [x.shape[1]!], dtype: x.dtype };
  return training ? [{ ...x }, stats, { ...stats }] : [{ ...x }];
};

const instanceNorm: Rule = (inputs) => {
  const x = need(inputs, 0);
  if (x.shape.length < 3) throw new Error('expects [N, C, spatial...]');
  for (let i = 1; i <= 2; i++) {
    const p = need(inputs, i);
    if (p.shape.length !== 1 || p.shape[0] !== x.shape[1]) throw new Error(`input ${i} must have shape [${x.shape[1]}]`);
  }
  return [{ ...x }];
};

const rules: Record<string, Rule> = {
  Identity: same,
  Relu: same,
  Sigmoid: same,
  Tanh: same,
  LeakyRelu: same,
  Elu: same,
  Exp: same,
  Log: same,
  Sqrt: same,
  Reciprocal: same,
  Abs: same,
  Neg: same,
  Sign: same,
  Floor: same,
  Ceil: same,
  Round: same,
  Erf: same,
  Softplus: same,
  Softmax: same,
  LogSoftmax: same,
  Clip: same,
  Not: same,
  Add: broadcastOp,
  Sub: broadcastOp,
  Mul: broadcastOp,
  Div: broadcastOp,
  Pow: (inputs) => [{ shape: broadcastShapes(need(inputs, 0).shape, need(inputs, 1).shape), dtype: need(inputs, 0).dtype }],
  Max: variadic,
  Min: variadic,
  Sum: variadic,
  Mean: variadic,
  Equal: compare,
  Less: compare,
  Greater: compare,
  LessOrEqual: compare,
  GreaterOrEqual: compare,
  And: logical,
  Or: logical,
  Where: where,
  Cast: cast,
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  MatMul: matmul,
  Gemm: gemm,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  Pad: pad,
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceL2: reduce,
  ReduceSumSquare: reduce,
  ArgMax: argReduce,
  ArgMin: argReduce,
  Expand: expand,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  OneHot: oneHot,
  Gather: gather,
  GatherElements: gatherElements,
  GridSample: gridSample,
  ScatterElements: same,
  ScatterND: same,
  Resize: resize,
  Split: split,
  Tile: tile,
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  ConstantOfShape: constantOfShape,
};

export function supportedOps(): string[] {
  return Object.keys(rules).sort();
}

/** Whether the graph builder can record (and infer shapes for) this ONNX op of the default domain. */
export function isSupportedOp(opType: string): boolean {
  return Object.hasOwn(rules, opType);
}

export function inferShapes(
  opType: string,
  inputs: readonly Info[],
  attrs: Attrs,
  consts: Consts,
  outputCount: number,
): ValueInfo[] {
  const rule = rules[opType];
  if (!rule) throw new Error(`op ${opType} is not supported by the graph builder`);
  const out = rule(inputs, attrs, consts, outputCount);
  for (const o of out) if (o.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`inferred a bad shape [${o.shape}]`);
  return out as ValueInfo[];
}


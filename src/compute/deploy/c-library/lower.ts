// Lowers an inference ONNX graph (batch 1) to a list of kernel calls over named tensors: static shapes,
// constants folded (Constant, DequantizeLinear of initializers, shape ops on constants), views
// (Reshape, Flatten, Identity, ...) turned into aliases, BatchNormalization after a Conv folded into the
// Conv, and an activation that alone consumes a Conv / Gemm / MatMul / Add / BN output fused into it.

import { foldBatchNorm } from '../../model/export.ts';
import { DataType, type AttributeProto, type ModelProto, type NodeProto } from '../../onnx/model.ts';
import { dtypeOf, elementCount, tensorValues, type TensorValues } from '../../onnx/tensor-data.ts';
import { BINARY_OP, FLAT_BLOCK, FLAT_MAX_TAPS, FLAT_SLACK, packFlatConvWeights, type ActKind, type KernelName } from './kernels.ts';

/** Thrown when the model holds ops (or op variants) the generator has no kernel for; names them all. */
export class UnsupportedOpError extends Error {
  readonly ops: string[];
  constructor(problems: { op: string; node: string; why?: string }[]) {
    const byOp = new Map<string, string[]>();
    for (const p of problems) byOp.set(p.op, [...(byOp.get(p.op) ?? []), p.why ? `${p.node}: ${p.why}` : p.node]);
    const list = [...byOp].map(([op, nodes]) => `${op} (${nodes.length > 1 ? 'nodes' : 'node'} ${nodes.join(', ')})`);
    super(`the C library generator does not support ${list.join('; ')}`);
    this.name = 'UnsupportedOpError';
    this.ops = [...byOp.keys()];
  }
}

export interface Activation {
  kind: ActKind;
  p: number;
  q: number;
}

/** A weight array of weights.c. */
export interface Weight {
  id: string;
  /** The ONNX tensor(s) it comes from, for the comment above it. */
  source: string;
  values: Float32Array;
}

/** One kernel call of `predict`. Tensor arguments are tensor names; weights are Weight ids. */
export interface Step {
  node: string;
  summary: string;
  kernel: KernelName | 'copy';
  /** Computed tensors read (not weights). */
  reads: string[];
  writes: string;
  /** The output may share the storage of a read tensor whose life ends here. */
  inPlace: boolean;
  /** A tensor the step needs only while it runs (a padded copy of its input). */
  scratch?: string;
  /** Set when an activation is fused into the step. */
  act?: Activation;
  /** C arguments: a tensor, a weight (null: none), an int, the activation. */
  args: Arg[];
}

/** The last, `act`, stands for the step's activation: kind and two parameters. */
export type Arg = { tensor: string } | { weight: string | null } | { int: number } | { act: true };

export interface LoweredModel {
  inputName: string;
  outputName: string;
  inputShape: number[];
  outputShape: number[];
  steps: Step[];
  /** Views: tensor -> the tensor whose storage it shares. */
  aliases: Map<string, string>;
  shapes: Map<string, number[]>;
  weights: Weight[];
  opTypes: string[];
}

interface Constant {
  dims: number[];
  values: TensorValues;
}

const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Elu']);
const VIEWS = new Set(['Reshape', 'Flatten', 'Identity', 'Dropout', 'Squeeze', 'Unsqueeze']);
/** Folded at generation time: shapes are static, so `x.view(x.size(0), -1)` chains become constants. */
const SHAPE_ARITHMETIC = ['Shape', 'Gather', 'Concat', 'Cast'];
const SUPPORTED = new Set([
  ...ACTIVATIONS,
  ...VIEWS,
  'Conv',
  'Gemm',
  'MatMul',
  'BatchNormalization',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Softmax',
  'Constant',
  'DequantizeLinear',
  ...SHAPE_ARITHMETIC,
]);

/** The ops the generator has kernels (or folds) for. */
export const SUPPORTED_OPS: readonly string[] = [...SUPPORTED].sort();

class Unsupported extends Error {}

/** An input produced by a node that could not be lowered: that node is already reported. */
class Downstream extends Error {}

function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name);
}
function intAttr(n: NodeProto, name: string, fallback: number): number {
  return attr(n, name)?.i ?? fallback;
}
function floatAttr(n: NodeProto, name: string, fallback: number): number {
  return attr(n, name)?.f ?? fallback;
}
function intsAttr(n: NodeProto, name: string): number[] | undefined {
  return attr(n, name)?.ints;
}
function stringAttr(n: NodeProto, name: string, fallback: string): string {
  const s = attr(n, name)?.s;
  return s ? new TextDecoder().decode(s) : fallback;
}

function toFloat(values: TensorValues): Float32Array {
  if (values instanceof Float32Array) return values;
  return Float32Array.from(values as ArrayLike<number | bigint>, (v) => Number(v));
}

function toInts(values: TensorValues): number[] {
  return Array.from(values as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Shape after numpy broadcasting of two shapes. */
function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Unsupported(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

/**
 * How a smaller operand maps onto the output: if its non-1 dims are one contiguous run equal to the
 * output's there, the output is [outer][mid][inner] and the operand is indexed by mid.
 */
function broadcastPattern(part: number[], out: number[]): { outer: number; mid: number; inner: number } | undefined {
  const aligned = [...new Array<number>(out.length - part.length).fill(1), ...part];
  const varying = aligned.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  if (varying.length === 0) return { outer: elementCount(out), mid: 1, inner: 1 };
  const first = varying[0]!;
  const last = varying[varying.length - 1]!;
  for (let i = first; i <= last; i++) if (aligned[i] !== out[i]) return undefined;
  return { outer: elementCount(out.slice(0, first)), mid: elementCount(out.slice(first, last + 1)), inner: elementCount(out.slice(last + 1)) };
}

/** Explicit [top, left, bottom, right] pads of a 2-D window op, auto_pad included. */
function windowPads(n: NodeProto, inHW: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const autoPad = stringAttr(n, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = intsAttr(n, 'pads') ?? [0, 0, 0, 0];
    return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
  }
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(inHW[i]! / strides[i]!);
    const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inHW[i]!);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  return [begin[0]!, begin[1]!, end[0]!, end[1]!];
}

class Lowering {
  readonly consts = new Map<string, Constant>();
  readonly shapes = new Map<string, number[]>();
  readonly aliases = new Map<string, string>();
  readonly steps: Step[] = [];
  readonly weights: Weight[] = [];
  private readonly weightIds = new Map<string, string>();
  private readonly opset: number;

  constructor(readonly proto: ModelProto) {
    this.opset = proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 13;
    for (const t of proto.graph.initializer) this.consts.set(t.name, { dims: [...t.dims], values: tensorValues(t) });
  }

  shape(name: string): number[] {
    const c = this.consts.get(name);
    if (c) return c.dims;
    const s = this.shapes.get(name);
    if (!s) throw new Downstream(`no node produces ${name}`);
    return s;
  }

  /** A weight array for a constant (laid out by `values`); deduplicated by key. */
  weight(key: string, source: string, values: Float32Array): string {
    const known = this.weightIds.get(key);
    if (known) return known;
    const base = source.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+|_+$/g, '') || 'w';
    let id = `w_${base}`;
    for (let i = 2; this.weights.some((w) => w.id === id); i++) id = `w_${base}_${i}`;
    this.weights.push({ id, source, values });
    this.weightIds.set(key, id);
    return id;
  }

  constFloat(name: string): Float32Array {
    return toFloat(this.consts.get(name)!.values);
  }

  private step(n: NodeProto, summary: string, kernel: Step['kernel'], reads: string[], args: Arg[], inPlace = false): Step {
    const s: Step = { node: n.name || n.output[0]!, summary, kernel, reads, writes: n.output[0]!, inPlace, args };
    this.steps.push(s);
    return s;
  }

  lowerNode(n: NodeProto): void {
    const inputs = n.input;
    const out = n.output[0]!;
    const isConst = (name: string): boolean => this.consts.has(name);
    if (n.output.slice(1).some((o) => o !== '')) {
      // Extra outputs (MaxPool indices, Dropout mask, training BN statistics) have no kernel.
      if (!(n.opType === 'Dropout' || n.opType === 'BatchNormalization' || n.opType === 'MaxPool')) throw new Unsupported('more than one output');
    }
    if (n.opType === 'Constant') {
      const t = attr(n, 'value')?.t;
      if (!t) throw new Unsupported('only a tensor `value` is supported');
      this.consts.set(out, { dims: [...t.dims], values: tensorValues(t) });
      return;
    }
    if (n.opType === 'DequantizeLinear') return this.dequantize(n);
    if (SHAPE_ARITHMETIC.includes(n.opType)) return this.foldShapeArithmetic(n);
    if (VIEWS.has(n.opType)) return this.view(n);
    if (inputs.filter((i) => i !== '').every(isConst)) throw new Unsupported('all inputs are constants (fold them before export)');

    switch (n.opType) {
      case 'Conv':
        return this.conv(n);
      case 'Gemm':
        return this.gemm(n);
      case 'MatMul':
        return this.matmul(n);
      case 'BatchNormalization':
        return this.batchNorm(n);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(n);
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const [, c, ...spatial] = this.shape(inputs[0]!);
        this.shapes.set(out, [1, c!, ...spatial.map(() => 1)]);
        this.step(n, `${n.opType} ${c}x${spatial.join('x')}`, 'globalPool', [inputs[0]!], [
          { tensor: inputs[0]! },
          { int: c! },
          { int: elementCount(spatial) },
          { tensor: out },
          { int: n.opType === 'GlobalMaxPool' ? 1 : 0 },
        ]);
        return;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
        return this.binary(n);
      case 'Softmax':
        return this.softmax(n);
      default:
        if (ACTIVATIONS.has(n.opType)) return this.activation(n);
        throw new Unsupported('no kernel');
    }
  }

  private dequantize(n: NodeProto): void {
    const [x, scale, zero] = n.input;
    if (![x, scale, zero].filter((i): i is string => !!i).every((i) => this.consts.has(i)))
      throw new Unsupported('only constant (weight) inputs are supported; quantized activations are not');
    const q = this.consts.get(x!)!;
    const s = this.constFloat(scale!);
    const z = zero ? toInts(this.consts.get(zero)!.values) : [0];
    const axisRaw = intAttr(n, 'axis', 1);
    const axis = axisRaw < 0 ? axisRaw + q.dims.length : axisRaw;
    const inner = s.length > 1 ? elementCount(q.dims.slice(axis + 1)) : 1;
    const qv = toInts(q.values);
    const values = new Float32Array(qv.length);
    for (let i = 0; i < qv.length; i++) {
      const ch = s.length > 1 ? Math.floor(i / inner) % s.length : 0;
      // ONNX DequantizeLinear: y = (x - zero_point) * scale
      values[i] = Math.fround((qv[i]! - (z[ch] ?? z[0] ?? 0)) * s[ch]!);
    }
    this.consts.set(n.output[0]!, { dims: [...q.dims], values });
  }

  private foldShapeArithmetic(n: NodeProto): void {
    const out = n.output[0]!;
    if (n.opType === 'Shape') {
      const dims = this.shape(n.input[0]!);
      const rank = dims.length;
      const clamp = (v: number): number => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
      const kept = dims.slice(clamp(intAttr(n, 'start', 0)), clamp(attr(n, 'end')?.i ?? rank));
      this.consts.set(out, { dims: [kept.length], values: BigInt64Array.from(kept, (d) => BigInt(d)) });
      return;
    }
    const inputs = n.input.filter((i) => i !== '');
    if (!inputs.every((i) => this.consts.has(i))) throw new Unsupported('only on constants (shape arithmetic); there is no kernel for computed tensors');
    const [first, ...rest] = inputs.map((i) => this.consts.get(i)!);
    const ints = first!.values instanceof BigInt64Array;
    const make = (values: number[]): TensorValues => (ints ? BigInt64Array.from(values, (v) => BigInt(v)) : Float32Array.from(values));
    const rank = first!.dims.length;
    const axisOf = (fallback: number): number => {
      const a = intAttr(n, 'axis', fallback);
      return a < 0 ? a + rank : a;
    };
    switch (n.opType) {
      case 'Cast': {
        const to = intAttr(n, 'to', DataType.FLOAT);
        const values = Array.from(first!.values as ArrayLike<number | bigint>, Number);
        this.consts.set(out, {
          dims: first!.dims,
          values: to === DataType.FLOAT ? Float32Array.from(values) : BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))),
        });
        return;
      }
      case 'Gather': {
        const axis = axisOf(0);
        const idx = toInts(rest[0]!.values);
        const data = Array.from(first!.values as ArrayLike<number | bigint>, Number);
        const [outer, len, inner] = [elementCount(first!.dims.slice(0, axis)), first!.dims[axis]!, elementCount(first!.dims.slice(axis + 1))];
        const values: number[] = [];
        for (let o = 0; o < outer; o++) for (const i of idx) for (let k = 0; k < inner; k++) values.push(data[(o * len + (i < 0 ? i + len : i)) * inner + k]!);
        this.consts.set(out, { dims: [...first!.dims.slice(0, axis), ...rest[0]!.dims, ...first!.dims.slice(axis + 1)], values: make(values) });
        return;
      }
      default: {
        // Concat
        const all = [first!, ...rest];
        const axis = axisOf(0);
        const outer = elementCount(first!.dims.slice(0, axis));
        const values: number[] = [];
        for (let o = 0; o < outer; o++)
          for (const t of all) {
            const chunk = elementCount(t.dims.slice(axis));
            values.push(...Array.from(t.values as ArrayLike<number | bigint>, Number).slice(o * chunk, (o + 1) * chunk));
          }
        const dims = [...first!.dims];
        dims[axis] = all.reduce((sum, t) => sum + t.dims[axis]!, 0);
        this.consts.set(out, { dims, values: make(values) });
      }
    }
  }

  private view(n: NodeProto): void {
    const x = n.input[0]!;
    const inShape = this.shape(x);
    let shape: number[];
    switch (n.opType) {
      case 'Reshape': {
        const target = this.consts.get(n.input[1]!);
        if (!target) throw new Unsupported('the target shape must be a constant');
        const dims = toInts(target.values);
        const allowZero = intAttr(n, 'allowzero', 0) === 1;
        shape = dims.map((d, i) => (d === 0 && !allowZero ? inShape[i]! : d));
        const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        shape = shape.map((d) => (d === -1 ? elementCount(inShape) / known : d));
        break;
      }
      case 'Flatten': {
        const raw = intAttr(n, 'axis', 1);
        const axis = raw < 0 ? raw + inShape.length : raw;
        shape = [elementCount(inShape.slice(0, axis)), elementCount(inShape.slice(axis))];
        break;
      }
      case 'Squeeze':
      case 'Unsqueeze': {
        const axesInput = n.input[1] ? this.consts.get(n.input[1]) : undefined;
        if (n.input[1] && !axesInput) throw new Unsupported('axes must be a constant');
        const axes = axesInput ? toInts(axesInput.values) : intsAttr(n, 'axes');
        if (n.opType === 'Squeeze') {
          const rank = inShape.length;
          const drop = new Set((axes ?? inShape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => (a < 0 ? a + rank : a)));
          shape = inShape.filter((_, i) => !drop.has(i));
        } else {
          const rank = inShape.length + (axes?.length ?? 0);
          const add = new Set((axes ?? []).map((a) => (a < 0 ? a + rank : a)));
          shape = [];
          for (let i = 0, j = 0; i < rank; i++) shape.push(add.has(i) ? 1 : inShape[j++]!);
        }
        break;
      }
      default:
        shape = inShape;
    }
    if (elementCount(shape) !== elementCount(inShape) || shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new Unsupported(`cannot view [${inShape}] as [${shape}]`);
    const c = this.consts.get(x);
    if (c) this.consts.set(n.output[0]!, { dims: shape, values: c.values });
    else {
      this.shapes.set(n.output[0]!, shape);
      this.aliases.set(n.output[0]!, x);
    }
  }

  private conv(n: NodeProto): void {
    const [x, w, b] = n.input;
    const wc = this.consts.get(w!);
    if (!wc) throw new Unsupported('the weight must be an initializer');
    if (b && !this.consts.has(b)) throw new Unsupported('the bias must be an initializer');
    const xs = this.shape(x!);
    if (xs.length !== 4 && xs.length !== 3) throw new Unsupported(`${xs.length - 2}-D convolution`);
    // A 1-D convolution runs as a 2-D one of height 1.
    const oneD = xs.length === 3;
    const [, C, H, W] = oneD ? [1, xs[1]!, 1, xs[2]!] : xs;
    const kernel = oneD ? [1, wc.dims[2]!] : [wc.dims[2]!, wc.dims[3]!];
    const lift = (v: number[] | undefined, fill: number): number[] => (v ? (oneD ? [fill, v[0]!] : v) : [fill, fill]);
    const strides = lift(intsAttr(n, 'strides'), 1);
    const dilations = lift(intsAttr(n, 'dilations'), 1);
    const rawPads = intsAttr(n, 'pads');
    const nPads = oneD && rawPads ? { ...n, attribute: n.attribute.map((a) => (a.name === 'pads' ? { ...a, ints: [0, rawPads[0]!, 0, rawPads[1]!] } : a)) } : n;
    const [pt, pl, pb, pr] = windowPads(nPads, [H!, W!], kernel, strides, dilations);
    const group = intAttr(n, 'group', 1);
    const M = wc.dims[0]!;
    if (wc.dims[1]! * group !== C) throw new Unsupported(`weight [${wc.dims}] does not fit ${C} input channels in ${group} groups`);
    const OH = Math.floor((H! + pt! + pb! - dilations[0]! * (kernel[0]! - 1) - 1) / strides[0]!) + 1;
    const OW = Math.floor((W! + pl! + pr! - dilations[1]! * (kernel[1]! - 1) - 1) / strides[1]!) + 1;
    this.shapes.set(n.output[0]!, oneD ? [1, M, OW] : [1, M, OH, OW]);
    const bid = b ? this.weight(b, b, this.constFloat(b)) : null;
    const detail = `${C}x${H}x${W} -> ${M}x${OH}x${OW}, ${kernel.join('x')} kernel, stride ${strides.join('x')}${group > 1 ? `, ${group} groups` : ''}`;
    // Padding is done once into a scratch plane (see the conv_flat and conv2d kernels).
    const padded = pt! + pl! + pb! + pr! > 0;
    const depthwise = group === C && M === C;
    const taps = kernel[0]! * kernel[1]!;
    // The flat kernel (convFlat) runs tiles along the flat plane of its input, split into stride
    // phases (a scratch copy) when strided. It reads up to FLAT_SLACK floats past that input, so an
    // input it reads in place (unpadded, stride 1) must hold a whole tile.
    const strided = strides[0] !== 1 || strides[1] !== 1;
    const flat = taps <= FLAT_MAX_TAPS && (padded || strided || (OH - 1) * W! + OW >= FLAT_SLACK);
    const scratch = `${n.output[0]}#padded`;
    if (flat) {
      const packed = packFlatConvWeights(this.constFloat(w!), M, M / group, C! / group, taps);
      const pid = this.weight(`${w}|flat`, w!, packed);
      const step = this.step(n, `Conv ${detail}`, 'convFlat', [x!], [
        { tensor: x! },
        ...[C!, H!, W!].map((v) => ({ int: v })),
        { tensor: n.output[0]! },
        ...[M, OH, OW].map((v) => ({ int: v })),
        { weight: pid },
        { weight: bid },
        ...[...kernel, ...strides, pt!, pl!, pb!, pr!, ...dilations, group].map((v) => ({ int: v })),
        padded || strided ? { tensor: scratch } : { weight: null },
        { act: true },
      ]);
      if (padded || strided) {
        step.scratch = scratch;
        const [sh, sw] = [strides[0]!, strides[1]!];
        const phases = Math.ceil((H! + pt! + pb!) / sh) * Math.ceil((W! + pl! + pr!) / sw);
        // A depthwise layer copies one block of channels (at most FLAT_BLOCK) at a time.
        const planes = depthwise ? Math.min(C!, FLAT_BLOCK) : C!;
        this.shapes.set(scratch, [planes * sh * sw * phases + FLAT_SLACK]);
      }
      return;
    }
    const wid = this.weight(w!, w!, this.constFloat(w!));
    // A 1x1 kernel at stride 1 without padding maps each input position to the same output position:
    // the plane runs as one long row, so the kernel's column tiles never stop at a short row's end.
    const pointwise = kernel[0] === 1 && kernel[1] === 1 && strides[0] === 1 && strides[1] === 1 && !padded;
    const [h, wd, oh, ow] = pointwise ? [1, H! * W!, 1, OH * OW] : [H!, W!, OH, OW];
    const step = this.step(n, `Conv ${detail}`, 'conv2d', [x!], [
      { tensor: x! },
      ...[C!, h, wd].map((v) => ({ int: v })),
      { tensor: n.output[0]! },
      ...[M, oh, ow].map((v) => ({ int: v })),
      { weight: wid },
      { weight: bid },
      ...[...kernel, ...strides, pt!, pl!, pb!, pr!, ...dilations, group].map((v) => ({ int: v })),
      padded ? { tensor: scratch } : { weight: null },
      { act: true },
    ]);
    if (padded) {
      step.scratch = scratch;
      // A depthwise convolution pads 4 channels at a time; slack after the padded planes lets a row
      // narrower than 8 run as one 8-column tile (see conv2d).
      const planes = depthwise ? Math.min(C!, 4) : C!;
      this.shapes.set(scratch, [planes * (H! + pt! + pb!) * (W! + pl! + pr!) + 8 * strides[1]!]);
    }
  }

  /** y = a[M][K] * B[K][N] + bias; B and bias constants, B given as [K][N] values. */
  private matmulStep(n: NodeProto, a: string, M: number, K: number, N: number, bt: Float32Array, bKey: string, bias: Float32Array | null, biasKey: string): void {
    const wid = this.weight(bKey, n.input[1]!, bt);
    const bid = bias ? this.weight(biasKey, n.input[2] ?? `${n.input[1]}.bias`, bias) : null;
    this.step(n, `${n.opType} ${M}x${K} -> ${M}x${N}`, 'matmul', [a], [
      { tensor: a },
      { int: M },
      { int: K },
      { weight: wid },
      { int: N },
      { weight: bid },
      { tensor: n.output[0]! },
      { act: true },
    ]);
  }

  private gemm(n: NodeProto): void {
    const [a, b, c] = n.input;
    const bc = this.consts.get(b!);
    if (!bc) throw new Unsupported('B must be an initializer');
    if (c && !this.consts.has(c)) throw new Unsupported('C must be an initializer');
    const as = this.shape(a!);
    const transA = intAttr(n, 'transA', 0) === 1;
    const transB = intAttr(n, 'transB', 0) === 1;
    // With one row, A and its transpose are the same values.
    if (transA && as[1] !== 1) throw new Unsupported('transA with more than one row');
    const [M, K] = transA ? [as[1]!, as[0]!] : [as[0]!, as[1]!];
    const N = transB ? bc.dims[0]! : bc.dims[1]!;
    const alpha = floatAttr(n, 'alpha', 1);
    const beta = floatAttr(n, 'beta', 1);
    const bv = this.constFloat(b!);
    // The kernel wants B as [K][N].
    const bt = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) bt[k * N + j] = (transB ? bv[j * K + k]! : bv[k * N + j]!) * alpha;
    let bias: Float32Array | null = null;
    if (c) {
      const cv = this.constFloat(c);
      const cd = this.consts.get(c)!.dims;
      if (elementCount(cd) !== 1 && elementCount(cd) !== N) throw new Unsupported(`C of shape [${cd}] is not a per-column bias`);
      bias = Float32Array.from({ length: N }, (_, j) => (cv.length === 1 ? cv[0]! : cv[j]!) * beta);
    }
    this.shapes.set(n.output[0]!, [M, N]);
    this.matmulStep(n, a!, M, K, N, bt, `${b}|gemm|${transB}|${alpha}`, bias, `${c}|${beta}`);
  }

  private matmul(n: NodeProto): void {
    const [a, b] = n.input;
    const bc = this.consts.get(b!);
    if (!bc || bc.dims.length !== 2) throw new Unsupported('B must be a 2-D initializer');
    const as = this.shape(a!);
    const K = as[as.length - 1]!;
    const N = bc.dims[1]!;
    if (bc.dims[0] !== K) throw new Unsupported(`[${as}] x [${bc.dims}] do not multiply`);
    this.shapes.set(n.output[0]!, [...as.slice(0, -1), N]);
    this.matmulStep(n, a!, elementCount(as) / K, K, N, this.constFloat(b!), b!, null, '');
  }

  private batchNorm(n: NodeProto): void {
    const [x, gamma, beta, mean, variance] = n.input;
    if (![gamma, beta, mean, variance].every((i) => i && this.consts.has(i))) throw new Unsupported('statistics must be initializers');
    const xs = this.shape(x!);
    const [g, bt, m, v] = [gamma, beta, mean, variance].map((i) => this.constFloat(i!));
    const eps = floatAttr(n, 'epsilon', 1e-5);
    const C = xs[1]!;
    const scale = new Float32Array(C);
    const shift = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      // Inference BN: y = (x - mean) / sqrt(var + eps) * gamma + beta = x * s + (beta - mean * s)
      scale[c] = g![c]! / Math.sqrt(v![c]! + eps);
      shift[c] = bt![c]! - m![c]! * scale[c]!;
    }
    this.shapes.set(n.output[0]!, xs);
    const sid = this.weight(`${n.output[0]}|scale`, `${gamma}.scale`, scale);
    const tid = this.weight(`${n.output[0]}|shift`, `${beta}.shift`, shift);
    this.step(
      n,
      `BatchNormalization ${xs.slice(1).join('x')}`,
      'channelAffine',
      [x!],
      [{ tensor: x! }, { tensor: n.output[0]! }, { int: C }, { int: elementCount(xs.slice(2)) }, { weight: sid }, { weight: tid }, { act: true }],
      true,
    );
  }

  private pool(n: NodeProto): void {
    const x = n.input[0]!;
    const xs = this.shape(x);
    if (xs.length !== 4) throw new Unsupported(`${xs.length - 2}-D pooling`);
    const [, C, H, W] = xs;
    const kernel = intsAttr(n, 'kernel_shape')!;
    const strides = intsAttr(n, 'strides') ?? [1, 1];
    const dilations = intsAttr(n, 'dilations') ?? [1, 1];
    const isMax = n.opType === 'MaxPool';
    if (!isMax && dilations.some((d) => d !== 1)) throw new Unsupported('dilated average pooling');
    if (intAttr(n, 'storage_order', 0) !== 0) throw new Unsupported('storage_order 1');
    const [pt, pl, pb, pr] = windowPads(n, [H!, W!], kernel, strides, dilations);
    const ceil = intAttr(n, 'ceil_mode', 0) === 1;
    const size = (len: number, k: number, s: number, d: number, pads: number, begin: number): number => {
      const span = len + pads - d * (k - 1) - 1;
      let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      // With ceil_mode the last window must start inside the image or its leading pad.
      if (ceil && (o - 1) * s >= len + begin) o--;
      return o;
    };
    const OH = size(H!, kernel[0]!, strides[0]!, dilations[0]!, pt! + pb!, pt!);
    const OW = size(W!, kernel[1]!, strides[1]!, dilations[1]!, pl! + pr!, pl!);
    this.shapes.set(n.output[0]!, [1, C!, OH, OW]);
    this.step(n, `${n.opType} ${C}x${H}x${W} -> ${C}x${OH}x${OW}, ${kernel.join('x')} window`, 'pool2d', [x], [
      { tensor: x },
      ...[C!, H!, W!].map((v) => ({ int: v })),
      { tensor: n.output[0]! },
      ...[OH, OW, ...kernel, ...strides, pt!, pl!, pb!, pr!, ...dilations, isMax ? 1 : 0, intAttr(n, 'count_include_pad', 0)].map((v) => ({ int: v })),
    ]);
  }

  private binary(n: NodeProto): void {
    const [a, b] = n.input as [string, string];
    const as = this.shape(a);
    const bs = this.shape(b);
    const out = broadcastShape(as, bs);
    this.shapes.set(n.output[0]!, out);
    const total = elementCount(out);
    const operand = (name: string): Arg => (this.consts.has(name) ? { weight: this.weight(name, name, this.constFloat(name)) } : { tensor: name });
    const op = BINARY_OP[n.opType as keyof typeof BINARY_OP];
    const reads = [a, b].filter((i) => !this.consts.has(i));
    const aFull = elementCount(as) === total;
    const bFull = elementCount(bs) === total;
    let pattern: { outer: number; mid: number; inner: number } | undefined;
    let bcast = 0;
    if (aFull && bFull) pattern = { outer: 1, mid: total, inner: 1 };
    else if (aFull) [pattern, bcast] = [broadcastPattern(bs, out), 1];
    else if (bFull) [pattern, bcast] = [broadcastPattern(as, out), 2];
    if (!pattern) throw new Unsupported(`broadcast of [${as}] with [${bs}]`);
    this.step(
      n,
      `${n.opType} [${out}]${bcast ? ` (broadcast [${bcast === 1 ? bs : as}])` : ''}`,
      'binary',
      reads,
      [operand(a), operand(b), { tensor: n.output[0]! }, { int: pattern.outer }, { int: pattern.mid }, { int: pattern.inner }, { int: op }, { int: bcast }, { act: true }],
      true,
    );
  }

  private softmax(n: NodeProto): void {
    const x = n.input[0]!;
    const xs = this.shape(x);
    const raw = intAttr(n, 'axis', this.opset >= 13 ? -1 : 1);
    const axis = raw < 0 ? raw + xs.length : raw;
    // Before opset 13 Softmax works on the input flattened to 2-D at `axis`.
    const [outer, len, inner] =
      this.opset >= 13 ? [elementCount(xs.slice(0, axis)), xs[axis]!, elementCount(xs.slice(axis + 1))] : [elementCount(xs.slice(0, axis)), elementCount(xs.slice(axis)), 1];
    this.shapes.set(n.output[0]!, xs);
    this.step(n, `Softmax over ${len}`, 'softmax', [x], [{ tensor: x }, { tensor: n.output[0]! }, { int: outer }, { int: len }, { int: inner }], true);
  }

  private activation(n: NodeProto): void {
    const x = n.input[0]!;
    const xs = this.shape(x);
    const act = this.activationOf(n);
    this.shapes.set(n.output[0]!, xs);
    const s = this.step(n, `${n.opType} ${xs.slice(1).join('x')}`, 'activate', [x], [{ tensor: x }, { tensor: n.output[0]! }, { int: elementCount(xs) }, { act: true }], true);
    s.act = act;
  }

  activationOf(n: NodeProto): Activation {
    switch (n.opType) {
      case 'Relu':
        return { kind: 'relu', p: 0, q: 0 };
      case 'LeakyRelu':
        return { kind: 'leakyRelu', p: floatAttr(n, 'alpha', 0.01), q: 0 };
      case 'Elu':
        return { kind: 'elu', p: floatAttr(n, 'alpha', 1), q: 0 };
      case 'Sigmoid':
        return { kind: 'sigmoid', p: 0, q: 0 };
      case 'Tanh':
        return { kind: 'tanh', p: 0, q: 0 };
      case 'HardSigmoid':
        return { kind: 'hardSigmoid', p: floatAttr(n, 'alpha', 0.2), q: floatAttr(n, 'beta', 0.5) };
      case 'HardSwish':
        return { kind: 'hardSwish', p: 0, q: 0 };
      case 'Clip': {
        const bound = (i: number, attrName: string, fallback: number): number => {
          const name = n.input[i];
          if (name) {
            const c = this.consts.get(name);
            if (!c) throw new Unsupported(`${attrName} must be a constant`);
            return Number(c.values[0]);
          }
          return floatAttr(n, attrName, fallback);
        };
        return { kind: 'clip', p: bound(1, 'min', -Infinity), q: bound(2, 'max', Infinity) };
      }
      default:
        throw new Unsupported('no kernel');
    }
  }
}

/** Fuses each activation step into the step producing its input when nothing else reads that tensor. */
function fuseActivations(steps: Step[], aliases: ReadonlyMap<string, string>, outputName: string): Step[] {
  const readers = new Map<string, number>();
  // A view of a tensor reads it too: fusing would leave the view without storage.
  for (const r of [...steps.flatMap((s) => s.reads), ...aliases.values()]) readers.set(r, (readers.get(r) ?? 0) + 1);
  const producer = new Map<string, Step>();
  const result: Step[] = [];
  for (const s of steps) {
    const source = s.kernel === 'activate' ? producer.get(s.reads[0]!) : undefined;
    if (source && !source.act && source.args.some((a) => 'act' in a) && readers.get(s.reads[0]!) === 1 && s.reads[0] !== outputName) {
      source.act = s.act;
      source.summary += ` + ${s.summary.split(' ')[0]}`;
      source.node += `+${s.node}`;
      // The fused step now writes the activation's output; rewrite its output argument.
      const old = source.writes;
      source.writes = s.writes;
      source.args = source.args.map((a) => ('tensor' in a && a.tensor === old ? { tensor: s.writes } : a));
      producer.set(s.writes, source);
      continue;
    }
    producer.set(s.writes, s);
    result.push(s);
  }
  return result;
}

/** Lowers the model, or throws UnsupportedOpError naming every op it cannot run. */
export function lowerModel(model: ModelProto): LoweredModel {
  const proto = foldBatchNorm(model);
  const graph = proto.graph;
  const initNames = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initNames.has(i.name));
  if (inputs.length !== 1) throw new Error(`the C library takes one input tensor; the model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  if (graph.output.length !== 1) throw new Error(`the C library returns one output tensor; the model has ${graph.output.length}`);
  const input = inputs[0]!;
  if (input.elemType !== 1) throw new Error(`input ${input.name} is ${dtypeOf(input.elemType)}; the C library reads float32`);
  const dims = input.shape;
  if (!dims || dims.length < 2) throw new Error(`input ${input.name} needs a known shape [batch, ...]`);
  if (typeof dims[0] === 'number' && dims[0] !== 1) throw new Error(`input ${input.name} has a fixed batch of ${dims[0]}; the C library runs one sample per call`);
  const rest = dims.slice(1);
  if (rest.some((d) => typeof d !== 'number')) throw new Error(`input ${input.name} has symbolic dimensions [${dims.join(', ')}] beyond the batch`);
  const inputShape = [1, ...(rest as number[])];

  const lowering = new Lowering(proto);
  lowering.shapes.set(input.name, inputShape);
  const problems: { op: string; node: string; why?: string }[] = [];
  for (const n of graph.node) {
    const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    const nodeName = n.name || n.output[0] || '(unnamed)';
    if (!SUPPORTED.has(op)) {
      problems.push({ op, node: nodeName });
      continue;
    }
    try {
      lowering.lowerNode(n);
    } catch (e) {
      if (e instanceof Downstream && problems.length > 0) continue;
      if (e instanceof Downstream) throw new Error(`node ${nodeName}: ${e.message}`);
      if (!(e instanceof Unsupported)) throw e;
      problems.push({ op, node: nodeName, why: e.message });
    }
  }
  if (problems.length > 0) throw new UnsupportedOpError(problems);

  const outputName = graph.output[0]!.name;
  if (lowering.consts.has(outputName)) throw new Error(`output ${outputName} is a constant`);
  const steps = fuseActivations(lowering.steps, lowering.aliases, outputName);
  return {
    inputName: input.name,
    outputName,
    inputShape,
    outputShape: lowering.shape(outputName),
    steps,
    aliases: lowering.aliases,
    shapes: lowering.shapes,
    weights: lowering.weights,
    opTypes: [...new Set(graph.node.map((n) => n.opType))].sort(),
  };
}

// Physically shrunk models: output channels (filters, units) that filter, column and connectivity
// pruning left without effect are removed from their layer, its batch norm and the input channels of
// the layers that read them, so any runtime does less work, with the same outputs as the masked model.
//
// The shrunk model stays a zoo model: per-layer output channels go into `architecture.channels`, which
// the zoo's conv and linear builders read, and every later layer takes its input channels from the
// tensor it reads. So the shrunk model still trains (batch norm in training mode), distils, prunes
// and exports like any other, which an export-and-reimport as an ONNX model would not give.
//
// Which channels go: the analysis runs on the model's recorded eval graph. Tensors joined by
// per-channel ops (batch norm, ReLU, pooling, depthwise conv, residual add) share one channel space;
// a channel of a space is removed from all its producers, members and readers at once, or not at all,
// so the two sides of an add always keep the same channels. A channel is removed when every reader
// either ignores it (its input-channel weights are all zero: a pruned column set or connectivity) or
// sees a constant there (its filter is all zero, so bias, batch norm and activation make it a
// constant v) and can take v into its bias exactly: v = 0, or a linear layer, or a conv without
// padding (with zero padding a constant input is not a constant contribution at the borders, so
// such channels stay). A space that meets anything else (the graph input or output, a reshape other
// than flatten, a shared weight) keeps all its channels.
//
// The constants are those of inference (batch norm on its running statistics): the shrunk model gives
// the masked model's eval-mode outputs. In training mode an empty filter before batch norm would give
// another constant (beta, from its zero batch statistics); fine-tuning the shrunk model starts from
// the eval-mode one instead.

import { GraphBuilder } from '../graph/graph-builder.ts';
import { attrFloat, attrInt, attrInts } from '../graph/shape-inference.ts';
import { buildModelGraph, CLASSIFIER_NAMES, effectiveParams, type Model } from '../model/model.ts';

export interface ShrinkResult {
  /** The shrunk model; the input model itself when nothing could be removed. */
  model: Model;
  /** Output channels (units) removed per layer (`conv2`, `features.conv3`); only layers that lost some. */
  removed: Record<string, number>;
  /** Why the model was not looked at (an architecture the rewrite does not cover). */
  skipped?: string;
}

/** Removes every channel the masks leave without effect (see the file comment); repeats until none is left. */
export function shrinkModel(model: Model): ShrinkResult {
  const arch = model.architecture;
  // MGNet applies one trunk to several glimpses, and generators and discriminators use ops the
  // analysis does not follow; only the plain classifiers' builders honour `architecture.channels`.
  if (arch.kind !== 'zoo' || !(CLASSIFIER_NAMES as readonly string[]).includes(arch.name))
    return { model, removed: {}, skipped: `${arch.kind === 'zoo' ? arch.name : 'an imported ONNX model'}: only zoo classifiers (${CLASSIFIER_NAMES.join(', ')}) are shrunk` };
  const removed: Record<string, number> = {};
  let current = model;
  // Each pass is exact on its own. Another pass finds filters that became all zero because the
  // inputs they read were removed (their bias then holds the folded constants).
  for (let pass = 0; pass < 16; pass++) {
    const step = shrinkOnce(current);
    if (!step) break;
    current = step.model;
    for (const [layer, n] of Object.entries(step.removed)) removed[layer] = (removed[layer] ?? 0) + n;
  }
  return { model: current, removed };
}

interface Producer {
  tensor: string;
  layer: string;
  weight: string;
  bias?: string;
}

interface Reader {
  /** The space tensor read (for a linear layer after flatten, the tensor before it). */
  tensor: string;
  weight: string;
  bias?: string;
  /** Weights per input channel along axis 1: kh * kw of a conv, the flattened h * w of a linear layer. */
  perChannel: number;
  /** A constant input channel adds a constant to each output: a linear layer, or a conv without padding. */
  foldable: boolean;
}

/** Parameters or buffers indexed by the space's channels along axis 0 (batch norm, depthwise conv). */
interface Member {
  tensor: string;
  names: string[];
}

interface Analysis {
  g: GraphBuilder;
  values: Record<string, Float32Array>;
  producers: Producer[];
  readers: Reader[];
  members: Member[];
  frozen: string[];
  /** Per tensor, per channel: the constant every position holds, NaN where it is not constant. */
  constants: Map<string, Float64Array>;
  find: (t: string) => string;
}

function analyse(model: Model): Analysis {
  const g = new GraphBuilder({ training: false });
  const masked: Model = { ...model, params: effectiveParams(model) };
  const { outputs } = buildModelGraph(masked, g, { batch: 1, training: false, skipMasks: true });
  const values: Record<string, Float32Array> = { ...masked.params, ...model.buffers };

  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  const inSpace = (t: string): boolean => parent.has(t);
  const open = (t: string): void => void parent.set(t, t);
  const join = (a: string, b: string): void => {
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(b), find(a));
  };

  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  // A value sliced with a space must belong to that one node: a stored parameter or buffer used once.
  const owned = (name: string | undefined): boolean => !name || (values[name] !== undefined && uses.get(name) === 1);

  const producers: Producer[] = [];
  const readers: Reader[] = [];
  const members: Member[] = [];
  const frozen: string[] = [];
  const constants = new Map<string, Float64Array>();
  /** Flattened [N, C*H*W] tensors: the [N, C, H, W] tensor they came from and H*W. */
  const flat = new Map<string, { src: string; hw: number }>();
  const freeze = (t: string): void => {
    const f = flat.get(t);
    if (f) frozen.push(f.src);
    else if (inSpace(t)) frozen.push(t);
  };
  const shapeOf = (t: string): readonly number[] => g.tensor(t).shape;
  const channelConstants = (out: number, weight: Float32Array, bias: Float32Array | undefined): Float64Array => {
    const per = weight.length / out;
    return Float64Array.from({ length: out }, (_, o) => (weight.subarray(o * per, (o + 1) * per).every((v) => v === 0) ? (bias?.[o] ?? 0) : NaN));
  };
  const mapConstants = (from: string, to: string, f: (v: number, c: number) => number): void => {
    constants.set(to, constants.get(from)!.map((v, c) => (Number.isNaN(v) ? NaN : f(v, c))));
  };

  for (const n of g.nodes) {
    const [x, w, b] = n.inputs;
    const out = n.outputs[0]!;
    switch (n.opType) {
      case 'Conv': {
        const ws = shapeOf(w!);
        const group = attrInt(n.attrs, 'group', 1);
        const zeroPad = attrInts(n.attrs, 'pads', [])!.every((p) => p === 0);
        if (!owned(w) || !owned(b || undefined) || !w!.endsWith('.weight')) {
          freeze(x!);
          break;
        }
        const weight = values[w!]!;
        const bias = b ? values[b] : undefined;
        if (group === 1) {
          if (inSpace(x!)) readers.push({ tensor: x!, weight: w!, ...(b && { bias: b }), perChannel: ws[2]! * ws[3]!, foldable: zeroPad });
          open(out);
          producers.push({ tensor: out, layer: w!.slice(0, -'.weight'.length), weight: w!, ...(b && { bias: b }) });
          constants.set(out, channelConstants(ws[0]!, weight, bias));
        } else if (inSpace(x!) && group === shapeOf(x!)[1] && ws[0] === group && ws[1] === 1) {
          // Depthwise: channel c of the output reads channel c of the input only.
          join(x!, out);
          members.push({ tensor: out, names: [w!, ...(b ? [b] : [])] });
          const per = ws[2]! * ws[3]!;
          const input = constants.get(x!)!;
          constants.set(
            out,
            Float64Array.from({ length: group }, (_, c) => {
              const row = weight.subarray(c * per, (c + 1) * per);
              const base = bias?.[c] ?? 0;
              if (row.every((v) => v === 0) || input[c] === 0) return base;
              return zeroPad && !Number.isNaN(input[c]!) ? input[c]! * row.reduce((s, v) => s + v, 0) + base : NaN;
            }),
          );
        } else freeze(x!);
        break;
      }
      case 'Gemm': {
        const plain = attrInt(n.attrs, 'transA', 0) === 0 && attrInt(n.attrs, 'transB', 0) === 1 && attrFloat(n.attrs, 'alpha', 1) === 1 && attrFloat(n.attrs, 'beta', 1) === 1;
        if (!plain || !owned(w) || !owned(b || undefined) || !w!.endsWith('.weight')) {
          freeze(x!);
          break;
        }
        const f = flat.get(x!);
        if (f) readers.push({ tensor: f.src, weight: w!, ...(b && { bias: b }), perChannel: f.hw, foldable: true });
        else if (inSpace(x!)) readers.push({ tensor: x!, weight: w!, ...(b && { bias: b }), perChannel: 1, foldable: true });
        const units = shapeOf(w!)[0]!;
        open(out);
        producers.push({ tensor: out, layer: w!.slice(0, -'.weight'.length), weight: w!, ...(b && { bias: b }) });
        constants.set(out, channelConstants(units, values[w!]!, b ? values[b] : undefined));
        break;
      }
      case 'BatchNormalization': {
        const stats = n.inputs.slice(1, 5);
        if (!inSpace(x!) || n.outputs.length !== 1 || !stats.every((s) => s && owned(s))) {
          freeze(x!);
          break;
        }
        join(x!, out);
        members.push({ tensor: out, names: stats });
        const [gamma, beta, mean, variance] = stats.map((s) => values[s]!);
        const eps = attrFloat(n.attrs, 'epsilon', 1e-5);
        mapConstants(x!, out, (v, c) => ((v - mean![c]!) / Math.sqrt(variance![c]! + eps)) * gamma![c]! + beta![c]!);
        break;
      }
      case 'Relu':
        if (inSpace(x!)) {
          join(x!, out);
          mapConstants(x!, out, (v) => Math.max(0, v));
        } else freeze(x!);
        break;
      case 'MaxPool':
      case 'GlobalAveragePool':
      case 'AveragePool': {
        // Max pooling pads with -inf and average pooling without counting the padding keeps a constant
        // channel constant; average pooling that counts zero padding does not.
        const keepsConstants = n.opType !== 'AveragePool' || attrInt(n.attrs, 'count_include_pad', 0) === 0 || attrInts(n.attrs, 'pads', [])!.every((p) => p === 0);
        if (inSpace(x!) && keepsConstants) {
          join(x!, out);
          mapConstants(x!, out, (v) => v);
        } else freeze(x!);
        break;
      }
      case 'Add': {
        const same = inSpace(x!) && inSpace(w!) && [x!, w!].every((t) => shapeOf(t).join() === shapeOf(out).join());
        if (!same) {
          freeze(x!);
          freeze(w!);
          break;
        }
        join(x!, w!);
        join(x!, out);
        const [a, c] = [constants.get(x!)!, constants.get(w!)!];
        constants.set(out, a.map((v, i) => v + c[i]!));
        break;
      }
      case 'Reshape': {
        // The zoo's flatten: [N, C, H, W] to [N, C*H*W] with the shape [0, -1], which holds for any C.
        const xs = inSpace(x!) ? shapeOf(x!) : [];
        const target = w ? g.constantValue(w) : undefined;
        const isFlatten = xs.length === 4 && target && target.length === 2 && Number(target[0]) === 0 && Number(target[1]) === -1;
        if (isFlatten) flat.set(out, { src: x!, hw: xs[2]! * xs[3]! });
        else freeze(x!);
        break;
      }
      default:
        for (const i of n.inputs) if (i) freeze(i);
    }
  }
  // The model's outputs keep their channels (`features`, the input of the last layer, may shrink).
  for (const [name, t] of Object.entries(outputs)) if (name !== 'features') freeze(t.name);
  return { g, values, producers, readers, members, frozen, constants, find };
}

/** Values with the listed indices kept along some axes. */
function sliceAxes<T extends Float32Array | Uint8Array | Uint16Array>(v: T, shape: readonly number[], keep: readonly (readonly number[] | undefined)[]): T {
  const lists = shape.map((d, a) => keep[a] ?? Array.from({ length: d }, (_, i) => i));
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const out = new (v.constructor as new (n: number) => T)(lists.reduce((p, l) => p * l.length, 1));
  let k = 0;
  const walk = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      out[k++] = v[offset]!;
      return;
    }
    for (const i of lists[axis]!) walk(axis + 1, offset + i * strides[axis]!);
  };
  walk(0, 0);
  return out;
}

function shrinkOnce(model: Model): { model: Model; removed: Record<string, number> } | undefined {
  const a = analyse(model);
  const frozen = new Set(a.frozen.map(a.find));
  const spaces = new Map<string, { producers: Producer[]; readers: Reader[]; members: Member[] }>();
  const spaceOf = (t: string) => {
    const root = a.find(t);
    if (!spaces.has(root)) spaces.set(root, { producers: [], readers: [], members: [] });
    return spaces.get(root)!;
  };
  for (const p of a.producers) spaceOf(p.tensor).producers.push(p);
  for (const r of a.readers) spaceOf(r.tensor).readers.push(r);
  for (const m of a.members) spaceOf(m.tensor).members.push(m);

  /** Per name: the indices kept along each axis. */
  const keep = new Map<string, (number[] | undefined)[]>();
  const keepAlong = (name: string, axis: number, indices: number[]): void => {
    const axes = keep.get(name) ?? [];
    axes[axis] = indices;
    keep.set(name, axes);
  };
  /** Bias additions of readers that take a removed constant channel in. */
  const biasAdd = new Map<string, Float64Array>();
  const removed: Record<string, number> = {};
  const counts: Record<string, number> = {};

  for (const [root, space] of spaces) {
    if (frozen.has(root) || space.producers.length === 0 || space.readers.length === 0) continue;
    const channels = a.g.tensor(space.producers[0]!.tensor).shape[1]!;
    const drop: boolean[] = [];
    for (let c = 0; c < channels; c++) {
      drop.push(
        space.readers.every((r) => {
          const w = a.values[r.weight]!;
          const outs = a.g.tensor(r.weight).shape[0]!;
          const row = w.length / outs;
          let ignored = true;
          for (let o = 0; o < outs && ignored; o++) for (let j = 0; j < r.perChannel && ignored; j++) if (w[o * row + c * r.perChannel + j] !== 0) ignored = false;
          if (ignored) return true;
          const v = a.constants.get(r.tensor)![c]!;
          return v === 0 || (!Number.isNaN(v) && r.foldable && r.bias !== undefined);
        }),
      );
    }
    // A layer keeps at least one channel: a zero-channel tensor is not a valid ONNX shape.
    if (drop.every(Boolean)) drop[0] = false;
    const kept = drop.flatMap((d, c) => (d ? [] : [c]));
    if (kept.length === channels) continue;

    for (const p of space.producers) {
      keepAlong(p.weight, 0, kept);
      if (p.bias) keepAlong(p.bias, 0, kept);
      removed[p.layer] = channels - kept.length;
      counts[p.layer] = kept.length;
    }
    for (const m of space.members) for (const name of m.names) keepAlong(name, 0, kept);
    for (const r of space.readers) {
      const w = a.values[r.weight]!;
      const outs = a.g.tensor(r.weight).shape[0]!;
      const row = w.length / outs;
      // A conv's weight [O, C, kh, kw] keeps channels along axis 1; a linear layer's [O, C*h*w] keeps each channel's h*w features.
      const linear = a.g.tensor(r.weight).shape.length === 2;
      keepAlong(r.weight, 1, linear ? kept.flatMap((c) => Array.from({ length: r.perChannel }, (_, j) => c * r.perChannel + j)) : kept);
      if (!r.bias) continue;
      for (let c = 0; c < channels; c++) {
        const v = a.constants.get(r.tensor)![c]!;
        if (!drop[c] || !(v !== 0 && Number.isFinite(v))) continue;
        const add = biasAdd.get(r.bias) ?? new Float64Array(outs);
        for (let o = 0; o < outs; o++) {
          let s = 0;
          for (let j = 0; j < r.perChannel; j++) s += w[o * row + c * r.perChannel + j]!;
          add[o]! += v * s;
        }
        biasAdd.set(r.bias, add);
      }
    }
  }
  if (keep.size === 0) return undefined;

  const masks = { ...model.compression.masks };
  const params = { ...model.params };
  // A folded bias entry must count even where a mask had pruned it: it carries the removed channels.
  for (const [name, add] of biasAdd) {
    const mask = masks[name] ? Uint8Array.from(masks[name]) : undefined;
    const eff = a.values[name]!;
    params[name] = Float32Array.from(eff, (v, o) => v + add[o]!);
    if (mask) {
      for (let o = 0; o < add.length; o++) if (add[o] !== 0) mask[o] = 1;
      masks[name] = mask;
    }
  }
  const buffers = { ...model.buffers };
  const codebooks = { ...model.compression.codebooks };
  // A bias that took constants in no longer holds its shared values.
  for (const name of biasAdd.keys()) delete codebooks[name];
  for (const [name, axes] of keep) {
    const shape = a.g.tensor(name).shape;
    if (name in params) params[name] = sliceAxes(params[name]!, shape, axes);
    else buffers[name] = sliceAxes(buffers[name]!, shape, axes);
    if (masks[name]) masks[name] = sliceAxes(masks[name], shape, axes);
    const book = codebooks[name];
    if (book) codebooks[name] = { centers: book.centers, assignments: sliceAxes(book.assignments, shape, axes) };
  }
  const arch = model.architecture as Extract<Model['architecture'], { kind: 'zoo' }>;
  return {
    model: { ...model, architecture: { ...arch, channels: { ...arch.channels, ...counts } }, params, buffers, compression: { masks, codebooks } },
    removed,
  };
}

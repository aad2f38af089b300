// Per-layer roofline estimate of latency, RAM and flash on a target profile (Williams, Waterman and
// Patterson, "Roofline: an insightful visual performance model", CACM 2009): a layer takes at least
// the time to do its arithmetic at the peak rate and at least the time to move its bytes at the memory
// bandwidth, so
//   t_layer = max(ops / (peak * cores_used / cores), bytes / bandwidth)
//   ops   = 2 * MACs for Conv/Gemm/MatMul, one op per output element (times the window for pooling) otherwise
//   bytes = (activation inputs + outputs) * batch * element bytes + weights * weight bytes
// and the model's latency is the sum over layers. It is a lower bound for code that reaches the
// profile's peaks: no per-op overhead, every operand moved once, perfect vectorisation. Where the
// target is this machine the measured latency is shown beside it, so the gap is visible.
import { importModel } from '../graph/import-onnx.ts';
import type { GraphNode } from '../graph/graph-builder.ts';
import { attrInt, attrInts } from '../graph/shape-inference.ts';
import type { ModelProto } from '../onnx/model.ts';
import type { TargetProfile } from './targets.ts';

export type Precision = 'fp32' | 'fp16' | 'int8';

/** Bytes per activation and weight element; int8 keeps int32 biases. */
const ELEMENT_BYTES: Record<Precision, number> = { fp32: 4, fp16: 2, int8: 1 };

/** Ops that only relabel memory (a view); they cost nothing in the estimate. */
const VIEW_OPS = new Set(['Reshape', 'Flatten', 'Identity', 'Squeeze', 'Unsqueeze', 'Dropout']);

export interface LayerEstimate {
  name: string;
  opType: string;
  outputShape: number[];
  macs: number;
  ops: number;
  bytes: number;
  /** ops per byte moved. */
  intensity: number;
  computeMs: number;
  memoryMs: number;
  ms: number;
  bound: 'compute' | 'memory' | 'none';
  /** Of the whole model's estimated latency, 0..1. */
  share: number;
}

export interface Estimate {
  precision: Precision;
  batch: number;
  threads: number;
  /** Effective peak (GFLOP/s or GOP/s) and bandwidth (GB/s) used. */
  peakGops: number;
  bandwidthGBs: number;
  layers: LayerEstimate[];
  latencyMs: number;
  macs: number;
  weightBytes: number;
  /** Largest sum of simultaneously live activations (tensors freed after their last use). */
  activationBytes: number;
  /** activations, plus weights unless the profile keeps them in flash. */
  ramBytes: number;
  /** Weight bytes (the file adds a little structure on top). */
  flashBytes: number;
}

const prod = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function layerWork(n: GraphNode, shapeOf: (name: string) => readonly number[], isWeight: (name: string) => boolean): { macs: number; ops: number; activations: number; weights: number; biases: number } {
  const out = shapeOf(n.outputs[0]!);
  const outElems = prod(out);
  const activations = n.inputs.filter((i) => i && !isWeight(i)).reduce((s, i) => s + prod(shapeOf(i)), 0) + outElems;
  const weights = n.inputs.slice(1, 2).filter((i) => i && isWeight(i)).reduce((s, i) => s + prod(shapeOf(i)), 0);
  const biases = n.inputs.slice(2, 3).filter((i) => i && isWeight(i)).reduce((s, i) => s + prod(shapeOf(i)), 0);
  let macs = 0;
  if (n.opType === 'Conv') {
    const w = shapeOf(n.inputs[1]!);
    macs = outElems * w[1]! * prod(w.slice(2));
  } else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
    const a = shapeOf(n.inputs[0]!);
    const k = n.opType === 'Gemm' && attrInt(n.attrs, 'transA', 0) === 1 ? a[0]! : a[a.length - 1]!;
    macs = outElems * k;
  }
  let ops = 2 * macs;
  if (macs === 0) {
    const kernel = n.opType.endsWith('Pool') && !n.opType.startsWith('Global') ? prod(attrInts(n.attrs, 'kernel_shape', [1]) ?? [1]) : 1;
    const global = n.opType.startsWith('Global') ? prod(shapeOf(n.inputs[0]!)) / Math.max(1, outElems) : 1;
    ops = outElems * kernel * global;
  }
  return { macs, ops, activations, weights, biases };
}

export interface EstimateOptions {
  precision: Precision;
  /** Input shape per sample [c, h, w]. */
  inputShape: readonly number[];
  batch: number;
  threads: number;
  /** Layers (file node names) that stay fp32 in a lower-precision model. */
  floatLayers?: ReadonlySet<string>;
}

/** The roofline estimate of an inference model (fp32 ONNX; other precisions change element sizes and peaks). */
export function estimateOnTarget(proto: ModelProto, profile: TargetProfile, options: EstimateOptions): Estimate {
  const { precision, batch } = options;
  const peak = precision === 'fp16' ? profile.peakGflops.fp16 : profile.peakGflops[precision];
  if (peak === null || peak === undefined) throw new Error(`${profile.name} has no ${precision} arithmetic`);
  const inputName = proto.graph.input[0]!.name;
  const imported = importModel(proto, { shapes: { [inputName]: [batch, ...options.inputShape] } });
  const g = imported.graph;
  const initializers = new Set(proto.graph.initializer.map((t) => t.name));
  const shapeOf = (name: string) => g.tensor(name).shape;
  const isWeight = (name: string) => initializers.has(name) || (!g.nodes.some((n) => n.outputs.includes(name)) && name !== inputName);
  // Imported nodes follow the file's node order (Constant nodes become constants): keep the file's names.
  const fileNodes = proto.graph.node.filter((n) => n.opType !== 'Constant');
  const names = fileNodes.length === g.nodes.length ? fileNodes.map((n) => n.name || n.output[0]!) : g.nodes.map((n) => n.name);

  const used = Math.max(1, Math.min(options.threads, profile.cores));
  const peakGops = (peak * used) / profile.cores;
  const floatPeakGops = (profile.peakGflops.fp32 * used) / profile.cores;
  const bandwidthGBs = profile.memoryBandwidthGBs;
  let weightBytes = 0;
  const layers: LayerEstimate[] = g.nodes.map((n, i) => {
    const float = options.floatLayers?.has(names[i]!) ?? false;
    const e = ELEMENT_BYTES[float ? 'fp32' : precision];
    const work = layerWork(n, shapeOf, isWeight);
    // int8 keeps 32-bit biases (their scale is input scale x weight scale).
    const paramBytes = work.weights * e + work.biases * (precision === 'int8' && !float ? 4 : e);
    weightBytes += paramBytes;
    const view = VIEW_OPS.has(n.opType);
    const bytes = view ? 0 : work.activations * e + paramBytes;
    const ops = view ? 0 : work.ops;
    const computeMs = (ops / ((float ? floatPeakGops : peakGops) * 1e9)) * 1e3;
    const memoryMs = (bytes / (bandwidthGBs * 1e9)) * 1e3;
    return {
      name: names[i]!,
      opType: n.opType,
      outputShape: [...shapeOf(n.outputs[0]!)],
      macs: work.macs / batch,
      ops,
      bytes,
      intensity: bytes ? ops / bytes : 0,
      computeMs,
      memoryMs,
      ms: Math.max(computeMs, memoryMs),
      bound: ops === 0 && bytes === 0 ? 'none' : computeMs >= memoryMs ? 'compute' : 'memory',
      share: 0,
    };
  });
  const latencyMs = layers.reduce((s, l) => s + l.ms, 0);
  for (const l of layers) l.share = latencyMs ? l.ms / latencyMs : 0;
  const activationBytes = peakLiveBytes(g.nodes, shapeOf, isWeight, inputName, ELEMENT_BYTES[precision]);
  return {
    precision,
    batch,
    threads: used,
    peakGops,
    bandwidthGBs,
    layers,
    latencyMs,
    macs: layers.reduce((s, l) => s + l.macs, 0),
    weightBytes,
    activationBytes,
    ramBytes: activationBytes + (profile.weightsInFlash ? 0 : weightBytes),
    flashBytes: weightBytes,
  };
}

/**
 * Peak of live activation bytes when the nodes run in file order and each tensor is freed after its
 * last reader; views share their input's memory.
 */
function peakLiveBytes(nodes: readonly GraphNode[], shapeOf: (name: string) => readonly number[], isWeight: (name: string) => boolean, input: string, elementBytes: number): number {
  const lastUse = new Map<string, number>();
  nodes.forEach((n, i) => n.inputs.forEach((name) => name && !isWeight(name) && lastUse.set(name, i)));
  const live = new Map<string, number>([[input, prod(shapeOf(input)) * elementBytes]]);
  let current = live.get(input)!;
  let peak = current;
  nodes.forEach((n, i) => {
    const src = n.inputs[0];
    if (VIEW_OPS.has(n.opType) && src && live.has(src) && lastUse.get(src) === i) {
      // The view takes over its input's memory.
      live.set(n.outputs[0]!, live.get(src)!);
      live.delete(src);
    } else if (!VIEW_OPS.has(n.opType)) {
      for (const out of n.outputs) {
        const bytes = prod(shapeOf(out)) * elementBytes;
        live.set(out, bytes);
        current += bytes;
      }
      peak = Math.max(peak, current);
    }
    for (const name of n.inputs) {
      if (!name || lastUse.get(name) !== i || !live.has(name)) continue;
      current -= live.get(name)!;
      live.delete(name);
    }
  });
  return peak;
}

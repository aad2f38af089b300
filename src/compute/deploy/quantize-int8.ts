// INT8 static post-training quantization in the QDQ form (QuantizeLinear -> DequantizeLinear pairs
// around float ops), which onnxruntime fuses into integer kernels (QLinearConv, QGemm, QLinearAdd, ...).
// Following Jacob et al., "Quantization and training of neural networks for efficient integer-
// arithmetic-only inference" (CVPR 2018, arXiv 1712.05877), eq. 1: r = S (q - Z):
// - weights: int8, symmetric (Z = 0), one scale per output channel, S_c = max|w_c| / 127;
// - activations: uint8, asymmetric, one scale per tensor from a calibration range [a, b] that always
//   contains 0 (so zero is exact): S = (b - a) / 255, Z = round(-a / S);
// - biases: int32 with S_bias = S_input * S_weight_c and Z = 0 (eq. 8 of the paper), so the integer
//   accumulator adds them directly.
// Calibration ranges are the min and max over the calibration images, or the (100 - p) and p
// percentiles of a histogram (clipping rare outliers buys resolution for the bulk of the values).
// A Relu that follows a Conv/Gemm is dropped: its output range starts at 0, so Z = 0 and the uint8
// quantizer's saturation at 0 is the Relu.
import { readFileSync, rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DataType, decodeModel, type ModelProto, type NodeProto, type TensorProto } from '../onnx/model.ts';
import { tensorProto, tensorValues } from '../onnx/tensor-data.ts';
import { createSession, runSession } from '../ort/session.ts';

export type CalibrationMethod = 'minmax' | 'percentile';

export interface Int8Options {
  method: CalibrationMethod;
  /** For 'percentile': the kept percentile, e.g. 99.99. */
  percentile: number;
  threads: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Names of Conv/Gemm/MatMul nodes to keep in float (their neighbours are still quantized). */
  floatNodes?: ReadonlySet<string>;
}

export interface Int8Result {
  proto: ModelProto;
  /** Activation tensors with their calibrated range, scale and zero point. */
  activations: { name: string; min: number; max: number; scale: number; zeroPoint: number }[];
  /** Weights quantized per channel: name, channels, largest relative rounding error. */
  weights: { name: string; channels: number }[];
  removedRelus: number;
}

/** Ops whose float inputs and outputs get QDQ pairs; onnxruntime has integer kernels or QDQ drops for them. */
const QUANTIZED = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Reshape', 'Flatten']);
/** Ops that only move or select values: their output keeps their input's scale and zero point. */
const PASS_THROUGH = new Set(['MaxPool', 'Reshape', 'Flatten']);
const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul']);

const attrInt = (n: NodeProto, name: string, fallback: number) => n.attribute.find((a) => a.name === name)?.i ?? fallback;

interface Plan {
  nodes: NodeProto[];
  /** Activation tensors to quantize, in producer order. */
  tensors: string[];
  /** Output tensor of a pass-through op -> the tensor whose quantization it shares. */
  sharesWith: Map<string, string>;
  removedRelus: number;
}

/** Which tensors get QDQ pairs, with each Conv/Gemm + Relu merged where the Relu output is quantized. */
function planQuantization(proto: ModelProto, floatNodes: ReadonlySet<string> = new Set()): Plan {
  const graph = proto.graph;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const outputs = new Set(graph.output.map((o) => o.name));
  const consumers = (nodes: NodeProto[], name: string) => nodes.filter((n) => n.input.includes(name));
  const quantizable = (n: NodeProto) => QUANTIZED.has(n.opType) && !floatNodes.has(n.name);
  const allQuantized = (nodes: NodeProto[], name: string) => !outputs.has(name) && consumers(nodes, name).length > 0 && consumers(nodes, name).every(quantizable);

  let nodes = [...graph.node];
  let removedRelus = 0;
  for (const n of graph.node) {
    if (!WEIGHTED.has(n.opType) || floatNodes.has(n.name)) continue;
    const users = consumers(nodes, n.output[0]!);
    const relu = users[0];
    if (users.length !== 1 || relu?.opType !== 'Relu' || outputs.has(n.output[0]!) || !allQuantized(nodes, relu.output[0]!)) continue;
    nodes = nodes.filter((m) => m !== relu).map((m) => (m === n ? { ...n, output: [relu.output[0]!] } : m));
    removedRelus++;
  }

  const tensors: string[] = [];
  const add = (name: string) => {
    if (name && !inits.has(name) && !tensors.includes(name)) tensors.push(name);
  };
  const sharesWith = new Map<string, string>();
  for (const n of nodes) {
    if (!quantizable(n)) continue;
    const data = n.opType === 'Reshape' || WEIGHTED.has(n.opType) ? [n.input[0]!] : n.input;
    data.forEach(add);
    const out = n.output[0]!;
    if (allQuantized(nodes, out)) {
      add(out);
      if (PASS_THROUGH.has(n.opType)) sharesWith.set(out, n.input[0]!);
    }
  }
  return { nodes, tensors, sharesWith, removedRelus };
}

/** Range [min, max] of every tensor over the calibration inputs (min/max or percentiles). */
export async function calibrate(proto: ModelProto, tensors: string[], inputs: Float32Array, inputShape: readonly number[], options: Int8Options): Promise<Map<string, { min: number; max: number }>> {
  const probe: ModelProto = {
    ...proto,
    graph: { ...proto.graph, output: [...proto.graph.output, ...tensors.filter((t) => !proto.graph.output.some((o) => o.name === t)).map((name) => ({ name, elemType: DataType.FLOAT }))] },
  };
  const session = await createSession(probe, { intraOpThreads: options.threads });
  const size = inputShape.reduce((a, b) => a * b, 1);
  const count = inputs.length / size;
  const batch = 64;
  const input = proto.graph.input[0]!.name;
  const passes = options.method === 'percentile' ? 2 : 1;
  const ranges = new Map(tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
  const BINS = 2048;
  const histograms = new Map(tensors.map((t) => [t, new Float64Array(BINS)]));
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (let start = 0; start < count; start += batch) {
        options.signal?.throwIfAborted();
        const n = Math.min(batch, count - start);
        const out = await runSession(session, { [input]: { dtype: 'float32', shape: [n, ...inputShape], values: inputs.subarray(start * size, (start + n) * size) } }, tensors);
        for (const t of tensors) {
          const values = out[t]!.values as Float32Array;
          const r = ranges.get(t)!;
          if (pass === 0) {
            for (let i = 0; i < values.length; i++) {
              const v = values[i]!;
              if (v < r.min) r.min = v;
              if (v > r.max) r.max = v;
            }
          } else {
            const h = histograms.get(t)!;
            const width = (r.max - r.min) / BINS || 1;
            for (let i = 0; i < values.length; i++) h[Math.min(BINS - 1, Math.floor((values[i]! - r.min) / width))]!++;
          }
        }
        options.onProgress?.((pass + (start + n) / count) / passes);
      }
    }
  } finally {
    await session.release();
  }
  if (options.method === 'percentile') {
    const keep = options.percentile / 100;
    for (const t of tensors) {
      const r = ranges.get(t)!;
      const h = histograms.get(t)!;
      const total = h.reduce((a, b) => a + b, 0);
      const width = (r.max - r.min) / BINS;
      const edge = (fraction: number) => {
        let seen = 0;
        for (let b = 0; b < BINS; b++) {
          seen += h[b]!;
          if (seen >= fraction * total) return r.min + (b + 1) * width;
        }
        return r.max;
      };
      const lo = r.min < 0 ? Math.max(r.min, edge(1 - keep) - width) : r.min;
      const hi = Math.min(r.max, edge(keep));
      ranges.set(t, { min: lo, max: hi });
    }
  }
  return ranges;
}

/** uint8 scale and zero point of a range widened to contain 0 (eq. 1 with Z exact). */
export function activationParams(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** Symmetric per-channel int8 of a weight along `axis`: q = round(w / S_c), S_c = max|w_c| / 127. */
export function quantizeWeight(values: Float32Array, dims: readonly number[], axis: number): { q: Int8Array; scales: Float32Array } {
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const scales = new Float32Array(channels);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  for (let i = 0; i < values.length; i++) scales[channelOf(i)] = Math.max(scales[channelOf(i)]!, Math.abs(values[i]!));
  for (let c = 0; c < channels; c++) scales[c] = scales[c]! > 0 ? scales[c]! / 127 : 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scales[channelOf(i)]!)));
  return { q, scales };
}

/** Output-channel axis of a weighted node's weight. */
function weightAxis(n: NodeProto): number {
  if (n.opType === 'Conv') return 0;
  if (n.opType === 'Gemm') return attrInt(n, 'transB', 0) === 1 ? 0 : 1;
  return 1;
}

/** The QDQ int8 model of an fp32 inference model, calibrated on `inputs` (normalised, [n, ...inputShape]). */
export async function quantizeInt8(proto: ModelProto, inputs: Float32Array, inputShape: readonly number[], options: Int8Options): Promise<Int8Result> {
  const plan = planQuantization(proto, options.floatNodes);
  const calibrated = await calibrate(proto, plan.tensors, inputs, inputShape, options);
  const params = new Map<string, { scale: number; zeroPoint: number; min: number; max: number }>();
  for (const t of plan.tensors) {
    const r = calibrated.get(t)!;
    params.set(t, { ...activationParams(r.min, r.max), min: r.min, max: r.max });
  }
  for (const [out, source] of plan.sharesWith) if (params.has(source)) params.set(out, params.get(source)!);

  const inits = new Map(proto.graph.initializer.map((t) => [t.name, t]));
  const newInits: TensorProto[] = [];
  const dropped = new Set<string>();
  const nodes: NodeProto[] = [];
  const dq = (name: string) => `${name}_dq`;
  const node = (opType: string, input: string[], output: string, attribute: NodeProto['attribute'] = []): NodeProto => ({ name: output, opType, domain: '', input, output: [output], attribute });

  const emitActivationQdq = (t: string) => {
    const p = params.get(t)!;
    newInits.push(tensorProto(`${t}_scale`, 'float32', [], Float32Array.of(p.scale)));
    newInits.push(tensorProto(`${t}_zero_point`, 'uint8', [], Uint8Array.of(p.zeroPoint)));
    nodes.push(node('QuantizeLinear', [t, `${t}_scale`, `${t}_zero_point`], `${t}_q`));
    nodes.push(node('DequantizeLinear', [`${t}_q`, `${t}_scale`, `${t}_zero_point`], dq(t)));
  };
  const quantized = new Set(plan.tensors);
  const weights: Int8Result['weights'] = [];
  const graphInput = proto.graph.input[0]!.name;
  if (quantized.has(graphInput)) emitActivationQdq(graphInput);
  for (const n of plan.nodes) {
    const input = n.input.map((name) => (quantized.has(name) ? dq(name) : name));
    if (WEIGHTED.has(n.opType) && inits.has(n.input[1]!) && quantized.has(n.input[0]!)) {
      const w = inits.get(n.input[1]!)!;
      const axis = weightAxis(n);
      const { q, scales } = quantizeWeight(tensorValues(w) as Float32Array, w.dims, axis);
      const channels = w.dims[axis]!;
      newInits.push(tensorProto(`${w.name}_quantized`, 'int8', w.dims, q));
      newInits.push(tensorProto(`${w.name}_scale`, 'float32', [channels], scales));
      newInits.push(tensorProto(`${w.name}_zero_point`, 'int8', [channels], new Int8Array(channels)));
      nodes.push(node('DequantizeLinear', [`${w.name}_quantized`, `${w.name}_scale`, `${w.name}_zero_point`], dq(w.name), [{ name: 'axis', type: 2, i: axis }]));
      dropped.add(w.name);
      input[1] = dq(w.name);
      weights.push({ name: w.name, channels });
      const biasName = n.input[2];
      const b = biasName ? inits.get(biasName) : undefined;
      if (b && n.opType !== 'MatMul') {
        // eq. 8: S_bias = S_in * S_w, Z_bias = 0, int32.
        const sIn = params.get(n.input[0]!)!.scale;
        const bias = tensorValues(b) as Float32Array;
        const bScales = scales.map((s) => s * sIn);
        const bq = Int32Array.from(bias, (v, c) => Math.round(v / bScales[c]!));
        newInits.push(tensorProto(`${b.name}_quantized`, 'int32', b.dims, bq));
        newInits.push(tensorProto(`${b.name}_scale`, 'float32', [channels], bScales));
        newInits.push(tensorProto(`${b.name}_zero_point`, 'int32', [channels], new Int32Array(channels)));
        nodes.push(node('DequantizeLinear', [`${b.name}_quantized`, `${b.name}_scale`, `${b.name}_zero_point`], dq(b.name), [{ name: 'axis', type: 2, i: 0 }]));
        dropped.add(b.name);
        input[2] = dq(b.name);
      }
    }
    nodes.push({ ...n, input });
    for (const out of n.output) if (quantized.has(out)) emitActivationQdq(out);
  }
  const initializer = [...proto.graph.initializer.filter((t) => !dropped.has(t.name)), ...newInits];
  return {
    proto: {
      ...proto,
      graph: { ...proto.graph, node: nodes, initializer, valueInfo: [] },
      metadataProps: [
        ...proto.metadataProps.filter((e) => e.key !== 'condense.quantization'),
        { key: 'condense.quantization', value: JSON.stringify({ scheme: 'int8 QDQ: weights per-channel symmetric, activations per-tensor uint8', calibration: options.method, percentile: options.method === 'percentile' ? options.percentile : undefined }) },
      ],
    },
    activations: plan.tensors.map((name) => ({ name, ...params.get(name)! })),
    weights,
    removedRelus: plan.removedRelus,
  };
}

/**
 * The op types onnxruntime actually runs for a model after its graph optimisations, counted (read back
 * from the optimised model it writes), so a QDQ model can be checked to run on integer kernels.
 */
export async function optimizedOpCounts(onnx: Uint8Array, threads: number, scratchFile: string): Promise<Record<string, number>> {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: threads, graphOptimizationLevel: 'extended', optimizedModelFilePath: scratchFile });
  await session.release();
  try {
    const optimized = decodeModel(new Uint8Array(readFileSync(scratchFile)));
    const counts: Record<string, number> = {};
    for (const n of optimized.graph.node) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    return counts;
  } finally {
    rmSync(scratchFile, { force: true });
  }
}

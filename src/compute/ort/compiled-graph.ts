// Compiling recorded graphs into onnxruntime sessions: a training step (forward + backward in one
// ONNX model) and a plain function (inference, evaluation). Parameters and buffers are graph
// inputs, so one compiled session serves every step; only the batch and the state change.

import type * as ort from 'onnxruntime-node';
import { grad } from '../autodiff/grad.ts';
import type { GraphBuilder, Tensor } from '../graph/graph-builder.ts';
import { createRng, type Rng } from '../graph/init.ts';
import type { ModelProto } from '../onnx/model.ts';
import type { TensorValues } from '../onnx/tensor-data.ts';
import type { StepProfile } from '../train/profile.ts';
import { nchwcBlockSize, rewriteConvsToNchwc } from './nchwc.ts';
import { cachedSession, fromOrt, toOrt, type HostTensor, type SessionOptions } from './session.ts';

/** The mutable state of a model: trainable parameters and buffers (running statistics). */
export interface ModelState {
  params: Map<string, Float32Array>;
  buffers: Map<string, TensorValues>;
}

/** A fresh copy of the graph's initial parameter and buffer values. */
export function initialState(graph: GraphBuilder): ModelState {
  const params = new Map<string, Float32Array>();
  for (const p of graph.params.values()) {
    if (!(p.initial instanceof Float32Array)) throw new Error(`param ${p.name}: only float32 parameters are trainable`);
    params.set(p.name, p.initial.slice());
  }
  const buffers = new Map<string, TensorValues>();
  for (const b of graph.buffers.values()) buffers.set(b.name, b.initial.slice());
  return { params, buffers };
}

export interface CompileOptions extends SessionOptions {
  /** Seed of the random inputs (dropout masks) drawn on each run. */
  seed?: number;
}

/** The ONNX model a session runs for these outputs: state as inputs, convolutions in NCHWc unless turned off. */
export async function sessionModel(graph: GraphBuilder, outputs: Record<string, Tensor>, options: CompileOptions = {}): Promise<ModelProto> {
  const model = graph.toModel({ outputs, state: 'inputs' });
  return (options.nchwc ?? true) ? rewriteConvsToNchwc(model, (name) => (graph.has(name) ? graph.tensor(name) : undefined), await nchwcBlockSize()) : model;
}

/** A graph function: feeds = state + batch, fetches = the named outputs. */
export class CompiledFunction {
  private readonly rng: Rng;
  private constructor(
    readonly graph: GraphBuilder,
    readonly session: ort.InferenceSession,
    readonly cacheKey: string,
    readonly outputNames: readonly string[],
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  static async compile(graph: GraphBuilder, outputs: Record<string, Tensor>, options: CompileOptions = {}): Promise<CompiledFunction> {
    const { key, session } = cachedSession(await sessionModel(graph, outputs, options), options);
    return new CompiledFunction(graph, await session, key, Object.keys(outputs), options.seed ?? 0);
  }

  /** Batch inputs the caller feeds (state and generated random inputs excluded). */
  get batchInputs(): string[] {
    return this.session.inputNames.filter((n) => !this.graph.params.has(n) && !this.graph.buffers.has(n) && !this.graph.randomInputs.has(n));
  }

  /**
   * One call of the session. Feeds are ort.Tensors kept per input and reused while the input's values
   * are the same typed array (parameters updated in place, a stream's reused batch buffers): an
   * ort.Tensor wraps the array without copying, so a reused one reads the current values.
   */
  async run(state: ModelState, batch: Record<string, HostTensor>, profile?: StepProfile): Promise<Record<string, HostTensor>> {
    let t = performance.now();
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const p = this.graph.params.get(name);
      if (p) {
        const values = state.params.get(name);
        if (!values) throw new Error(`no value for parameter ${name}`);
        feeds[name] = this.feed(name, p.dtype, p.shape, values);
        continue;
      }
      const b = this.graph.buffers.get(name);
      if (b) {
        const values = state.buffers.get(name);
        if (!values) throw new Error(`no value for buffer ${name}`);
        feeds[name] = this.feed(name, b.dtype, b.shape, values);
        continue;
      }
      const spec = this.graph.randomInputs.get(name);
      if (spec) {
        const values = this.randomValues(name, this.graph.tensor(name).size, spec);
        feeds[name] = this.feed(name, 'float32', this.graph.tensor(name).shape, values);
        continue;
      }
      const given = batch[name];
      if (!given) throw new Error(`missing batch input "${name}"`);
      feeds[name] = this.feed(name, given.dtype, given.shape, given.values);
    }
    if (profile) t = profile.lap('feeds', t);
    const results = await this.session.run(feeds, this.outputNames as string[]);
    if (profile) t = profile.lap('run', t);
    const out: Record<string, HostTensor> = {};
    for (const name of this.outputNames) out[name] = fromOrt(results[name]!);
    profile?.lap('fetch', t);
    return out;
  }

  private readonly feeds = new Map<string, { values: TensorValues; shape: readonly number[]; tensor: ort.Tensor }>();

  private feed(name: string, dtype: HostTensor['dtype'], shape: readonly number[], values: TensorValues): ort.Tensor {
    const kept = this.feeds.get(name);
    if (kept && kept.values === values && (kept.shape === shape || (kept.shape.length === shape.length && kept.shape.every((d, i) => d === shape[i]))))
      return kept.tensor;
    const tensor = toOrt({ dtype, shape, values });
    this.feeds.set(name, { values, shape: [...shape], tensor });
    return tensor;
  }

  private readonly randomBuffers = new Map<string, Float32Array>();

  /** A fresh mask drawn into this input's reused buffer. */
  private randomValues(name: string, size: number, spec: { p: number; value: number }): Float32Array {
    let values = this.randomBuffers.get(name);
    if (!values) this.randomBuffers.set(name, (values = new Float32Array(size)));
    for (let i = 0; i < values.length; i++) values[i] = this.rng() < spec.p ? spec.value : 0;
    return values;
  }
}

export interface TrainStepSpec {
  graph: GraphBuilder;
  /** Scalar loss. */
  loss: Tensor;
  /** Parameters to differentiate; defaults to every parameter of the graph (frozen ones are left out here). */
  params?: readonly string[];
  /** Extra scalars fetched each step (accuracy, ...). */
  metrics?: Record<string, Tensor>;
  /** Whole tensors fetched each step (generated images an image pool keeps, ...). */
  outputs?: Record<string, Tensor>;
}

export interface StepResult {
  loss: number;
  grads: Map<string, Float32Array>;
  metrics: Record<string, number>;
  /** New buffer values (running statistics); apply them with applyBufferUpdates. */
  buffers: Map<string, TensorValues>;
  /** The spec's `outputs`, by name (empty without them). */
  outputs: Record<string, HostTensor>;
}

export const LOSS = 'step:loss';
export const gradOutput = (name: string) => `step:grad:${name}`;
export const metricOutput = (name: string) => `step:metric:${name}`;
const bufferOutput = (name: string) => `step:buffer:${name}`;
export const fetchedOutput = (name: string) => `step:output:${name}`;

/** What a training step's session computes: the loss, each parameter's gradient, metrics, new buffers, fetched tensors. */
export interface TrainStepOutputs {
  outputs: Record<string, Tensor>;
  paramNames: string[];
  metricNames: string[];
  bufferNames: string[];
  outputNames: string[];
}

/** Records the gradients of the spec's loss and names every value the step fetches. */
export function trainStepOutputs(spec: TrainStepSpec): TrainStepOutputs {
  const { graph, loss } = spec;
  const paramNames = spec.params ? [...spec.params] : [...graph.params.keys()];
  for (const name of paramNames) if (!graph.params.has(name)) throw new Error(`${name} is not a parameter of the graph`);
  const grads = grad(
    graph,
    loss,
    paramNames.map((n) => graph.tensor(n)),
  );
  const outputs: Record<string, Tensor> = { [LOSS]: loss };
  paramNames.forEach((n, i) => (outputs[gradOutput(n)] = grads[i]!));
  const metricNames = Object.keys(spec.metrics ?? {});
  for (const m of metricNames) {
    const t = spec.metrics![m]!;
    if (t.size !== 1) throw new Error(`metric ${m} must be a scalar`);
    outputs[metricOutput(m)] = t;
  }
  const bufferNames = [...graph.bufferUpdates.keys()];
  for (const b of bufferNames) outputs[bufferOutput(b)] = graph.bufferUpdates.get(b)!;
  const outputNames = Object.keys(spec.outputs ?? {});
  for (const o of outputNames) outputs[fetchedOutput(o)] = spec.outputs![o]!;
  return { outputs, paramNames, metricNames, bufferNames, outputNames };
}

/** One training step compiled into a single session: loss, gradients, metrics, new buffers. */
export class TrainStep {
  private constructor(
    private readonly fn: CompiledFunction,
    readonly paramNames: readonly string[],
    readonly metricNames: readonly string[],
    readonly bufferNames: readonly string[],
    readonly outputNames: readonly string[] = [],
  ) {}

  static async compile(spec: TrainStepSpec, options: CompileOptions = {}): Promise<TrainStep> {
    const { outputs, paramNames, metricNames, bufferNames, outputNames } = trainStepOutputs(spec);
    const fn = await CompiledFunction.compile(spec.graph, outputs, options);
    return new TrainStep(fn, paramNames, metricNames, bufferNames, outputNames);
  }

  get cacheKey(): string {
    return this.fn.cacheKey;
  }

  get batchInputs(): string[] {
    return this.fn.batchInputs;
  }

  async run(state: ModelState, batch: Record<string, HostTensor>, profile?: StepProfile): Promise<StepResult> {
    const out = await this.fn.run(state, batch, profile);
    const t = performance.now();
    const grads = new Map<string, Float32Array>();
    for (const n of this.paramNames) grads.set(n, out[gradOutput(n)]!.values as Float32Array);
    const metrics: Record<string, number> = {};
    for (const m of this.metricNames) metrics[m] = Number(out[metricOutput(m)]!.values[0]);
    const buffers = new Map<string, TensorValues>();
    for (const b of this.bufferNames) buffers.set(b, out[bufferOutput(b)]!.values);
    const outputs: Record<string, HostTensor> = {};
    for (const o of this.outputNames) outputs[o] = out[fetchedOutput(o)]!;
    profile?.lap('fetch', t);
    return { loss: Number(out[LOSS]!.values[0]), grads, metrics, buffers, outputs };
  }
}

/** Parameters and buffers in one map, e.g. as `stateValues` when exporting a trained model. */
export function stateValues(state: ModelState): Map<string, TensorValues> {
  return new Map<string, TensorValues>([...state.params, ...state.buffers]);
}

export function applyBufferUpdates(state: ModelState, updates: ReadonlyMap<string, TensorValues>): void {
  for (const [name, values] of updates) state.buffers.set(name, values);
}

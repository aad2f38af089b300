// The one training loop. A method states what it trains as objectives on one recorded graph (each a
// scalar loss built from named models and batches, the parameters it updates, its optimizer, schedule
// and step frequency) and where the batches come from (data streams); the loop owns batching,
// schedules, cancel, NaN checks, progress, streamed metrics, epoch hooks and the best-epoch
// checkpoint. Frozen models are parameters no objective lists: they run in the same graph and keep
// their values. Extra loss terms (penalties, distillation) are graph ops added to a loss, so their
// gradients come from the autodiff.
//
//   streams ──(one batch each per step)──> objective 1: run step -> NaN check -> hooks -> optimizer
//                                          objective 2 (every k steps) ...
//   per epoch: epoch hooks (evaluation, method figures) -> best checkpoint -> early stop

import type { Tensor, GraphBuilder } from '../graph/graph-builder.ts';
import { applyBufferUpdates, initialState, TrainStep, type CompileOptions, type ModelState } from '../ort/compiled-graph.ts';
import type { Optimizer } from '../ort/optimizers.ts';
import { ReplicatedTrainStep } from '../ort/replicated-step.ts';
import type { Schedule } from '../ort/schedules.ts';
import type { HostTensor } from '../ort/session.ts';
import type { StepProfile } from './profile.ts';
import type { DataStream } from './streams.ts';

export interface Objective {
  /** Names the objective in curves, logs and errors (`D`, `G`, `classifier`). */
  name: string;
  /** Scalar loss on the fit's graph. */
  loss: Tensor;
  /** The parameters this objective updates (graph names); the others are fed unchanged. */
  params: readonly string[];
  optimizer: Optimizer;
  /** Learning rate by this objective's own update count (0-based); the optimizer's rate when absent. */
  schedule?: Schedule;
  /** Runs on every `every`-th loop step (n critic steps per generator step: the generator every n). Default 1. */
  every?: number;
  /** Scalars fetched with the loss, averaged per epoch and streamed (names unique across objectives). */
  metrics?: Record<string, Tensor>;
  /** Before each update, on this step's gradients in place (proximal terms, gradient masks). */
  beforeUpdate?: (params: ReadonlyMap<string, Float32Array>, grads: Map<string, Float32Array>, step: number) => void;
  /** After each update, on the parameters in place (projections, clamps). */
  afterUpdate?: (params: ReadonlyMap<string, Float32Array>, step: number) => void;
  /** Whole tensors fetched with the loss each step (the generated images an image pool keeps), handed to `afterStep`. */
  outputs?: Record<string, Tensor>;
  /** After each update, with this step's `outputs` (valid until the objective's next step). */
  afterStep?: (outputs: Record<string, HostTensor>, step: number) => void;
  /**
   * Graph inputs this objective reads that no stream provides, made just before each of its steps (and
   * after the earlier objectives of the loop step ran): the images an image pool hands a discriminator.
   */
  inputs?: { names: readonly string[]; make: (step: number) => Record<string, HostTensor> };
}

/** A copy of the training state, as epoch hooks and checkpoints see it. */
export interface StateSnapshot {
  params: Record<string, Float32Array>;
  buffers: Record<string, Float32Array>;
}

/**
 * End-of-epoch work: an evaluation or a method's own figures, returned as named numbers. The hooks of
 * one epoch share one snapshot, which also becomes the best-epoch checkpoint: read it, never change it.
 */
export type EpochHook = (epoch: number, state: StateSnapshot, figures: Readonly<Record<string, number>>) => Promise<Record<string, number> | void>;

export interface FitEpoch {
  epoch: number;
  /** Mean loss of each objective over its steps of the epoch. */
  losses: Record<string, number>;
  /** Mean of each objective metric over the epoch. */
  metrics: Record<string, number>;
  /** What the epoch hooks returned (validation accuracy, a method's own figures). */
  extra: Record<string, number>;
  /** Wall time of the epoch's steps (epoch hooks such as evaluation not included). */
  seconds: number;
}

export interface FitSpec {
  graph: GraphBuilder;
  objectives: readonly Objective[];
  /** Named streams; every step draws one batch from each. The first one's pass length is the epoch. */
  streams: Record<string, DataStream>;
  epochs: number;
  /** Steps per epoch instead of the first stream's pass (the other streams cycle as needed). */
  stepsPerEpoch?: number;
  /** Starting state; default the graph's initial values. Updated in place. */
  state?: ModelState;
  /** Session options and the seed of random inputs (dropout). */
  compile?: CompileOptions;
  /**
   * Split every step across this many replicas, each in a worker thread on its share of every batch
   * (see ReplicatedTrainStep): the graph is then one replica's, and each stream's batches hold
   * `replicas` shares. Only for losses that are batch means with no op mixing samples; default 1.
   */
  replicas?: number;
  /**
   * At the end of each epoch, in order, on a snapshot of the state; the numbers they return go into the
   * epoch's `extra`, are streamed as curves, and the later hooks see the earlier ones' figures.
   */
  epochHooks?: readonly EpochHook[];
  /**
   * Keep the state of the epoch with the best `metric` (an `extra` figure, higher is better) and return
   * it; with `patience` > 0 stop after that many epochs without a better one.
   */
  best?: { metric: string; patience?: number };
}

export interface FitHooks {
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
  metric?: (name: string, value: number, step: number) => void;
  log?: (message: string) => void;
  /** Stream each objective's mean loss every this many of its steps (default: about 10 points per epoch, at most every 50). */
  logEvery?: number;
  /** Adds the time of each phase of every step (data, feeds, run, fetch, optimizer, metrics, hooks). */
  profile?: StepProfile;
  /** After each epoch's hooks, with its record (a recipe's log line). */
  epochEnd?: (record: FitEpoch) => void;
}

export interface FitResult {
  /** The final state, or the best epoch's with `best`. */
  state: StateSnapshot;
  epochs: FitEpoch[];
  /** Loop steps run. */
  steps: number;
  stoppedEarly: boolean;
  /** The epoch whose state was returned. */
  bestEpoch?: number;
}

/** A loss that became NaN or infinite: which objective, which step, so the user can act. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly lr: number,
    /** Absent when the fit has a single objective. */
    readonly objective?: string,
  ) {
    super(
      `the ${objective ? `${objective} loss` : 'loss'} became NaN at step ${step} (epoch ${epoch}) with learning rate ${lr}; training diverged. ` +
        `Try a lower learning rate (for example ${lr / 10}).`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/** A copy of the state: epoch hooks and checkpoints must not see later updates. */
export function snapshotOf(state: ModelState): StateSnapshot {
  return {
    params: Object.fromEntries([...state.params].map(([k, v]) => [k, v.slice()])),
    buffers: Object.fromEntries([...state.buffers].map(([k, v]) => [k, Float32Array.from(v as Float32Array)])),
  };
}

interface Compiled {
  objective: Objective;
  step: TrainStep | ReplicatedTrainStep;
  every: number;
  updates: number;
}

function checkSpec(spec: FitSpec): void {
  if (spec.objectives.length === 0) throw new Error('fit needs at least one objective');
  if (Object.keys(spec.streams).length === 0 && !spec.stepsPerEpoch) throw new Error('fit needs a data stream or stepsPerEpoch');
  const fed = new Map<string, string>();
  for (const [streamName, stream] of Object.entries(spec.streams))
    for (const input of stream.names) {
      const other = fed.get(input);
      if (other) throw new Error(`streams ${other} and ${streamName} both provide the graph input ${input}`);
      fed.set(input, streamName);
    }
  const names = new Set<string>();
  const metrics = new Set<string>();
  for (const o of spec.objectives) {
    if (names.has(o.name)) throw new Error(`two objectives are named ${o.name}`);
    names.add(o.name);
    if (o.params.length === 0) throw new Error(`objective ${o.name} updates no parameter`);
    if (o.every !== undefined && (!Number.isInteger(o.every) || o.every < 1)) throw new Error(`objective ${o.name}: every must be a positive integer`);
    for (const m of Object.keys(o.metrics ?? {})) {
      if (metrics.has(m)) throw new Error(`metric ${m} is fetched by two objectives`);
      metrics.add(m);
    }
  }
}

export async function fit(spec: FitSpec, hooks: FitHooks = {}): Promise<FitResult> {
  checkSpec(spec);
  const compiled: Compiled[] = [];
  try {
    return await fitCompiled(spec, hooks, compiled);
  } finally {
    for (const c of compiled) if (c.step instanceof ReplicatedTrainStep) await c.step.close();
  }
}

async function fitCompiled(spec: FitSpec, hooks: FitHooks, compiled: Compiled[]): Promise<FitResult> {
  const replicas = spec.replicas ?? 1;
  for (const objective of spec.objectives) {
    const stepSpec = { graph: spec.graph, loss: objective.loss, params: objective.params, metrics: objective.metrics, outputs: objective.outputs };
    const step = replicas > 1 ? await ReplicatedTrainStep.compile(stepSpec, spec.compile ?? {}, replicas) : await TrainStep.compile(stepSpec, spec.compile);
    compiled.push({ objective, step, every: objective.every ?? 1, updates: 0 });
    for (const input of step.batchInputs)
      if (!Object.values(spec.streams).some((s) => s.names.includes(input)) && !objective.inputs?.names.includes(input))
        throw new Error(`objective ${objective.name} reads the graph input ${input}, which no data stream provides`);
  }
  const state = spec.state ?? initialState(spec.graph);
  const streams = Object.values(spec.streams);
  const stepsPerEpoch = spec.stepsPerEpoch ?? streams[0]!.batchesPerEpoch;
  const totalSteps = stepsPerEpoch * spec.epochs;
  const logEvery = hooks.logEvery ?? Math.max(1, Math.min(50, Math.floor(stepsPerEpoch / 10)));
  const profile = hooks.profile;
  // A lone objective's curve is `loss` and its errors need no name; beside others, `<name>_loss`.
  const single = spec.objectives.length === 1;
  const lossCurve = (o: Objective): string => (single ? 'loss' : `${o.name}_loss`);

  const epochs: FitEpoch[] = [];
  let globalStep = 0;
  let best: { score: number; epoch: number; state: StateSnapshot } | undefined;
  let sinceBest = 0;
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= spec.epochs; epoch++) {
    const started = performance.now();
    for (const s of streams) s.startEpoch();
    const sums = new Map<string, { loss: number; count: number; window: number; windowCount: number }>(spec.objectives.map((o) => [o.name, { loss: 0, count: 0, window: 0, windowCount: 0 }]));
    const metricSums: Record<string, number> = {};
    const metricCounts: Record<string, number> = {};
    for (let s = 0; s < stepsPerEpoch; s++) {
      hooks.signal?.throwIfAborted();
      let t = performance.now();
      const batch: Record<string, HostTensor> = {};
      for (const stream of streams) Object.assign(batch, stream.next());
      if (profile) t = profile.lap('data', t);
      for (const c of compiled) {
        if (globalStep % c.every !== 0) continue;
        const o = c.objective;
        if (o.schedule) o.optimizer.learningRate = o.schedule(c.updates);
        const r = await c.step.run(state, o.inputs ? { ...batch, ...o.inputs.make(globalStep + 1) } : batch, profile);
        if (profile) t = performance.now();
        c.updates++;
        if (!Number.isFinite(r.loss)) throw new NonFiniteLossError(globalStep + 1, epoch, o.optimizer.learningRate, single ? undefined : o.name);
        o.beforeUpdate?.(state.params, r.grads, globalStep + 1);
        if (profile) t = profile.lap('hooks', t);
        o.optimizer.step(state.params, r.grads);
        if (profile) t = profile.lap('optimizer', t);
        o.afterUpdate?.(state.params, globalStep + 1);
        o.afterStep?.(r.outputs, globalStep + 1);
        applyBufferUpdates(state, r.buffers);
        if (profile) t = profile.lap('hooks', t);
        const sum = sums.get(o.name)!;
        sum.loss += r.loss;
        sum.count++;
        sum.window += r.loss;
        sum.windowCount++;
        for (const [m, v] of Object.entries(r.metrics)) {
          metricSums[m] = (metricSums[m] ?? 0) + v;
          metricCounts[m] = (metricCounts[m] ?? 0) + 1;
        }
        if (sum.windowCount === logEvery || s === stepsPerEpoch - 1) {
          hooks.metric?.(lossCurve(o), sum.window / sum.windowCount, globalStep + 1);
          sum.window = 0;
          sum.windowCount = 0;
        }
        if (profile) t = profile.lap('metrics', t);
      }
      globalStep++;
      if (profile) profile.steps++;
      if ((s + 1) % logEvery === 0 || s === stepsPerEpoch - 1) {
        const losses = [...sums]
          .filter(([, sum]) => sum.count > 0)
          .map(([name, sum]) => `${single ? 'loss' : `${name} loss`} ${(sum.loss / sum.count).toFixed(4)}`);
        hooks.progress?.(Math.min(1, globalStep / Math.max(1, totalSteps)), `epoch ${epoch}/${spec.epochs}, step ${s + 1}/${stepsPerEpoch}, ${losses.join(', ')}`);
      }
    }
    const record: FitEpoch = {
      epoch,
      losses: Object.fromEntries([...sums].map(([name, v]) => [name, v.count ? v.loss / v.count : NaN])),
      metrics: Object.fromEntries(Object.keys(metricSums).map((m) => [m, metricSums[m]! / metricCounts[m]!])),
      extra: {},
      seconds: (performance.now() - started) / 1000,
    };
    for (const [m, v] of Object.entries(record.metrics)) hooks.metric?.(m, v, epoch);
    let snapshot: StateSnapshot | undefined;
    for (const hook of spec.epochHooks ?? []) {
      snapshot ??= snapshotOf(state);
      const figures = await hook(epoch, snapshot, record.extra);
      if (!figures) continue;
      Object.assign(record.extra, figures);
      for (const [name, value] of Object.entries(figures)) hooks.metric?.(name, value, epoch);
    }
    epochs.push(record);
    hooks.epochEnd?.(record);
    if (spec.best) {
      const score = record.extra[spec.best.metric];
      if (score === undefined) throw new Error(`no epoch hook returned ${spec.best.metric}, the figure that picks the best epoch`);
      if (!best || score > best.score) {
        best = { score, epoch, state: snapshot ?? snapshotOf(state) };
        sinceBest = 0;
      } else sinceBest++;
      const patience = spec.best.patience ?? 0;
      if (patience > 0 && sinceBest >= patience && epoch < spec.epochs) {
        stoppedEarly = true;
        hooks.log?.(`early stop after epoch ${epoch}: no better ${spec.best.metric} for ${patience} epochs; keeping epoch ${best.epoch}`);
        break;
      }
    }
  }
  return best
    ? { state: best.state, epochs, steps: globalStep, stoppedEarly, bestEpoch: best.epoch }
    : { state: snapshotOf(state), epochs, steps: globalStep, stoppedEarly, bestEpoch: epochs.at(-1)?.epoch };
}

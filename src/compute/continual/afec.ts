// AFEC: active forgetting with synaptic expansion-convergence (Wang et al., NeurIPS 2021, arXiv
// 2110.12187; methods.md section 6), with its baselines as the same loop with terms switched off: EWC
// (lambda_e = 0, no expanded copy), fine-tuning (no penalty at all), and MAS (Aljundi et al. 2018: EWC's
// penalty with the importance |d sum_i ||f(x_i)||_2 / d theta| instead of the Fisher, summed over the
// tasks, as in the AFEC authors' MAS baseline). Task-incremental: one head per task on a shared trunk,
// heads never penalised.
//
// For task t, every epoch:
//   1. AFEC only: the expanded copy theta_e trains one epoch on task t with CE alone. It is a copy of
//      the untrained network made before task 1, never re-synced with theta, and keeps training across
//      tasks (a fresh optimizer each task). Its snapshot theta_e* and its diagonal empirical Fisher F_e
//      (batches of 20, train mode, in order) are taken after the epoch.
//   2. theta trains one epoch on  CE + lambda/2 sum F_old (theta - theta_old)^2
//                                    + lambda_e/2 sum F_e (theta - theta_e*)^2   (from the second task on)
// After the task: theta_old = theta, F_t = Fisher of theta on task t, F_old = (F_t + t F_old) / (t + 1).
//
// Both networks live in one state, recorded under the scopes `main` and `expanded`; the Fishers and
// anchors are buffers of the main graph (fed from the state, so the compiled steps never change), and
// every epoch of either network is one call of the shared fit loop.
import type { Dataset } from '../data/dataset.ts';
import { firstSamples } from '../data/transforms.ts';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import { buildModelGraph, modelStateOf, scopedName, type Model } from '../model/model.ts';
import { initialState, TrainStep, type ModelState } from '../ort/compiled-graph.ts';
import { empiricalFisher } from '../ort/fisher.ts';
import { Adam, Sgd, type Optimizer } from '../ort/optimizers.ts';
import type { HostTensor } from '../ort/session.ts';
import { fit, NonFiniteLossError } from '../train/fit.ts';
import { classifyStream } from '../train/streams.ts';
import { continualFigures, type AccuracyMatrix, type ContinualFigures } from './metrics.ts';
import { headModel, headPrefix, trunkParamNames } from './multi-head.ts';
import type { TaskSequence } from './tasks.ts';

export const CONTINUAL_METHODS = ['afec', 'ewc', 'mas', 'finetune'] as const;
export type ContinualMethod = (typeof CONTINUAL_METHODS)[number];

/** AFEC's Fisher batches (methods.md 6 step 2): the size fixes the Fisher's scale, hence what lambda means. */
export const FISHER_BATCH = 20;

export interface ContinualOptions {
  method: ContinualMethod;
  /** Strength of the pull toward the old tasks' weights (EWC's lambda). */
  lambda: number;
  /** Strength of the pull toward the expanded copy (AFEC only). */
  lambdaE: number;
  epochsPerTask: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  /** SGD only. */
  momentum: number;
  /** Data order of every epoch. */
  seed: number;
  /** Test images per task for the accuracy matrix (0: all). */
  evalCount?: number;
  intraOpThreads?: number;
}

export interface ContinualHooks {
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
  metric?: (name: string, value: number, step: number) => void;
  log?: (message: string) => void;
  /** After each task, with its row of the accuracy matrix (a[t][u] for u <= t) and the main network then. */
  taskEnd?: (t: number, row: number[], model: Model) => void;
}

export interface TaskRecord {
  task: string;
  /** Wall time of the task: training of both networks and the Fishers, not the evaluation. */
  seconds: number;
  /** Mean main-network loss (with the penalties) of the task's last epoch. */
  loss: number;
  /** The penalty terms at the end of the task (lambda/2 sum F_old d^2, lambda_e/2 sum F_e d^2), from the second task on. */
  penaltyOld?: number;
  penaltyExpanded?: number;
  /** The expanded copy's accuracy on the task's test images (AFEC only). */
  expandedAccuracy?: number;
}

export interface ContinualResult {
  /** The main network after the last task (every head trained on its own task). */
  model: Model;
  matrix: AccuracyMatrix;
  figures: ContinualFigures;
  tasks: TaskRecord[];
}

/** A loss that became NaN or infinite: the task, epoch and step, and which network, so the user can act. */
export class ContinualDivergedError extends Error {
  constructor(
    message: string,
    /** The param most likely at fault. */
    readonly param: 'lambda' | 'lambdaE' | 'lr',
  ) {
    super(message);
    this.name = 'ContinualDivergedError';
  }
}

const MAIN = 'main';
const EXPANDED = 'expanded';
const IMAGES = 'images';
const LABELS = 'labels';
const fisherOld = (p: string): string => `penalty/fisher_old/${p}`;
const anchorOld = (p: string): string => `penalty/anchor_old/${p}`;
const fisherExpanded = (p: string): string => `penalty/fisher_expanded/${p}`;
const anchorExpanded = (p: string): string => `penalty/anchor_expanded/${p}`;

interface TaskGraphs {
  /** The main network at the training batch: CE of head t plus the penalties (from the second task). */
  mainLoss: Tensor[];
  main: GraphBuilder;
  expanded?: { graph: GraphBuilder; loss: Tensor[] };
  /** Batch-20 graphs for the Fishers: CE of head t (MAS: the summed L2 norm of head t's scores). */
  fisherMain?: { graph: GraphBuilder; loss: Tensor[] };
  fisherExpanded?: { graph: GraphBuilder; loss: Tensor[] };
}

function ceGraph(model: Model, scope: string, batch: number, tasks: number, seed: number, loss: 'ce' | 'output-norm' = 'ce'): { graph: GraphBuilder; loss: Tensor[] } {
  const graph = new GraphBuilder({ seed, training: true });
  const [c, h, w] = model.meta.inputShape;
  const images = graph.input(IMAGES, [batch, c, h, w]);
  const labels = loss === 'ce' ? graph.input(LABELS, [batch], 'int64') : undefined;
  const { outputs } = buildModelGraph(model, graph, { batch, training: true, input: images, scope });
  // MAS differentiates sum_i ||f(x_i)||_2 (the head's scores, no labels needed).
  const of = (t: number) => (labels ? F.crossEntropy(outputs[`head${t}`]!, labels) : F.sum(F.l2Norm(outputs[`head${t}`]!, [1])));
  return { graph, loss: Array.from({ length: tasks }, (_, t) => of(t)) };
}

function buildGraphs(model: Model, o: ContinualOptions, tasks: number): TaskGraphs {
  const trunk = trunkParamNames(model);
  const { graph: main, loss: ce } = ceGraph(model, MAIN, o.batchSize, tasks, o.seed);
  const weighted = (fisher: (p: string) => string, anchor: (p: string) => string): Tensor => {
    let sum: Tensor = main.scalar(0);
    for (const p of trunk) {
      const theta = main.tensor(scopedName(MAIN, p));
      const f = main.buffer(fisher(p), theta.shape, new Float32Array(theta.size));
      const a = main.buffer(anchor(p), theta.shape, new Float32Array(theta.size));
      sum = F.add(sum, F.sum(F.mul(f, F.square(F.sub(theta, a)))));
    }
    return sum;
  };
  const useOld = o.method !== 'finetune' && o.lambda > 0;
  const useExpanded = o.method === 'afec' && o.lambdaE > 0;
  const old = useOld ? F.mul(weighted(fisherOld, anchorOld), o.lambda / 2) : undefined;
  const toExpanded = useExpanded ? F.mul(weighted(fisherExpanded, anchorExpanded), o.lambdaE / 2) : undefined;
  const mainLoss = ce.map((l, t) => {
    if (t === 0) return l;
    let loss = l;
    if (old) loss = F.add(loss, old);
    if (toExpanded) loss = F.add(loss, toExpanded);
    return loss;
  });
  const graphs: TaskGraphs = { mainLoss, main };
  if (o.method === 'afec') {
    graphs.expanded = ceGraph(model, EXPANDED, o.batchSize, tasks, o.seed + 1);
    graphs.fisherExpanded = ceGraph(model, EXPANDED, FISHER_BATCH, tasks, o.seed + 2);
  }
  if (useOld) graphs.fisherMain = ceGraph(model, MAIN, FISHER_BATCH, tasks, o.seed + 3, o.method === 'mas' ? 'output-norm' : 'ce');
  return graphs;
}

function mergedState(...graphs: (GraphBuilder | undefined)[]): ModelState {
  const state: ModelState = { params: new Map(), buffers: new Map() };
  for (const g of graphs) {
    if (!g) continue;
    const s = initialState(g);
    for (const [k, v] of s.params) if (!state.params.has(k)) state.params.set(k, v);
    for (const [k, v] of s.buffers) if (!state.buffers.has(k)) state.buffers.set(k, v);
  }
  return state;
}

/**
 * The Fisher of one network on a task, methods.md 6 step 2 (AFEC's code: sum over batches of
 * 20 * g_b^2, divided by the number of images): batches of 20 in dataset order, train mode (batch
 * statistics, running statistics untouched), CE of the task's head. A last partial batch is left out
 * (static shapes), and the division is by the images used.
 */
export async function taskFisher(graph: { graph: GraphBuilder; loss: Tensor }, scope: string, params: readonly string[], state: ModelState, data: Dataset, normalize: Dataset['normalize'], threads?: number): Promise<Map<string, Float32Array>> {
  const step = await TrainStep.compile({ graph: graph.graph, loss: graph.loss, params: params.map((p) => scopedName(scope, p)) }, { intraOpThreads: threads });
  const stream = classifyStream(data, { batch: FISHER_BATCH, names: { images: IMAGES, labels: LABELS }, normalize });
  const batches = stream.batchesPerEpoch;
  stream.startEpoch();
  function* all(): Generator<Record<string, HostTensor>> {
    for (let b = 0; b < batches; b++) yield stream.next();
  }
  // empiricalFisher gives scale * mean_b g_b^2; AFEC's (1/N) sum_b 20 g_b^2 over N = 20 B images is
  // sum_b g_b^2 / B, that mean with scale 1.
  const fisher = await empiricalFisher(step, state, all(), { scale: 1 });
  const out = new Map<string, Float32Array>();
  for (const p of params) out.set(p, fisher.get(scopedName(scope, p))!);
  return out;
}

/**
 * MAS importance of one task (the AFEC authors' MAS baseline): (1/N) sum over in-order batches of 20 of
 * |g_b|, g_b the gradient of sum_i ||f(x_i)||_2 over the batch, in train mode.
 */
export async function masImportance(graph: { graph: GraphBuilder; loss: Tensor }, scope: string, params: readonly string[], state: ModelState, data: Dataset, normalize: Dataset['normalize'], threads?: number): Promise<Map<string, Float32Array>> {
  const step = await TrainStep.compile({ graph: graph.graph, loss: graph.loss, params: params.map((p) => scopedName(scope, p)) }, { intraOpThreads: threads });
  const stream = classifyStream(data, { batch: FISHER_BATCH, names: { images: IMAGES, labels: LABELS }, normalize });
  stream.startEpoch();
  const sums = new Map(params.map((p) => [p, new Float64Array(state.params.get(scopedName(scope, p))!.length)]));
  for (let b = 0; b < stream.batchesPerEpoch; b++) {
    const { [IMAGES]: images } = stream.next();
    const { grads } = await step.run(state, { [IMAGES]: images! });
    for (const p of params) {
      const g = grads.get(scopedName(scope, p))!;
      const sum = sums.get(p)!;
      for (let i = 0; i < g.length; i++) sum[i] = sum[i]! + Math.abs(g[i]!);
    }
  }
  const n = FISHER_BATCH * stream.batchesPerEpoch;
  return new Map([...sums].map(([p, sum]) => [p, Float32Array.from(sum, (v) => v / n)]));
}

function makeOptimizer(o: ContinualOptions): Optimizer {
  return o.optimizer === 'adam' ? new Adam({ learningRate: o.lr }) : new Sgd({ learningRate: o.lr, momentum: o.momentum });
}

/** Penalty value lambda/2 sum F d^2 on the current state, computed here (the same sum the graph records). */
function penaltyValue(state: ModelState, trunk: readonly string[], fisher: (p: string) => string, anchor: (p: string) => string, strength: number): number {
  let sum = 0;
  for (const p of trunk) {
    const theta = state.params.get(scopedName(MAIN, p))!;
    const f = state.buffers.get(fisher(p)) as Float32Array;
    const a = state.buffers.get(anchor(p)) as Float32Array;
    for (let i = 0; i < theta.length; i++) sum += f[i]! * (theta[i]! - a[i]!) ** 2;
  }
  return (strength / 2) * sum;
}

/** Learns the tasks in order with the chosen method; the accuracy matrix is filled after each task. */
export async function learnTasks(model: Model, sequence: TaskSequence, o: ContinualOptions, hooks: ContinualHooks = {}): Promise<ContinualResult> {
  const T = sequence.tasks.length;
  if (model.architecture.kind !== 'zoo' || model.architecture.heads?.length !== T) throw new Error(`${model.name} needs one head per task (${T})`);
  const trunk = trunkParamNames(model);
  const graphs = buildGraphs(model, o, T);
  const state = mergedState(graphs.main, graphs.expanded?.graph, graphs.fisherMain?.graph, graphs.fisherExpanded?.graph);
  const normalize = model.meta.normalize;
  const threads = o.intraOpThreads;
  const rng = createRng(o.seed);
  const matrix: AccuracyMatrix = Array.from({ length: T }, () => new Array<number | null>(T).fill(null));
  const records: TaskRecord[] = [];
  const perTaskSteps = (o.method === 'afec' ? 2 : 1) * o.epochsPerTask;
  let mainStep = 0;
  let expandedStep = 0;

  for (let t = 0; t < T; t++) {
    const task = sequence.tasks[t]!;
    if (task.train.count < Math.max(o.batchSize, FISHER_BATCH))
      throw new Error(`${task.name} has ${task.train.count} train images, fewer than one batch of ${Math.max(o.batchSize, FISHER_BATCH)}; lower batchSize or give more images`);
    const started = performance.now();
    const taskParams = (scope: string) => [...trunk, ...Object.keys(model.params).filter((n) => n.startsWith(headPrefix(t)))].map((p) => scopedName(scope, p));
    const mainOptimizer = makeOptimizer(o);
    const expandedOptimizer = o.method === 'afec' ? makeOptimizer(o) : undefined;
    const stream = () => classifyStream(task.train, { batch: o.batchSize, rng, names: { images: IMAGES, labels: LABELS }, normalize });
    let loss = NaN;
    let phase = 0;
    const report = (network: string, epoch: number) => (fraction: number, message: string) =>
      hooks.progress?.((t + (phase + fraction) / perTaskSteps) / T, `${task.name}/${T}, ${network} ${message.replace(/^epoch 1\/1/, `epoch ${epoch}/${o.epochsPerTask}`)}`);
    const diverged: (e: unknown, network: string, epoch: number) => never = (e, network, epoch) => {
      if (!(e instanceof NonFiniteLossError)) throw e;
      const penalised = network === 'main network' && t > 0 && o.method !== 'finetune';
      throw new ContinualDivergedError(
        `the ${network}'s loss became NaN in ${task.name} (epoch ${epoch}, step ${e.step})` +
          (penalised ? ` with lambda = ${o.lambda}${o.method === 'afec' ? ` and lambda_e = ${o.lambdaE}` : ''}; lower lambda (the penalty term overflowed) or the learning rate` : `; lower the learning rate (${o.lr})`),
        penalised ? (o.method === 'afec' && o.lambdaE > o.lambda ? 'lambdaE' : 'lambda') : 'lr',
      );
    };
    for (let epoch = 1; epoch <= o.epochsPerTask; epoch++) {
      if (graphs.expanded && graphs.fisherExpanded) {
        // Step 1: the expanded copy, CE only; then its snapshot and Fisher become the second anchor.
        try {
          const r = await fit(
            { graph: graphs.expanded.graph, objectives: [{ name: 'expanded', loss: graphs.expanded.loss[t]!, params: taskParams(EXPANDED), optimizer: expandedOptimizer! }], streams: { train: stream() }, epochs: 1, state, compile: { intraOpThreads: threads, seed: o.seed } },
            { signal: hooks.signal, progress: report('expanded copy', epoch), metric: (name, value, step) => name === 'loss' && hooks.metric?.('expanded_loss', value, expandedStep + step) },
          );
          expandedStep += r.steps;
        } catch (e) {
          diverged(e, 'expanded copy', epoch);
        }
        phase++;
        if (t > 0) {
          const fe = await taskFisher({ graph: graphs.fisherExpanded.graph, loss: graphs.fisherExpanded.loss[t]! }, EXPANDED, trunk, state, task.train, normalize, threads);
          for (const p of trunk) {
            state.buffers.set(fisherExpanded(p), fe.get(p)!);
            state.buffers.set(anchorExpanded(p), state.params.get(scopedName(EXPANDED, p))!.slice());
          }
        }
      }
      // Step 3: the main network, CE plus the penalties (from the second task on).
      try {
        const r = await fit(
          {
            graph: graphs.main,
            objectives: [{ name: 'main', loss: graphs.mainLoss[t]!, params: taskParams(MAIN), optimizer: mainOptimizer }],
            streams: { train: stream() },
            epochs: 1,
            state,
            compile: { intraOpThreads: threads, seed: o.seed },
          },
          { signal: hooks.signal, progress: report('main network', epoch), metric: (name, value, step) => name === 'loss' && hooks.metric?.('loss', value, mainStep + step) },
        );
        mainStep += r.steps;
        loss = r.epochs.at(-1)!.losses.main!;
      } catch (e) {
        diverged(e, 'main network', epoch);
      }
      phase++;
    }
    const record: TaskRecord = { task: task.name, seconds: 0, loss };
    if (t > 0 && o.method !== 'finetune') {
      record.penaltyOld = penaltyValue(state, trunk, fisherOld, anchorOld, o.lambda);
      if (o.method === 'afec') record.penaltyExpanded = penaltyValue(state, trunk, fisherExpanded, anchorExpanded, o.lambdaE);
    }
    // After the task: the old-task anchor and the running mean of the Fishers (methods.md 6).
    if (graphs.fisherMain) {
      hooks.progress?.((t + 1) / T, `${task.name}/${T}, ${o.method === 'mas' ? 'importance' : 'Fisher'} of the main network`);
      const graph = { graph: graphs.fisherMain.graph, loss: graphs.fisherMain.loss[t]! };
      const ft = await (o.method === 'mas' ? masImportance : taskFisher)(graph, MAIN, trunk, state, task.train, normalize, threads);
      for (const p of trunk) {
        const merged = state.buffers.get(fisherOld(p)) as Float32Array;
        const now = ft.get(p)!;
        // EWC / AFEC: the running mean of the Fishers; MAS: the importances summed over the tasks.
        for (let i = 0; i < merged.length; i++) merged[i] = o.method === 'mas' ? merged[i]! + now[i]! : (now[i]! + t * merged[i]!) / (t + 1);
        state.buffers.set(fisherOld(p), merged.slice());
        state.buffers.set(anchorOld(p), state.params.get(scopedName(MAIN, p))!.slice());
      }
    }
    record.seconds = (performance.now() - started) / 1000;

    // Row t of the accuracy matrix: every task seen so far, each through its own head.
    const current = networkOf(model, state, MAIN);
    const row: number[] = [];
    for (let u = 0; u <= t; u++) {
      hooks.signal?.throwIfAborted();
      const test = evalSubset(sequence.tasks[u]!.test, o.evalCount);
      row.push((await evaluateClassifier(headModel(current, u), test, { batchSize: 500, intraOpThreads: threads })).accuracy);
    }
    if (o.method === 'afec') {
      const expanded = networkOf(model, state, EXPANDED);
      record.expandedAccuracy = (await evaluateClassifier(headModel(expanded, t), evalSubset(task.test, o.evalCount), { batchSize: 500, intraOpThreads: threads })).accuracy;
    }
    matrix[t] = [...row, ...new Array<null>(T - row.length).fill(null)];
    records.push(record);
    for (let u = 0; u <= t; u++) hooks.metric?.(`acc_task${u + 1}`, row[u]!, t + 1);
    hooks.metric?.('average_accuracy', row.reduce((a, b) => a + b, 0) / row.length, t + 1);
    hooks.metric?.('new_task_accuracy', row[t]!, t + 1);
    hooks.log?.(`${task.name} (${task.description}) in ${record.seconds.toFixed(1)} s: accuracy ${row.map((a) => (100 * a).toFixed(1)).join(' / ')}%`);
    hooks.taskEnd?.(t, row, current);
  }
  return { model: networkOf(model, state, MAIN), matrix, figures: continualFigures(matrix), tasks: records };
}

/** One network of the state as a Model, its values copied (the state keeps training in place). */
function networkOf(model: Model, state: ModelState, scope: string): Model {
  const { params, buffers } = modelStateOf(model, state, scope);
  const copy = (r: Record<string, Float32Array>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice()]));
  return { ...model, params: copy(params), buffers: copy(buffers) };
}

function evalSubset(data: Dataset, count: number | undefined): Dataset {
  if (!count || count >= data.count) return data;
  return firstSamples(data, count);
}

// Supervised training of a classifier Model, a recipe on the fit loop (src/compute/train/fit.ts): one
// objective (cross-entropy, or the model's own loss where it defines one), the train split as its
// stream, validation and early stopping as epoch hooks. The GM quantizer and the pattern pruner train
// through it with their own hooks.

import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng, type Rng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { Adam, Sgd, type Optimizer, type ParamGroup } from '../ort/optimizers.ts';
import { schedules, type Schedule } from '../ort/schedules.ts';
import { replicationRefusal } from '../ort/replicated-step.ts';
import { defaultThreads, type SessionOptions } from '../ort/session.ts';
import { fit, type EpochHook, type FitEpoch } from '../train/fit.ts';
import type { StepProfile } from '../train/profile.ts';
import { classifyStream } from '../train/streams.ts';
import { evaluateClassifier } from './evaluate.ts';
import { buildModelGraph, type BuildOptions, type Model } from './model.ts';

export type OptimizerName = 'sgd' | 'adam' | 'adamw';
export type ScheduleName = 'constant' | 'step' | 'cosine' | 'one-cycle';
export type Augmentation = 'none' | 'flip' | 'shift-crop' | 'flip+shift-crop';

export interface TrainOptions extends SessionOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
  augmentation: Augmentation;
  /** Stop after this many epochs without a better validation accuracy (0: never); the best weights are kept. */
  patience: number;
  seed: number;
  validation?: Dataset;
  /** Report the mean loss every this many steps. */
  logEvery?: number;
  /**
   * A parametrisation of the weights recorded on the training graph (a quantiser computing each weight
   * from mixture parameters). Parameters it adds to `g` train with the model's; they come back in
   * `TrainResult.params` beside the model's own.
   */
  parametrize?: (g: GraphBuilder) => BuildOptions['parametrize'];
  /** Per-parameter learning rates and weight decay (e.g. a method's own parameters at another rate). */
  groups?: readonly ParamGroup[];
  /** Parameters the optimizer leaves untouched. */
  frozen?: Iterable<string>;
  /** Adds each phase's milliseconds per step (bench/train-vs-pytorch.mjs --profile). */
  profile?: StepProfile;
  /**
   * Steps split across this many single-threaded replicas on shares of each batch (1: one session
   * on every thread). Default: 2 where the model allows it (no batch norm or dropout, an even batch)
   * and the run is long enough to repay starting them; see replicaCount.
   */
  replicas?: number;
}

export interface TrainHooks {
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
  metric?: (name: string, value: number, step: number) => void;
  log?: (message: string) => void;
  /**
   * Before each optimizer update, with the current parameters and this step's gradients, which it may
   * change in place (ADMM's proximal term rho (W - Z + U), gradient masks).
   */
  beforeUpdate?: (params: ReadonlyMap<string, Float32Array>, grads: Map<string, Float32Array>, step: number) => void;
  /** After each update, on the parameters in place (projections, clamps, re-applied masks). */
  afterUpdate?: (params: ReadonlyMap<string, Float32Array>, step: number) => void;
  /**
   * At the end of each epoch on a copy of the state; the numbers it returns are streamed as curves and
   * kept in the epoch's record (a method's own figures: hard accuracy, ADMM residuals).
   */
  onEpoch?: (epoch: number, state: { params: Record<string, Float32Array>; buffers: Record<string, Float32Array> }) => Promise<Record<string, number> | void>;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valAccuracy?: number;
  valLoss?: number;
  seconds: number;
  /** What `TrainHooks.onEpoch` returned. */
  extra?: Record<string, number>;
}

export interface TrainResult {
  /** Parameters and buffers after training (the best validation epoch with early stopping). */
  params: Record<string, Float32Array>;
  buffers: Record<string, Float32Array>;
  epochs: EpochRecord[];
  steps: number;
  stoppedEarly: boolean;
}

export { NonFiniteLossError } from '../train/fit.ts';

/** Smith & Topin 2019: warm up from lr/25 to lr over 30% of the steps, then anneal (cosine) to lr/1e4. */
function oneCycle(lr: number, total: number): Schedule {
  const warm = Math.max(1, Math.round(0.3 * total));
  const start = lr / 25;
  const end = lr / 1e4;
  return (step) => {
    if (step < warm) return start + ((lr - start) * step) / warm;
    const t = Math.min(1, (step - warm) / Math.max(1, total - warm));
    return end + 0.5 * (lr - end) * (1 + Math.cos(Math.PI * t));
  };
}

export function scheduleOf(name: ScheduleName, lr: number, totalSteps: number, stepsPerEpoch: number, epochs: number): Schedule {
  switch (name) {
    case 'constant':
      return schedules.constant(lr);
    case 'step':
      // x0.1 at a third and two thirds of the run (at least one epoch apart).
      return schedules.step(lr, Math.max(1, Math.ceil(epochs / 3)) * stepsPerEpoch, 0.1);
    case 'cosine':
      return schedules.cosine(lr, totalSteps);
    case 'one-cycle':
      return oneCycle(lr, totalSteps);
  }
}

function optimizerOf(o: TrainOptions): Optimizer {
  const groups = { groups: o.groups, frozen: o.frozen };
  if (o.optimizer === 'sgd') return new Sgd({ learningRate: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, nesterov: false, ...groups });
  return new Adam({ learningRate: o.lr, weightDecay: o.weightDecay, decoupledWeightDecay: o.optimizer === 'adamw', ...groups });
}

/**
 * In-place augmentation of a normalised batch [B, C, H, W]: horizontal flips (p = 0.5) and/or random
 * shifts of up to H/8 pixels with the vacated border filled with black (the padded-crop of CIFAR
 * training, without allocating the padded image).
 */
export function augmentBatch(values: Float32Array, shape: readonly number[], kind: Augmentation, rng: Rng, fill: readonly number[]): void {
  if (kind === 'none') return;
  const [b, c, h, w] = shape as [number, number, number, number];
  const flip = kind === 'flip' || kind === 'flip+shift-crop';
  const shift = kind === 'shift-crop' || kind === 'flip+shift-crop';
  const maxShift = Math.max(1, Math.round(h / 8));
  const plane = new Float32Array(h * w);
  for (let s = 0; s < b; s++) {
    const doFlip = flip && rng() < 0.5;
    const dy = shift ? Math.floor(rng() * (2 * maxShift + 1)) - maxShift : 0;
    const dx = shift ? Math.floor(rng() * (2 * maxShift + 1)) - maxShift : 0;
    if (!doFlip && dy === 0 && dx === 0) continue;
    for (let ch = 0; ch < c; ch++) {
      const base = (s * c + ch) * h * w;
      plane.set(values.subarray(base, base + h * w));
      const blank = fill[ch] ?? fill[0] ?? 0;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        for (let x = 0; x < w; x++) {
          let sx = x + dx;
          if (doFlip) sx = w - 1 - sx;
          values[base + y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? plane[sy * w + sx]! : blank;
        }
      }
    }
  }
}

/** Fewer steps than this do not repay starting the replicas' workers and sessions (about 0.2 s). */
const MIN_REPLICATED_STEPS = 200;

/**
 * How many replicas a classifier's steps split into: the option when given, else 2 when there are
 * at least two threads, the batch halves into shares of 8 or more, the run has enough steps, and the
 * graph (recorded at the full batch) neither normalises over the batch nor draws dropout masks, so the
 * averaged halves are the full batch's step (cross-entropy is a batch mean).
 */
export function replicaCount(g: GraphBuilder, batch: number, steps: number, options: Pick<TrainOptions, 'replicas' | 'intraOpThreads'>): number {
  if (options.replicas !== undefined) {
    if (!Number.isInteger(options.replicas) || options.replicas < 1) throw new Error(`replicas must be a positive integer, not ${options.replicas}`);
    if (batch % options.replicas !== 0) throw new Error(`a batch of ${batch} does not split into ${options.replicas} equal shares`);
    if (options.replicas > 1) {
      const refusal = replicationRefusal(g);
      if (refusal) throw new Error(`this model's training step cannot be split across replicas: ${refusal}`);
    }
    return options.replicas;
  }
  const threads = options.intraOpThreads ?? defaultThreads();
  if (threads < 2 || batch % 2 !== 0 || batch < 16 || steps < MIN_REPLICATED_STEPS) return 1;
  return replicationRefusal(g) === null ? 2 : 1;
}

/**
 * Cross-entropy training of a classifier: one objective on the model's logits (or the model's own
 * loss, BuiltModel.loss, where it defines one), the train split as one stream (augmented in place),
 * validation and the best-epoch checkpoint as epoch hooks, a method's parametrisation and update
 * hooks passed through.
 */
export async function trainClassifier(model: Model, train: Dataset, options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  if (model.meta.task !== 'classify') throw new Error(`${model.name} is an ${model.meta.task} model; supervised classification training needs a classifier`);
  const batch = Math.min(options.batchSize, train.count);
  if (batch < 1) throw new Error(`${train.name} is empty`);
  const record = (share: number) => {
    const g = new GraphBuilder({ seed: options.seed, training: true });
    const built = buildModelGraph(model, g, { batch: share, training: true, parametrize: options.parametrize?.(g) });
    const labels = g.input('labels', [share], 'int64');
    // A model with a loss of its own (MGNet's per-glimpse and auxiliary terms) trains on that one.
    const loss = built.loss ? built.loss(labels) : F.crossEntropy(built.logits, labels);
    return { g, logits: built.logits, labels, loss };
  };
  let recorded = record(batch);
  const replicas = replicaCount(recorded.g, batch, Math.ceil(train.count / batch) * options.epochs, options);
  if (replicas > 1) recorded = record(batch / replicas);
  const { g, logits, labels, loss } = recorded;
  const rng = createRng(options.seed);
  const fill = model.meta.normalize.mean.map((m, i) => -m / (model.meta.normalize.std[i] ?? model.meta.normalize.std[0] ?? 1));
  const stream = classifyStream(train, {
    batch,
    rng,
    normalize: model.meta.normalize,
    transform: (images) => augmentBatch(images.values as Float32Array, images.shape, options.augmentation, rng, fill),
  });
  const stepsPerEpoch = stream.batchesPerEpoch;
  const validation = options.validation && options.validation.count > 0 ? options.validation : undefined;
  const epochHooks: EpochHook[] = [];
  if (hooks.onEpoch) epochHooks.push(hooks.onEpoch);
  if (validation)
    epochHooks.push(async (_epoch, state) => {
      const v = await evaluateClassifier({ ...model, ...state }, validation, { ...options, batchSize: 256, signal: hooks.signal });
      return { val_accuracy: v.accuracy, val_loss: v.loss };
    });
  const epochRecordOf = (e: FitEpoch): EpochRecord => {
    const { val_accuracy, val_loss, ...extra } = e.extra;
    const record: EpochRecord = { epoch: e.epoch, loss: e.losses.classifier!, accuracy: e.metrics.accuracy!, seconds: e.seconds };
    if (val_accuracy !== undefined) {
      record.valAccuracy = val_accuracy;
      record.valLoss = val_loss;
    }
    if (Object.keys(extra).length > 0) record.extra = extra;
    return record;
  };
  const logEpoch = (e: FitEpoch): void => {
    const r = epochRecordOf(e);
    hooks.log?.(
      `epoch ${r.epoch}/${options.epochs}: loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}%` +
        (r.valAccuracy !== undefined ? `, validation ${(100 * r.valAccuracy).toFixed(2)}%` : '') +
        `, ${r.seconds.toFixed(1)} s`,
    );
  };
  const fitted = await fit(
    {
      graph: g,
      objectives: [
        {
          name: 'classifier',
          loss,
          params: [...g.params.keys()],
          optimizer: optimizerOf(options),
          schedule: scheduleOf(options.schedule, options.lr, stepsPerEpoch * options.epochs, stepsPerEpoch, options.epochs),
          metrics: { accuracy: F.accuracy(logits, labels) },
          beforeUpdate: hooks.beforeUpdate,
          afterUpdate: hooks.afterUpdate,
        },
      ],
      streams: { train: stream },
      epochs: options.epochs,
      compile: { ...options, seed: options.seed },
      replicas,
      epochHooks,
      // Early stopping keeps the best validation epoch; without it the last epoch's weights are returned.
      ...(options.patience > 0 && validation ? { best: { metric: 'val_accuracy', patience: options.patience } } : {}),
    },
    { signal: hooks.signal, progress: hooks.progress, metric: hooks.metric, log: hooks.log, logEvery: options.logEvery, profile: options.profile, epochEnd: logEpoch },
  );
  const epochs = fitted.epochs.map(epochRecordOf);
  return { params: fitted.state.params, buffers: fitted.state.buffers, epochs, steps: fitted.steps, stoppedEarly: fitted.stoppedEarly };
}

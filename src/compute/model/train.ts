// Supervised training of a classifier Model: one compiled training step (forward + backward in one
// onnxruntime session), the optimiser in TypeScript between steps, evaluation per epoch.

import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng, type Rng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { applyBufferUpdates, initialState, TrainStep, type ModelState } from '../ort/compiled-graph.ts';
import { batchIndices, classifyBatch } from '../ort/batches.ts';
import { Adam, Sgd, type Optimizer, type ParamGroup } from '../ort/optimizers.ts';
import { schedules, type Schedule } from '../ort/schedules.ts';
import type { SessionOptions } from '../ort/session.ts';
import { asModelInput, evaluateClassifier } from './evaluate.ts';
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

/** A loss that became NaN or infinite: which step, so the user can act. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly lr: number,
  ) {
    super(`the loss became NaN at step ${step} (epoch ${epoch}) with learning rate ${lr}; training diverged. Try a lower learning rate (for example ${lr / 10}).`);
    this.name = 'NonFiniteLossError';
  }
}

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

const toRecord = <T>(m: Map<string, T>): Record<string, T> => Object.fromEntries(m);

function copyState(state: ModelState): { params: Record<string, Float32Array>; buffers: Record<string, Float32Array> } {
  return {
    params: Object.fromEntries([...state.params].map(([k, v]) => [k, v.slice()])),
    buffers: Object.fromEntries([...state.buffers].map(([k, v]) => [k, Float32Array.from(v as Float32Array)])),
  };
}

export async function trainClassifier(model: Model, train: Dataset, options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  if (model.meta.task !== 'classify') throw new Error(`${model.name} is an ${model.meta.task} model; supervised classification training needs a classifier`);
  const batch = Math.min(options.batchSize, train.count);
  if (batch < 1) throw new Error(`${train.name} is empty`);
  const g = new GraphBuilder({ seed: options.seed, training: true });
  const { logits } = buildModelGraph(model, g, { batch, training: true, parametrize: options.parametrize?.(g) });
  const labels = g.input('labels', [batch], 'int64');
  const loss = F.crossEntropy(logits, labels);
  const step = await TrainStep.compile({ graph: g, loss, metrics: { accuracy: F.accuracy(logits, labels) } }, { ...options, seed: options.seed });
  const state = initialState(g);
  const optimizer = optimizerOf(options);
  const rng = createRng(options.seed);
  const input = asModelInput(model, train);
  const fill = model.meta.normalize.mean.map((m, i) => -m / (model.meta.normalize.std[i] ?? model.meta.normalize.std[0] ?? 1));
  const stepsPerEpoch = Math.floor(train.count / batch);
  const totalSteps = stepsPerEpoch * options.epochs;
  const schedule = scheduleOf(options.schedule, options.lr, totalSteps, stepsPerEpoch, options.epochs);
  const logEvery = options.logEvery ?? Math.max(1, Math.min(50, Math.floor(stepsPerEpoch / 10)));

  const epochs: EpochRecord[] = [];
  let globalStep = 0;
  let best: { accuracy: number; state: ReturnType<typeof copyState> } | undefined;
  let sinceBest = 0;
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = performance.now();
    let lossSum = 0;
    let accSum = 0;
    let windowLoss = 0;
    let windowCount = 0;
    const order = batchIndices(train.count, batch, { rng, dropLast: true });
    for (let s = 0; s < order.length; s++) {
      hooks.signal?.throwIfAborted();
      const { images, labels: y } = classifyBatch(input, order[s]!);
      augmentBatch(images.values as Float32Array, images.shape, options.augmentation, rng, fill);
      optimizer.learningRate = schedule(globalStep);
      const r = await step.run(state, { input: images, labels: y });
      globalStep++;
      if (!Number.isFinite(r.loss)) throw new NonFiniteLossError(globalStep, epoch, optimizer.learningRate);
      hooks.beforeUpdate?.(state.params, r.grads, globalStep);
      optimizer.step(state.params, r.grads);
      hooks.afterUpdate?.(state.params, globalStep);
      applyBufferUpdates(state, r.buffers);
      lossSum += r.loss;
      accSum += r.metrics.accuracy!;
      windowLoss += r.loss;
      windowCount++;
      if (windowCount === logEvery || s === order.length - 1) {
        hooks.metric?.('loss', windowLoss / windowCount, globalStep);
        windowLoss = 0;
        windowCount = 0;
        hooks.progress?.(
          Math.min(1, globalStep / Math.max(1, totalSteps)),
          `epoch ${epoch}/${options.epochs}, step ${s + 1}/${order.length}, loss ${(lossSum / (s + 1)).toFixed(4)}`,
        );
      }
    }
    const record: EpochRecord = {
      epoch,
      loss: lossSum / Math.max(1, order.length),
      accuracy: accSum / Math.max(1, order.length),
      seconds: (performance.now() - started) / 1000,
    };
    hooks.metric?.('accuracy', record.accuracy, epoch);
    if (hooks.onEpoch) {
      const extra = await hooks.onEpoch(epoch, copyState(state));
      if (extra) {
        record.extra = extra;
        for (const [name, value] of Object.entries(extra)) hooks.metric?.(name, value, epoch);
      }
    }
    if (options.validation && options.validation.count > 0) {
      const current: Model = { ...model, ...copyState(state) };
      const v = await evaluateClassifier(current, options.validation, { ...options, batchSize: 256, signal: hooks.signal });
      record.valAccuracy = v.accuracy;
      record.valLoss = v.loss;
      hooks.metric?.('val_accuracy', v.accuracy, epoch);
      hooks.metric?.('val_loss', v.loss, epoch);
      if (!best || v.accuracy > best.accuracy) {
        best = { accuracy: v.accuracy, state: current };
        sinceBest = 0;
      } else sinceBest++;
    }
    epochs.push(record);
    hooks.log?.(
      `epoch ${epoch}/${options.epochs}: loss ${record.loss.toFixed(4)}, accuracy ${(100 * record.accuracy).toFixed(2)}%` +
        (record.valAccuracy !== undefined ? `, validation ${(100 * record.valAccuracy).toFixed(2)}%` : '') +
        `, ${record.seconds.toFixed(1)} s`,
    );
    if (options.patience > 0 && best && sinceBest >= options.patience && epoch < options.epochs) {
      stoppedEarly = true;
      hooks.log?.(`early stop after epoch ${epoch}: no better validation accuracy for ${options.patience} epochs; keeping epoch ${epoch - sinceBest}`);
      break;
    }
  }
  const final = options.patience > 0 && best ? best.state : { params: toRecord(state.params), buffers: copyState(state).buffers };
  return { ...final, epochs, steps: globalStep, stoppedEarly };
}

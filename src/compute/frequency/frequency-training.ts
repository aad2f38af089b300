// Frequency-controlled training of a classifier (arXiv 1911.12044; methods.md section 9, step 2), a
// recipe on the fit loop. The first conv layer's kernels are controlled one of two ways:
//
//   penalty:    loss = CE + beta * sum_k E_high(w_k)       E_high(w) = ||M w||^2 (spectrum.ts), the
//               kernel's energy above the radial cutoff, in the units of ||w||^2
//   modulation: w_k = a_k LP(w_k) + m_k b_k HP(w_k),  m_k = sigmoid(g_k) learned,
//               loss = CE + lambda * mean(m)
//               a_k, b_k = exp(sigma * xi), xi ~ N(0, 1) drawn per kernel and step: a random
//               perturbation of each kernel's power spectrum (its low and its high band scaled
//               independently) during training; a = b = 1 afterwards, and the trained model's first
//               layer is the baked LP(w) + m HP(w).
//
// The paper's text beyond its abstract is not available; the band-gain form of the power-spectrum
// perturbation is this implementation's reading of it (methods.md section 9). Both forms are graph ops
// (MatMuls with constant matrices), so the autodiff gives their gradients. The layer's high-frequency
// proportion is streamed as a curve while training.

import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng, normalSample } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { scheduleOf, type OptimizerName, type ScheduleName } from '../model/train.ts';
import { buildModelGraph, type Model } from '../model/model.ts';
import { weightLayers, type WeightLayer } from '../model/weight-layers.ts';
import { Adam, Sgd, type Optimizer } from '../ort/optimizers.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import { fit, type EpochHook } from '../train/fit.ts';
import { classifyStream, generatedStream } from '../train/streams.ts';
import { highEnergyMatrix, kernelSpectra, lowPassMatrix, modulateKernels, type SpectrumOptions } from './spectrum.ts';

export type FrequencyControl = 'none' | 'penalty' | 'modulation';

/** The model's first weight layer when it is a conv, or what was found instead (for an error naming it). */
export function firstConvLayer(model: Model): { layer: WeightLayer } | { problem: string } {
  const layers = weightLayers(model);
  const first = layers[0];
  if (!first) return { problem: `${model.name} has no conv or linear weight layer` };
  if (first.kind !== 'conv' || first.shape.length !== 4)
    return { problem: `${model.name}'s first weight layer is ${first.name} (${first.kind} [${first.shape.join(', ')}]), not a 2-D convolution; the frequency analysis needs a conv first layer` };
  return { layer: first };
}

export interface FrequencyTrainOptions extends SpectrumOptions {
  control: FrequencyControl;
  /** penalty: weight of the high-frequency energy. */
  beta: number;
  /** modulation: weight of the penalty on mean(m). */
  modulationPenalty: number;
  /** modulation: initial m of every kernel (the gate starts at logit(m)). */
  modulationInit: number;
  /** modulation: sigma of the log-normal band gains of the power-spectrum perturbation (0: none). */
  perturbation: number;
  /** modulation: learning rate of the gates g_k (they must travel far in one run, the weights need not); default 0.05. */
  modulationLr?: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
  seed: number;
  validation?: Dataset;
  /** Stream the high-frequency proportion every this many steps (default about 20 points per epoch). */
  curveEvery?: number;
}

export interface FrequencyTrainHooks {
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
  metric?: (name: string, value: number, step: number) => void;
  log?: (message: string) => void;
}

export interface FrequencyTrainResult {
  model: Model;
  layer: WeightLayer;
  /** The streamed curve: step, high-frequency proportion, mean high-frequency share. */
  curve: { step: number; proportion: number; meanShare: number }[];
  /** modulation: the learned m per kernel. */
  modulation?: Float32Array;
  epochs: { epoch: number; loss: number; accuracy: number; valAccuracy?: number; seconds: number }[];
}

const GATE = 'frequency.gate';
const LOW_GAIN = 'frequency.low_gain';
const HIGH_GAIN = 'frequency.high_gain';

function optimizerOf(o: FrequencyTrainOptions): Optimizer {
  // The gates have their own rate and no weight decay (decay would pull m towards 1/2).
  const groups = [{ match: (name: string) => name === GATE, learningRate: o.modulationLr ?? 0.05, weightDecay: 0 }];
  if (o.optimizer === 'sgd') return new Sgd({ learningRate: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, nesterov: false, groups });
  return new Adam({ learningRate: o.lr, weightDecay: o.weightDecay, decoupledWeightDecay: o.optimizer === 'adamw', groups });
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Trains `model` on `train` with its first conv layer's frequency content controlled. */
export async function trainFrequencyControlled(model: Model, train: Dataset, o: FrequencyTrainOptions, hooks: FrequencyTrainHooks = {}): Promise<FrequencyTrainResult> {
  if (model.meta.task !== 'classify') throw new Error(`${model.name} is an ${model.meta.task} model; frequency-controlled training needs a classifier`);
  const first = firstConvLayer(model);
  if ('problem' in first) throw new Error(first.problem);
  const layer = first.layer;
  const [out, inC, kh, kw] = layer.shape as [number, number, number, number];
  const k = kh * kw;
  const spectrum = { pad: o.pad, cutoff: o.cutoff };
  const lowPass = lowPassMatrix(kh, kw, spectrum);
  const batch = Math.min(o.batchSize, train.count);
  if (batch < 1) throw new Error(`${train.name} is empty`);

  const g = new GraphBuilder({ seed: o.seed, training: true });
  let firstWeight: Tensor | undefined;
  let gate: Tensor | undefined;
  const parametrize = (name: string, w: Tensor): Tensor => {
    if (name !== layer.name) return w;
    firstWeight = w;
    if (o.control !== 'modulation') return w;
    // LP(w) = w L^T on the flattened kernels [O*C, k]; HP = w - LP.
    const flat = F.reshape(w, [out * inC, k]);
    const lp = F.matmul(flat, g.constant(transpose(lowPass, k), [k, k]));
    const hp = F.sub(flat, lp);
    const init = Math.min(0.999, Math.max(0.001, o.modulationInit));
    gate = g.param(GATE, [out, 1], Float32Array.from({ length: out }, () => Math.log(init / (1 - init))));
    const m = F.sigmoid(gate);
    const lowGain = g.input(LOW_GAIN, [out, 1]);
    const highGain = g.input(HIGH_GAIN, [out, 1]);
    const perKernel = (t: Tensor) => F.reshape(t, [out, inC * k]);
    const modulated = F.add(F.mul(perKernel(lp), lowGain), F.mul(perKernel(hp), F.mul(m, highGain)));
    return F.reshape(modulated, [out, inC, kh, kw]);
  };
  const { logits } = buildModelGraph(model, g, { batch, training: true, parametrize });
  const labels = g.input('labels', [batch], 'int64');
  const ce = F.crossEntropy(logits, labels);
  let loss = ce;
  const metrics: Record<string, Tensor> = { accuracy: F.accuracy(logits, labels) };
  if (o.control === 'penalty' && o.beta > 0) {
    const { matrix, rows } = highEnergyMatrix(kh, kw, spectrum);
    const projected = F.matmul(F.reshape(firstWeight!, [out * inC, k]), g.constant(transpose(matrix, k, rows), [k, rows]));
    const energy = F.sum(F.square(projected));
    metrics.high_frequency_energy = energy;
    loss = F.add(ce, F.mul(energy, o.beta));
  }
  if (o.control === 'modulation') {
    const meanM = F.mean(F.sigmoid(gate!));
    metrics.mean_modulation = meanM;
    if (o.modulationPenalty > 0) loss = F.add(ce, F.mul(meanM, o.modulationPenalty));
  }

  const rng = createRng(o.seed);
  const stream = classifyStream(train, { batch, rng, normalize: model.meta.normalize });
  const streams: Parameters<typeof fit>[0]['streams'] = { train: stream };
  if (o.control === 'modulation') {
    const noise = createRng(o.seed ^ 0x5bd1e995);
    streams.perturbation = generatedStream({ [LOW_GAIN]: { shape: [out, 1] }, [HIGH_GAIN]: { shape: [out, 1] } }, (_name, values) => {
      for (let i = 0; i < values.length; i++) values[i] = o.perturbation > 0 ? Math.exp(o.perturbation * normalSample(noise)) : 1;
    });
  }
  const stepsPerEpoch = stream.batchesPerEpoch;
  const curveEvery = o.curveEvery ?? Math.max(1, Math.floor(stepsPerEpoch / 20));
  const curve: FrequencyTrainResult['curve'] = [];
  const effective = (params: ReadonlyMap<string, Float32Array> | Record<string, Float32Array>): Float32Array => {
    const get = (n: string) => (params instanceof Map ? params.get(n) : (params as Record<string, Float32Array>)[n])!;
    const w = get(layer.name);
    return o.control === 'modulation' ? modulateKernels(w, layer.shape, Array.from(get(GATE), sigmoid), lowPass) : w;
  };
  const record = (step: number, params: ReadonlyMap<string, Float32Array> | Record<string, Float32Array>): void => {
    const s = kernelSpectra(effective(params), layer.shape, spectrum);
    curve.push({ step, proportion: s.highProportion, meanShare: s.meanHighShare });
    hooks.metric?.('high_frequency_proportion', s.highProportion, step);
    hooks.metric?.('mean_high_frequency_share', s.meanHighShare, step);
  };
  record(0, Object.fromEntries([...g.params].map(([n, p]) => [n, p.initial as Float32Array])));
  const epochHooks: EpochHook[] = [];
  const validation = o.validation && o.validation.count > 0 ? o.validation : undefined;
  if (validation)
    epochHooks.push(async (_epoch, state) => {
      const v = await evaluateClassifier(bakedModel(model, layer, state.params, o.control, lowPass, state.buffers), validation, { batchSize: 256, signal: hooks.signal });
      return { val_accuracy: v.accuracy };
    });
  const fitted = await fit(
    {
      graph: g,
      objectives: [
        {
          name: 'classifier',
          loss,
          params: [...g.params.keys()],
          optimizer: optimizerOf(o),
          schedule: scheduleOf(o.schedule, o.lr, stepsPerEpoch * o.epochs, stepsPerEpoch, o.epochs),
          metrics,
          afterUpdate: (params, step) => {
            if (step % curveEvery === 0) record(step, params);
          },
        },
      ],
      streams,
      epochs: o.epochs,
      compile: { seed: o.seed },
      epochHooks,
    },
    {
      signal: hooks.signal,
      progress: hooks.progress,
      metric: hooks.metric,
      log: hooks.log,
      epochEnd: (e) =>
        hooks.log?.(
          `epoch ${e.epoch}/${o.epochs}: loss ${e.losses.classifier!.toFixed(4)}, accuracy ${(100 * e.metrics.accuracy!).toFixed(2)}%` +
            (e.extra.val_accuracy !== undefined ? `, validation ${(100 * e.extra.val_accuracy).toFixed(2)}%` : '') +
            `, high-frequency proportion ${curve.at(-1)!.proportion.toFixed(3)}`,
        ),
    },
  );
  const steps = fitted.steps;
  if (curve.at(-1)?.step !== steps) record(steps, fitted.state.params);
  const trained = bakedModel(model, layer, fitted.state.params, o.control, lowPass, fitted.state.buffers);
  return {
    model: trained,
    layer,
    curve,
    ...(o.control === 'modulation' && { modulation: Float32Array.from(fitted.state.params[GATE]!, sigmoid) }),
    epochs: fitted.epochs.map((e) => ({ epoch: e.epoch, loss: e.losses.classifier!, accuracy: e.metrics.accuracy!, ...(e.extra.val_accuracy !== undefined && { valAccuracy: e.extra.val_accuracy }), seconds: e.seconds })),
  };
}

/** The model with the trained values; a modulated first layer baked to LP(w) + m HP(w). */
function bakedModel(model: Model, layer: WeightLayer, params: Record<string, Float32Array>, control: FrequencyControl, lowPass: Float32Array, buffers?: Record<string, Float32Array>): Model {
  const own: Record<string, Float32Array> = {};
  for (const name of Object.keys(model.params)) own[name] = params[name] ?? model.params[name]!;
  if (control === 'modulation') own[layer.name] = modulateKernels(params[layer.name]!, layer.shape, Array.from(params[GATE]!, sigmoid), lowPass);
  const ownBuffers: Record<string, Float32Array> = {};
  for (const name of Object.keys(model.buffers)) ownBuffers[name] = buffers?.[name] ?? model.buffers[name]!;
  return { ...model, params: own, buffers: ownBuffers };
}

/** The transpose of a row-major [rows, cols] matrix (rows defaults to cols). */
function transpose(m: Float32Array, cols: number, rows = cols): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

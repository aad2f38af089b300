// DGMS fine-tuning (methods.md section 2) on top of trainClassifier: the chosen layers' weights are
// replaced on the training graph by their soft mixture weights; the raw weights and every mixture
// parameter train together on the task loss; at the end each weight snaps to the mean of its argmax
// component. And the baseline: k-means weight sharing after training, without fine-tuning.
import type { Dataset } from '../data/dataset.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import type { Model } from '../model/model.ts';
import { trainClassifier, type TrainHooks, type TrainOptions } from '../model/train.ts';
import { kmeans1d, sharedValues } from './kmeans.ts';
import {
  hardWeights,
  initMixture,
  isMixtureParam,
  MIN_SIGMA,
  MIN_TAU,
  mixtureFromParams,
  mixtureParamNames,
  softWeightGraph,
  softWeights,
  type Mixture,
  type MixtureInit,
} from './mixture.ts';

export interface DgmsOptions extends Omit<TrainOptions, 'parametrize' | 'groups' | 'frozen' | 'validation' | 'patience'> {
  /** Weight parameter names to quantise. */
  layers: readonly string[];
  /** Mixture components K (2..256), component 0 included. */
  components: number;
  /** Softmax temperature tau of the soft assignment (methods.md section 2, step 4). */
  temperature: number;
  /** Train tau with the other mixture parameters (one tau per layer). */
  learnTemperature: boolean;
  init: MixtureInit;
  /** Learning rate of mu, sigma, pi and tau (the optimizer's schedule scales it like the weights' rate). */
  mixtureLr: number;
  /** Soft and hard accuracy on this set after every epoch (curves only: nothing is selected on it). */
  monitor?: Dataset;
}

export interface DgmsEpoch {
  epoch: number;
  loss: number;
  accuracy: number;
  seconds: number;
  softAccuracy?: number;
  hardAccuracy?: number;
  sparsity: number;
}

export interface DgmsResult {
  /** Hard weights materialised in params; codebooks recorded in compression. */
  model: Model;
  /** The same model with the soft (temperature) weights instead: for the soft accuracy. */
  softModel: Model;
  mixtures: Record<string, Mixture>;
  /** The raw (pre-snapping) weights of each quantised layer after training, for histograms. */
  rawWeights: Record<string, Float32Array>;
  /** The learned (or fixed) tau of each layer. */
  temperatures: Record<string, number>;
  epochs: DgmsEpoch[];
}

export function checkComponents(k: number): void {
  if (!(Number.isInteger(k) && k >= 2 && k <= 256)) throw new RangeError(`components must be an integer in 2..256 (a codebook of one value cannot hold a weight and the zero); got ${k}`);
}

/** Model parameters without the mixture's. */
function modelParams(params: Record<string, Float32Array>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => !isMixtureParam(name)));
}

interface Snapshot {
  mixtures: Record<string, Mixture>;
  temperatures: Record<string, number>;
  hard: Record<string, { values: Float32Array; assignments: Uint16Array }>;
  soft: Record<string, Float32Array>;
}

function snapshot(params: Record<string, Float32Array>, o: DgmsOptions, masks: Model['compression']['masks']): Snapshot {
  const s: Snapshot = { mixtures: {}, temperatures: {}, hard: {}, soft: {} };
  for (const layer of o.layers) {
    const m = mixtureFromParams(params, layer);
    const tau = o.learnTemperature ? params[mixtureParamNames(layer).tau]![0]! : o.temperature;
    s.mixtures[layer] = m;
    s.temperatures[layer] = tau;
    const hard = hardWeights(params[layer]!, m);
    // A pruned weight (mask 0) belongs to the zero component, so the codebook describes the weight as
    // every export writes it (masks baked in).
    const mask = masks[layer];
    if (mask) for (let i = 0; i < mask.length; i++) if (!mask[i]) [hard.assignments[i], hard.values[i]] = [0, 0];
    s.hard[layer] = hard;
    s.soft[layer] = softWeights(params[layer]!, m, tau);
  }
  return s;
}

/** Share of exactly-zero weights over the given layers. */
export function sparsityOf(params: Record<string, Float32Array>, layers: readonly string[]): number {
  let zeros = 0;
  let total = 0;
  for (const name of layers) {
    const w = params[name]!;
    total += w.length;
    for (const v of w) if (v === 0) zeros++;
  }
  return total ? zeros / total : 0;
}

export async function quantizeDgms(model: Model, train: Dataset, o: DgmsOptions, hooks: TrainHooks = {}): Promise<DgmsResult> {
  checkComponents(o.components);
  if (o.layers.length === 0) throw new Error('no layer to quantise');
  const mixtures = new Map<string, Mixture>();
  for (const layer of o.layers) {
    const w = model.params[layer];
    if (!w) throw new Error(`${model.name} has no parameter ${layer}`);
    mixtures.set(layer, initMixture(w, o.components, o.init));
  }
  const tau = { value: o.temperature, learned: o.learnTemperature };
  const withHard = (base: Model, params: Record<string, Float32Array>, buffers: Record<string, Float32Array>, s: Snapshot): Model => ({
    ...base,
    params: { ...modelParams(params), ...Object.fromEntries(Object.entries(s.hard).map(([k, v]) => [k, v.values])) },
    buffers,
  });
  const withSoft = (base: Model, params: Record<string, Float32Array>, buffers: Record<string, Float32Array>, s: Snapshot): Model => ({
    ...base,
    params: { ...modelParams(params), ...s.soft },
    buffers,
  });

  const result = await trainClassifier(
    model,
    train,
    {
      ...o,
      patience: 0,
      // DGMS step 4 (methods.md section 2): each chosen weight is computed from its mixture on the training graph.
      parametrize: (g) => (name, weight) => {
        const m = mixtures.get(name);
        return m ? softWeightGraph(g, name, weight, m, tau) : weight;
      },
      // The mixture has its own rate and no weight decay (decay would pull every mean towards 0).
      groups: [{ match: isMixtureParam, learningRate: o.mixtureLr, weightDecay: 0 }],
    },
    {
      ...hooks,
      afterUpdate: (params, step) => {
        // sigma and tau are scales: kept positive (and away from 0) after each update.
        for (const layer of o.layers) {
          const names = mixtureParamNames(layer);
          const sigma = params.get(names.sigma)!;
          for (let j = 0; j < sigma.length; j++) sigma[j] = Math.max(MIN_SIGMA, Math.abs(sigma[j]!));
          const t = params.get(names.tau);
          if (t) t[0] = Math.max(MIN_TAU, t[0]!);
        }
        hooks.afterUpdate?.(params, step);
      },
      onEpoch: async (epoch, state) => {
        const s = snapshot(state.params, o, model.compression.masks);
        const figures: Record<string, number> = {
          sparsity: sparsityOf(Object.fromEntries(Object.entries(s.hard).map(([k, v]) => [k, v.values])), o.layers),
        };
        if (o.monitor && o.monitor.count > 0) {
          const evalOptions = { batchSize: 256, intraOpThreads: o.intraOpThreads, signal: hooks.signal };
          figures.soft_accuracy = (await evaluateClassifier(withSoft(model, state.params, state.buffers, s), o.monitor, evalOptions)).accuracy;
          figures.hard_accuracy = (await evaluateClassifier(withHard(model, state.params, state.buffers, s), o.monitor, evalOptions)).accuracy;
        }
        return { ...figures, ...((await hooks.onEpoch?.(epoch, state)) ?? {}) };
      },
    },
  );
  const s = snapshot(result.params, o, model.compression.masks);
  // Fine-tuning moved every weight, so an earlier stage's codebooks no longer describe their layers.
  const codebooks: Model['compression']['codebooks'] = {};
  for (const layer of o.layers) codebooks[layer] = { centers: Float32Array.from(s.mixtures[layer]!.mu), assignments: s.hard[layer]!.assignments };
  const compression = { ...model.compression, codebooks };
  return {
    model: { ...withHard(model, result.params, result.buffers, s), compression },
    softModel: withSoft(model, result.params, result.buffers, s),
    mixtures: s.mixtures,
    rawWeights: Object.fromEntries(o.layers.map((l) => [l, result.params[l]!])),
    temperatures: s.temperatures,
    epochs: result.epochs.map((e) => ({
      epoch: e.epoch,
      loss: e.loss,
      accuracy: e.accuracy,
      seconds: e.seconds,
      softAccuracy: e.extra?.soft_accuracy,
      hardAccuracy: e.extra?.hard_accuracy,
      sparsity: e.extra?.sparsity ?? 0,
    })),
  };
}

/**
 * The post-training baseline: each layer's weights replaced by the nearest of K k-means centres (weight
 * sharing as in Deep Compression, Han et al. 2016, without its retraining). No data, no gradient.
 */
export function quantizeKmeansPtq(model: Model, layers: readonly string[], k: number): { model: Model; clusters: Record<string, { centers: Float32Array; counts: Int32Array }> } {
  checkComponents(k);
  const params = { ...model.params };
  const codebooks = { ...model.compression.codebooks };
  const clusters: Record<string, { centers: Float32Array; counts: Int32Array }> = {};
  for (const layer of layers) {
    const w = model.params[layer];
    if (!w) throw new Error(`${model.name} has no parameter ${layer}`);
    const mask = model.compression.masks[layer];
    const c = mask ? maskedClusters(w, mask, k) : kmeans1d(w, k);
    params[layer] = sharedValues(c);
    codebooks[layer] = { centers: c.centers, assignments: c.assignments };
    clusters[layer] = { centers: c.centers, counts: c.counts };
  }
  return { model: { ...model, params, compression: { ...model.compression, codebooks } }, clusters };
}

/** A pruned layer: K - 1 clusters over the kept weights and centre 0 (index 0) for the pruned ones. */
function maskedClusters(w: Float32Array, mask: Uint8Array, k: number): { centers: Float32Array; assignments: Uint16Array; counts: Int32Array } {
  const kept: number[] = [];
  for (let i = 0; i < w.length; i++) if (mask[i]) kept.push(i);
  if (kept.length === 0) return { centers: new Float32Array(1), assignments: new Uint16Array(w.length), counts: Int32Array.of(w.length) };
  const c = kmeans1d(Float32Array.from(kept, (i) => w[i]!), k - 1);
  const assignments = new Uint16Array(w.length);
  kept.forEach((i, j) => (assignments[i] = c.assignments[j]! + 1));
  return { centers: Float32Array.of(0, ...c.centers), assignments, counts: Int32Array.of(w.length - kept.length, ...c.counts) };
}

// The four pruning methods of the pattern pruner, on one machinery: projections, ADMM training through
// trainClassifier's hooks, hard pruning to the model's masks, masked retraining, and (ADMM-NN-S) the
// quantisation phase.
//   pattern    PCONV / PatDNN (arXiv 1909.05073, 2001.07710): 3x3 kernel patterns + connectivity, ADMM
//   pcnn       PCNN (arXiv 2002.04997): 1-D groups of L weights with n non-zeros from P patterns, ADMM
//   admm-nn-s  ADMM-NN-S (arXiv 1907.02124): irregular or structured sparsity, then a +-Mq grid
//   magnitude  one-shot magnitude pruning + retraining (Han et al. 2015), the irregular baseline
import type { Dataset } from '../data/dataset.ts';
import type { Model } from '../model/model.ts';
import { trainClassifier, type EpochRecord, type TrainHooks, type TrainOptions } from '../model/train.ts';
import { Admm, type AdmmConstraint, type AdmmSchedule } from './admm.ts';
import { is3x3Conv, weightLayers, type WeightLayer } from '../model/weight-layers.ts';
import {
  allMasks,
  bestMaskIds,
  extractPatternLibrary,
  frequentMasks,
  groupMaskOf,
  kernelMask,
  keptKernels,
  kernelsKept,
  KERNEL_SIZE,
  randomPatternLibrary,
} from './patterns.ts';
import {
  applyMask,
  globalTopKMasks,
  gridLevels,
  maxLevelFor,
  quantizationStep,
  snapToGrid,
  structuredMask,
  structuredUnits,
  topKMask,
  weightsKept,
  type Structure,
} from './projections.ts';

export const PRUNE_METHODS = ['pattern', 'pcnn', 'admm-nn-s', 'magnitude'] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];

export interface PruneConfig {
  method: PruneMethod;
  /** Which weights: auto (pattern: 3x3 convs; pcnn, magnitude: convs; admm-nn-s: convs and linear). */
  layers: 'auto' | 'conv' | 'conv+linear';
  /** Prune the first weight layer too (it sees the raw image; usually left dense). */
  pruneFirstLayer: boolean;
  /** magnitude, admm-nn-s: the fraction of weights removed. */
  sparsity: number;
  /** magnitude, admm-nn-s: the sparsity per layer, or one budget over all pruned layers. */
  scope: 'layer' | 'global';
  /** magnitude, admm-nn-s with scope layer: the sparsity of named layers, overriding `sparsity` (ADMM-NN sets a rate per layer). */
  layerSparsity?: Readonly<Record<string, number>>;
  /** magnitude, admm-nn-s: irregular weights, or whole GEMM columns / filters. */
  structure: 'irregular' | Structure;
  /** pattern: library size K. */
  patterns: number;
  /** pattern: the K most frequent patterns of the pretrained kernels, or K at random (a baseline). */
  patternLibrary: 'frequent' | 'random';
  /** pattern: fraction of kernels removed per layer (connectivity pruning). */
  connectivity: number;
  /** pattern: the connectivity rate of named layers, overriding `connectivity` (PCONV sets a rate per layer). */
  layerConnectivity?: Readonly<Record<string, number>>;
  /** pcnn: group length L, non-zeros per group n, library size P. */
  groupLength: number;
  nonZeros: number;
  librarySize: number;
  /** admm-nn-s: bits of the quantised values (0: no quantisation). */
  bits: number;
  admmEpochs: number;
  rho: number;
  rhoGrowth: number;
  admmInterval: number;
  /** Optimizer steps between Z/U updates (0: every admmInterval epochs). */
  admmIntervalSteps?: number;
  retrainEpochs: number;
  /** admm-nn-s: ADMM quantisation epochs, then the snapping stages. */
  quantEpochs: number;
  /** The optimiser, batch and seed of every training phase. */
  train: Omit<TrainOptions, 'epochs' | 'validation'>;
}

/** A configuration that cannot work with this model, found before any training; `param` is the one to change. */
export class PruneConfigError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'PruneConfigError';
  }
}

export interface PrunedLayer {
  name: string;
  shape: number[];
  mask: Uint8Array;
  /** pattern / pcnn: library index per kernel or group (kernels removed by connectivity pruning included). */
  patternIds?: Uint16Array;
  /** admm-nn-s with bits: the grid step and the largest level. */
  grid?: { q: number; maxLevel: number };
}

export interface PhaseRecord {
  phase: 'admm' | 'retrain' | 'admm-quant' | 'snap';
  epochs: EpochRecord[];
}

export interface PruneResult {
  /** The pruned model: masks set, pruned weights zero, codebooks for quantised layers. */
  model: Model;
  layers: PrunedLayer[];
  /** All weight layers of the model (pruned or not), for MACs. */
  allLayers: WeightLayer[];
  /** pattern: 9-bit kernel masks; pcnn: L-bit group masks. */
  library?: number[];
  phases: PhaseRecord[];
}

export interface PlannedPrune {
  layers: WeightLayer[];
  allLayers: WeightLayer[];
  library?: number[];
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** What the layer choice reads of a configuration (the node's params have the same fields). */
export type LayerChoice = Pick<PruneConfig, 'method' | 'layers' | 'pruneFirstLayer' | 'groupLength' | 'connectivity' | 'layerConnectivity' | 'layerSparsity'>;

/** The layers the method prunes: the first one only with pruneFirstLayer; then by method and `layers`. */
export function prunedLayersOf(all: readonly WeightLayer[], config: LayerChoice): WeightLayer[] {
  const first = all[0]?.name;
  const pick = all.filter((l) => config.pruneFirstLayer || l.name !== first);
  const method = config.method;
  if (method === 'pattern') return pick.filter(is3x3Conv);
  const scope = config.layers === 'auto' ? (method === 'admm-nn-s' ? 'conv+linear' : 'conv') : config.layers;
  const chosen = pick.filter((l) => scope === 'conv+linear' || l.kind === 'conv');
  if (method === 'pcnn') return chosen.filter((l) => count(l.shape) % config.groupLength === 0);
  return chosen;
}

/**
 * What cannot work for this model's weight layers, each with the param to change; empty when all is
 * well. Needs only the layers' names and shapes, so the node runs it while wiring (on the Model node's
 * layer facts) and planPrune again on the real model.
 */
export function layerChoiceProblems(all: readonly WeightLayer[], modelName: string, config: LayerChoice): { param: string; message: string }[] {
  const layers = prunedLayersOf(all, config);
  const firstNote = config.pruneFirstLayer ? '' : ' (the first weight layer is left dense unless pruneFirstLayer is set)';
  if (layers.length === 0) {
    if (config.method === 'pattern')
      return [{ param: 'method', message: `method pattern prunes 3x3 convolution kernels, and ${modelName} has no 3x3 conv layer to prune${firstNote}; use magnitude, admm-nn-s or pcnn` }];
    if (config.method === 'pcnn')
      return [{ param: 'groupLength', message: `method pcnn splits weights into groups of ${config.groupLength}, and no layer of ${modelName} has a size divisible by ${config.groupLength}${firstNote}` }];
    return [{ param: 'layers', message: `${modelName} has no ${config.layers === 'conv+linear' ? 'conv or linear' : 'conv'} layer to prune${firstNote}` }];
  }
  const rates = config.method === 'pattern' ? { param: 'layerConnectivity', values: config.layerConnectivity } : config.method === 'pcnn' ? undefined : { param: 'layerSparsity', values: config.layerSparsity };
  // Rates per named layer (layerSparsity, layerConnectivity): each name a pruned layer, each rate in [0, 1).
  for (const [name, rate] of Object.entries(rates?.values ?? {})) {
    if (!layers.some((l) => l.name === name))
      return [{ param: rates!.param, message: `${rates!.param} names ${name}, which is not a pruned layer of ${modelName} (pruned: ${layers.map((l) => l.name).join(', ')})` }];
    if (!(rate >= 0 && rate < 1)) return [{ param: rates!.param, message: `${rates!.param} ${name}: ${rate} must be at least 0 and below 1` }];
  }
  if (config.method === 'pattern')
    for (const l of layers) {
      const kernels = l.shape[0]! * l.shape[1]!;
      const rate = config.layerConnectivity?.[l.name] ?? config.connectivity;
      if (kernelsKept(kernels, rate) < 1)
        return [{ param: config.layerConnectivity?.[l.name] === undefined ? 'connectivity' : 'layerConnectivity', message: `connectivity ${rate} removes all ${kernels} kernels of ${l.name}; use a lower rate` }];
    }
  return [];
}

/**
 * Checks the configuration against the model and decides the layers and the library, all before any
 * training, so a bad setting fails at once with the param to change.
 */
export function planPrune(model: Model, config: PruneConfig): PlannedPrune {
  if (model.meta.task !== 'classify') throw new PruneConfigError(`${model.name} is an ${model.meta.task} model; the pattern pruner retrains classifiers`, 'method');
  const allLayers = weightLayers(model);
  const problem = layerChoiceProblems(allLayers, model.name, config)[0];
  if (problem) throw new PruneConfigError(problem.message, problem.param);
  const layers = prunedLayersOf(allLayers, config);
  const weights = layers.map((l) => model.params[l.name]!);
  if (config.method === 'pattern') {
    const library = config.patternLibrary === 'random' ? randomPatternLibrary(config.patterns, config.train.seed) : extractPatternLibrary(weights, config.patterns);
    return { layers, allLayers, library };
  }
  if (config.method === 'pcnn') {
    if (config.nonZeros >= config.groupLength)
      throw new PruneConfigError(`pcnn keeps ${config.nonZeros} of every ${config.groupLength} weights, which prunes nothing; use fewer non-zeros than the group length`, 'nonZeros');
    const candidates = allMasks(config.groupLength, config.nonZeros);
    if (config.librarySize > candidates.length)
      throw new PruneConfigError(`only ${candidates.length} patterns keep ${config.nonZeros} of ${config.groupLength} positions; the library cannot hold ${config.librarySize}`, 'librarySize');
    return { layers, allLayers, library: frequentMasks(weights, config.groupLength, config.nonZeros, config.librarySize, 0, candidates) };
  }
  // magnitude / admm-nn-s: the sparsity must leave every layer something.
  if (config.sparsity >= 1) throw new PruneConfigError(`sparsity ${config.sparsity} removes every weight; it must be below 1`, 'sparsity');
  if (Object.keys(config.layerSparsity ?? {}).length > 0 && config.scope === 'global' && config.structure === 'irregular')
    throw new PruneConfigError('layerSparsity sets rates per layer, and scope global spreads one budget over all layers; use scope layer', 'layerSparsity');
  const masks = sparsityMasks(new Map(layers.map((l) => [l.name, model.params[l.name]!])), layers, config);
  for (const l of layers) {
    if (!masks.get(l.name)!.some((v) => v === 1)) {
      const what = config.structure === 'irregular' ? `${count(l.shape)} weights` : `${structuredUnits(l.shape, config.structure)} ${config.structure}`;
      throw new PruneConfigError(`sparsity ${config.sparsity}${config.scope === 'global' ? ' (global)' : ''} leaves ${l.name} (${what}) empty; use a lower sparsity${config.scope === 'global' ? ' or per-layer scope' : ''}`, 'sparsity');
    }
  }
  return { layers, allLayers };
}

const connectivityOf = (config: PruneConfig, name: string): number => config.layerConnectivity?.[name] ?? config.connectivity;

/** ADMM-NN-S pruning projection (and magnitude pruning's masks): top-|w| per layer or global, or top-norm columns / filters. */
function sparsityMasks(values: ReadonlyMap<string, Float32Array>, layers: readonly WeightLayer[], config: PruneConfig): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const rate = (name: string): number => config.layerSparsity?.[name] ?? config.sparsity;
  if (config.structure !== 'irregular') {
    for (const l of layers) {
      const units = structuredUnits(l.shape, config.structure);
      out.set(l.name, structuredMask(values.get(l.name)!, l.shape, config.structure, weightsKept(units, rate(l.name))));
    }
    return out;
  }
  if (config.scope === 'global') {
    const total = layers.reduce((n, l) => n + count(l.shape), 0);
    const masks = globalTopKMasks(
      layers.map((l) => values.get(l.name)!),
      weightsKept(total, config.sparsity),
    );
    layers.forEach((l, i) => out.set(l.name, masks[i]!));
    return out;
  }
  for (const l of layers) out.set(l.name, topKMask(values.get(l.name)!, weightsKept(count(l.shape), rate(l.name))));
  return out;
}

/** The method's masks (and pattern ids) for the current weights: the projection used for hard pruning. */
function methodMasks(values: ReadonlyMap<string, Float32Array>, plan: PlannedPrune, config: PruneConfig): Map<string, { mask: Uint8Array; patternIds?: Uint16Array }> {
  const out = new Map<string, { mask: Uint8Array; patternIds?: Uint16Array }>();
  if (config.method === 'pattern' || config.method === 'pcnn') {
    const length = config.method === 'pattern' ? KERNEL_SIZE : config.groupLength;
    for (const l of plan.layers) {
      const w = values.get(l.name)!;
      const patternIds = bestMaskIds(w, length, plan.library!);
      let mask = groupMaskOf(length, plan.library!, patternIds, w.length);
      const rate = connectivityOf(config, l.name);
      if (config.method === 'pattern' && rate > 0) {
        // PCONV: remove the kernels of least L2 norm among the pattern-pruned ones.
        const kept = keptKernels(applyMask(w, mask), KERNEL_SIZE, kernelsKept(w.length / KERNEL_SIZE, rate));
        const conn = kernelMask(kept, KERNEL_SIZE);
        mask = mask.map((m, i) => m & conn[i]!);
      }
      out.set(l.name, { mask, patternIds });
    }
    return out;
  }
  for (const [name, mask] of sparsityMasks(values, plan.layers, config)) out.set(name, { mask });
  return out;
}

/** The method's ADMM constraints (PCONV: pattern and connectivity sets; PCNN: SPM set; ADMM-NN-S: sparsity set). */
function admmConstraints(plan: PlannedPrune, config: PruneConfig): AdmmConstraint[] {
  const names = plan.layers.map((l) => l.name);
  const perLayer = (name: string, f: (w: Float32Array, layer: WeightLayer) => Uint8Array, only = plan.layers): AdmmConstraint => ({
    name,
    layers: only.map((l) => l.name),
    project: (values) => new Map(only.map((l) => [l.name, applyMask(values.get(l.name)!, f(values.get(l.name)!, l))])),
  });
  if (config.method === 'pattern') {
    const constraints = [perLayer('pattern', (w) => groupMaskOf(KERNEL_SIZE, plan.library!, bestMaskIds(w, KERNEL_SIZE, plan.library!), w.length))];
    const connected = plan.layers.filter((l) => connectivityOf(config, l.name) > 0);
    if (connected.length > 0)
      constraints.push(
        perLayer('connectivity', (w, l) => kernelMask(keptKernels(w, KERNEL_SIZE, kernelsKept(w.length / KERNEL_SIZE, connectivityOf(config, l.name))), KERNEL_SIZE), connected),
      );
    return constraints;
  }
  if (config.method === 'pcnn') return [perLayer('spm', (w) => groupMaskOf(config.groupLength, plan.library!, bestMaskIds(w, config.groupLength, plan.library!), w.length))];
  return [
    {
      name: 'sparsity',
      layers: names,
      project: (values) => {
        const masks = sparsityMasks(values, plan.layers, config);
        return new Map(plan.layers.map((l) => [l.name, applyMask(values.get(l.name)!, masks.get(l.name)!)]));
      },
    },
  ];
}

export interface PruneHooks {
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
  metric?: (name: string, value: number, step: number) => void;
  log?: (message: string) => void;
}

/** A masked model: masks recorded, pruned weights set to zero, so every graph and export agrees. */
export function withMasks(model: Model, masks: ReadonlyMap<string, Uint8Array>): Model {
  const params = { ...model.params };
  const all = { ...model.compression.masks };
  for (const [name, mask] of masks) {
    params[name] = applyMask(params[name]!, mask);
    all[name] = mask;
  }
  return { ...model, params, compression: { ...model.compression, masks: all } };
}

/** ADMM-NN-S section 3.3: fractions of the kept weights snapped and frozen before each retraining stage. */
const SNAP_STAGES = [0.5, 0.75, 0.9];

/** Epochs the configuration trains in all, for progress. */
function phaseEpochs(config: PruneConfig): number {
  const admm = config.method === 'magnitude' ? 0 : config.admmEpochs;
  const quant = config.method === 'admm-nn-s' && config.bits > 0 ? config.quantEpochs + SNAP_STAGES.length : 0;
  return admm + config.retrainEpochs + quant;
}

/**
 * Runs the method on a trained classifier: ADMM (except magnitude), hard pruning, masked retraining and,
 * for admm-nn-s with bits > 0, ADMM quantisation and progressive snapping. Throws PruneConfigError before
 * training when the configuration cannot work.
 */
export async function pruneModel(model: Model, train: Dataset, config: PruneConfig, hooks: PruneHooks = {}, planned?: PlannedPrune): Promise<PruneResult> {
  const plan = planned ?? planPrune(model, config);
  const total = Math.max(1, phaseEpochs(config));
  const phases: PhaseRecord[] = [];
  let epochsDone = 0;
  let stepsDone = 0;

  // One training phase: curves continue across phases (loss by step, the rest by epoch).
  const phase = async (name: PhaseRecord['phase'], start: Model, epochs: number, extra: Pick<TrainHooks, 'beforeUpdate' | 'afterUpdate' | 'onEpoch'> = {}): Promise<Model> => {
    if (epochs <= 0) return start;
    const offsetEpochs = epochsDone;
    const offsetSteps = stepsDone;
    const r = await trainClassifier(start, train, { ...config.train, epochs }, {
      ...extra,
      signal: hooks.signal,
      log: hooks.log && ((m) => hooks.log!(`${name}: ${m}`)),
      metric: hooks.metric && ((n, v, s) => hooks.metric!(n, v, n === 'loss' ? s + offsetSteps : s + offsetEpochs)),
      progress: hooks.progress && ((f, m) => hooks.progress!(Math.min(1, (offsetEpochs + f * epochs) / total), `${name}: ${m}`)),
    });
    epochsDone += epochs;
    stepsDone += r.steps;
    phases.push({ phase: name, epochs: r.epochs });
    return { ...start, params: r.params, buffers: r.buffers };
  };

  let current = model;
  if (config.method !== 'magnitude' && config.admmEpochs > 0) {
    const admm = new Admm(current.params, admmConstraints(plan, config), admmSchedule(config));
    current = await phase('admm', current, config.admmEpochs, admm.hooks());
  }
  const values = new Map(plan.layers.map((l) => [l.name, current.params[l.name]!]));
  const hard = methodMasks(values, plan, config);
  current = withMasks(current, new Map([...hard].map(([k, v]) => [k, v.mask])));
  current = await phase('retrain', current, config.retrainEpochs);

  const layers: PrunedLayer[] = plan.layers.map((l) => ({ name: l.name, shape: l.shape, mask: hard.get(l.name)!.mask, patternIds: hard.get(l.name)!.patternIds }));
  if (config.method === 'admm-nn-s' && config.bits > 0) current = await quantize(current, layers, config, phase);
  return { model: current, layers, allLayers: plan.allLayers, library: plan.library, phases };
}

type Phase = (name: PhaseRecord['phase'], start: Model, epochs: number, extra?: Pick<TrainHooks, 'beforeUpdate' | 'afterUpdate' | 'onEpoch'>) => Promise<Model>;

const admmSchedule = (config: PruneConfig): AdmmSchedule => ({ rho: config.rho, growth: config.rhoGrowth, interval: config.admmInterval, intervalSteps: config.admmIntervalSteps ?? 0 });

/**
 * ADMM-NN-S quantisation: q per layer by a scan, ADMM towards the grid on the kept weights, then
 * progressive snapping (the weights closest to their level are snapped and frozen, the others retrain),
 * and a final snap of all. Records the grid as codebooks (centres k*q for k = -M..M, 0 for pruned).
 */
async function quantize(start: Model, layers: PrunedLayer[], config: PruneConfig, phase: Phase): Promise<Model> {
  const maxLevel = maxLevelFor(config.bits);
  // q is stored as float32 with the weights, so the grid is built on the float32 value.
  for (const l of layers) l.grid = { q: Math.fround(quantizationStep(start.params[l.name]!, maxLevel, l.mask)), maxLevel };
  const grid: AdmmConstraint = {
    name: 'grid',
    layers: layers.map((l) => l.name),
    project: (values) => new Map(layers.map((l) => [l.name, snapToGrid(values.get(l.name)!, l.grid!.q, maxLevel, l.mask)])),
  };
  let current = start;
  if (config.quantEpochs > 0) {
    const admm = new Admm(current.params, [grid], admmSchedule(config));
    current = await phase('admm-quant', current, config.quantEpochs, admm.hooks());
  }
  for (const fraction of SNAP_STAGES) {
    const frozen = new Map<string, Uint8Array>();
    const params = { ...current.params };
    for (const l of layers) {
      const w = params[l.name]!;
      const snapped = snapToGrid(w, l.grid!.q, maxLevel, l.mask);
      const kept: number[] = [];
      for (let i = 0; i < w.length; i++) if (l.mask[i]) kept.push(i);
      kept.sort((a, b) => Math.abs(w[a]! - snapped[a]!) - Math.abs(w[b]! - snapped[b]!) || a - b);
      const f = new Uint8Array(w.length);
      const next = w.slice();
      for (const i of kept.slice(0, Math.round(fraction * kept.length))) {
        f[i] = 1;
        next[i] = snapped[i]!;
      }
      frozen.set(l.name, f);
      params[l.name] = next;
    }
    current = await phase('snap', { ...current, params }, 1, {
      // Frozen weights get no gradient, so a fresh optimiser leaves them exactly on their level.
      beforeUpdate: (_p, grads) => {
        for (const [name, f] of frozen) {
          const g = grads.get(name);
          if (g) for (let i = 0; i < g.length; i++) if (f[i]) g[i] = 0;
        }
      },
    });
  }
  const params = { ...current.params };
  const codebooks = { ...current.compression.codebooks };
  for (const l of layers) {
    const { q } = l.grid!;
    params[l.name] = snapToGrid(params[l.name]!, q, maxLevel, l.mask);
    const levels = gridLevels(params[l.name]!, q, maxLevel, l.mask);
    codebooks[l.name] = {
      centers: Float32Array.from({ length: 2 * maxLevel + 1 }, (_, k) => (k - maxLevel) * q),
      assignments: Uint16Array.from(levels, (k) => k + maxLevel),
    };
  }
  return { ...current, params, compression: { ...current.compression, codebooks } };
}

// The pattern pruner: pattern + connectivity pruning (PCONV), PCNN's 1-D pattern groups, ADMM-NN-S joint
// pruning and quantisation, and magnitude pruning as the irregular baseline, on one machinery
// (projections, ADMM, hard pruning to masks, masked retraining). Reports accuracy in and out, sparsity,
// storage in each format with index bytes counted, and MACs left.
import { z } from 'zod';
import { encodePng } from '../../src/compute/image/codec';
import { renderBarChart } from '../../src/compute/image/bar-chart';
import { renderKeptKernels } from '../../src/compute/image/kept-kernels-heatmap';
import { renderPatternHistogram } from '../../src/compute/image/pattern-histogram';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { dataMismatch, withStage, type Model } from '../../src/compute/model/model';
import { NonFiniteLossError } from '../../src/compute/model/train';
import { remainingMacs } from '../../src/compute/model/weight-layers';
import { layerChoiceProblems, planPrune, PruneConfigError, pruneModel, PRUNE_METHODS, type PruneConfig, type PruneResult } from '../../src/compute/prune/prune-model';
import { measureStorage, type FormatName, type StorageSummary } from '../../src/compute/prune/storage-report';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataIssues } from '../../src/shared/port-facts';
import { seedParam, trainingParams } from '../../src/shared/training-params';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';

// Which methods read which params; the inspector hides the rest. Magnitude pruning has no ADMM phase.
const onlyFor = (...methods: (typeof PRUNE_METHODS)[number][]) => ({ method: methods });
const sparsityMethods = onlyFor('magnitude', 'admm-nn-s');
const admmMethods = onlyFor('pattern', 'pcnn', 'admm-nn-s');

export const patternPrunerParams = z.object({
  method: z
    .enum(PRUNE_METHODS)
    .default('pattern')
    .meta({ help: 'pattern: 3x3 kernel patterns + connectivity (PCONV). pcnn: 1-D groups with a Sparsity Pattern Mask. admm-nn-s: ADMM pruning then quantisation. magnitude: one-shot magnitude pruning (baseline).' }),
  layers: z
    .enum(['auto', 'conv', 'conv+linear'])
    .default('auto')
    .meta({ help: 'Weights to prune. auto: 3x3 convs for pattern, convs for pcnn and magnitude, convs and linear layers for admm-nn-s.' }),
  pruneFirstLayer: z.boolean().default(false).meta({ help: 'Prune the first weight layer too (it reads the raw image and holds few weights; left dense by default).' }),
  sparsity: z.number().min(0).max(1).default(0.9).meta({ help: 'Fraction of the weights (or columns / filters) removed.', appliesWhen: sparsityMethods }),
  // Structured pruning (columns, filters) always takes the sparsity per layer.
  scope: z
    .enum(['layer', 'global'])
    .default('layer')
    .meta({ help: 'The sparsity in every layer, or one budget over all pruned layers.', appliesWhen: { ...sparsityMethods, structure: ['irregular'] } }),
  layerSparsity: z
    .record(z.string(), z.number().min(0).max(0.999))
    .default({})
    .meta({ help: 'The sparsity of named layers (for example {"fc1.weight": 0.97}), overriding sparsity for them; not with scope global.', appliesWhen: sparsityMethods }),
  structure: z.enum(['irregular', 'columns', 'filters']).default('irregular').meta({ help: 'Remove single weights, whole GEMM columns, or whole filters.', appliesWhen: sparsityMethods }),
  patterns: z.number().int().min(4).max(12).default(8).meta({ help: 'Library size K (patterns of 4 of 9 entries, centre kept).', appliesWhen: onlyFor('pattern') }),
  patternLibrary: z.enum(['frequent', 'random']).default('frequent').meta({ help: 'The K most frequent patterns of the trained kernels, or K at random (a baseline).', appliesWhen: onlyFor('pattern') }),
  connectivity: z.number().min(0).max(0.99).default(0).meta({ help: 'Fraction of kernels (input -> output channel links) removed per layer.', appliesWhen: onlyFor('pattern') }),
  layerConnectivity: z
    .record(z.string(), z.number().min(0).max(0.99))
    .default({})
    .meta({ help: 'The connectivity rate of named layers (for example {"features.conv5.weight": 0.85}), overriding connectivity for them.', appliesWhen: onlyFor('pattern') }),
  groupLength: z.number().int().min(2).max(16).default(9).meta({ help: 'Group length L (9: one 3x3 kernel).', unit: 'weights', appliesWhen: onlyFor('pcnn') }),
  nonZeros: z.number().int().min(1).max(15).default(3).meta({ help: 'Non-zeros n kept in every group.', unit: 'weights', appliesWhen: onlyFor('pcnn') }),
  librarySize: z.number().int().min(2).max(64).default(16).meta({ help: 'Patterns P in the Sparsity Pattern Mask library (ceil(log2 P) index bits per group).', appliesWhen: onlyFor('pcnn') }),
  bits: z.number().int().min(0).max(8).default(4).meta({ help: 'Bits per kept weight after quantisation to +-q..+-Mq, M = 2^(bits-1) - 1. 0: no quantisation.', unit: 'bits', appliesWhen: onlyFor('admm-nn-s') }),
  admmEpochs: z.number().int().min(0).max(200).default(2).meta({ help: 'ADMM training epochs before hard pruning.', unit: 'epochs', appliesWhen: admmMethods }),
  rho: z.number().positive().max(10).default(0.01).meta({ help: 'ADMM penalty at the start (ADMM-NN-S: 1e-3; 0.01 measured best here with Adam and Z/U every 150 steps).', appliesWhen: admmMethods }),
  rhoGrowth: z.number().min(1).max(10).default(1.3).meta({ help: 'Factor on rho at each Z/U update.', appliesWhen: admmMethods }),
  admmInterval: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(1)
    .meta({ help: 'Epochs between ADMM Z/U updates.', unit: 'epochs', appliesWhen: { ...admmMethods, admmIntervalSteps: [0] } }),
  admmIntervalSteps: z
    .number()
    .int()
    .min(0)
    .max(100000)
    .default(150)
    .meta({ help: 'Optimizer steps between ADMM Z/U updates (rho grows at each); 0: every admmInterval epochs.', unit: 'steps', appliesWhen: admmMethods }),
  retrainEpochs: z.number().int().min(0).max(200).default(4).meta({ help: 'Masked retraining epochs after hard pruning.', unit: 'epochs' }),
  quantEpochs: z.number().int().min(0).max(200).default(1).meta({ help: 'ADMM quantisation epochs (then three one-epoch snapping stages).', unit: 'epochs', appliesWhen: onlyFor('admm-nn-s') }),
  ...trainingParams({
    pick: ['batchSize', 'optimizer', 'lr', 'schedule'],
    optimizers: ['sgd', 'adam'],
    schedules: ['constant', 'cosine'],
    defaults: { schedule: 'cosine' },
    help: {
      optimizer: 'Optimiser of every training phase (sgd with momentum 0.9).',
      lr: 'Peak learning rate of every training phase.',
      schedule: 'Learning-rate schedule, restarted in each phase (ADMM, retraining, quantisation).',
    },
  }),
  seed: seedParam('Seed of the data order and of a random pattern library.'),
});
type Params = z.infer<typeof patternPrunerParams>;

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

export function pruneConfigOf(p: Params): PruneConfig {
  return {
    ...p,
    train: { batchSize: p.batchSize, optimizer: p.optimizer, lr: p.lr, momentum: 0.9, weightDecay: 0, schedule: p.schedule, augmentation: 'none', patience: 0, seed: p.seed },
  };
}

/** The format a method's masks are built for: structured pruning stores kept filters / columns whole. */
function methodFormatOf(p: Pick<Params, 'method' | 'structure'>): FormatName {
  if (p.method === 'pattern') return 'pattern';
  if (p.method === 'pcnn') return 'spm';
  return p.structure === 'irregular' ? 'csr' : 'units';
}

/** The size, sparsity and storage figures of a pruned model (shared by the node and the benchmark). */
export function pruneFigures(result: PruneResult, p: Pick<Params, 'method' | 'groupLength' | 'structure'>): { values: Record<string, number>; storage: StorageSummary; perLayer: Table } {
  const masks = result.model.compression.masks;
  const storage = measureStorage({ weights: result.model.params, layers: result.layers, methodFormat: methodFormatOf(p), library: result.library, groupLength: p.groupLength, unitAxis: p.structure === 'filters' ? 'rows' : 'columns' });
  const kept = (mask: Uint8Array) => mask.reduce((n, v) => n + v, 0);
  const weights = result.layers.reduce((n, l) => n + l.mask.length, 0);
  const keptWeights = result.layers.reduce((n, l) => n + kept(l.mask), 0);
  const reduction = (kind?: 'conv') => {
    const ls = result.allLayers.filter((l) => !kind || l.kind === kind);
    const all = ls.reduce((n, l) => n + result.model.params[l.name]!.length, 0);
    const left = ls.reduce((n, l) => n + (masks[l.name] ? kept(masks[l.name]!) : result.model.params[l.name]!.length), 0);
    return all / Math.max(1, left);
  };
  const method = storage.totals[storage.methodFormat]!;
  const values: Record<string, number> = {
    pruned_weights: weights,
    kept_weights: keptWeights,
    sparsity: round(1 - keptWeights / weights),
    weight_reduction: round(reduction(), 3),
    conv_weight_reduction: round(reduction('conv'), 3),
    compression: round(storage.denseFloatBytes / Math.max(1, method.values), 3),
    compression_with_index: round(storage.denseFloatBytes / Math.max(1, method.total), 3),
    macs: result.allLayers.reduce((n, l) => n + l.macs, 0),
    macs_remaining: Math.round(remainingMacs(result.allLayers, masks)),
  };
  for (const [format, bytes] of Object.entries(storage.totals)) {
    values[`bytes_${format}`] = bytes.total;
    if (format !== 'dense') values[`bytes_${format}_index`] = bytes.index;
  }
  const formats = Object.keys(storage.totals) as FormatName[];
  const perLayer: Table = {
    title: 'Per layer (bytes: total incl. index)',
    columns: ['layer', 'shape', 'weights', 'kept', 'sparsity', 'kernels kept', ...formats.map((f) => `${f} bytes`)],
    rows: result.layers.map((l, i) => {
      const k = l.shape.length === 4 ? l.shape[2]! * l.shape[3]! : 0;
      let kernels: number | null = null;
      if (k > 0) {
        kernels = 0;
        for (let j = 0; j < l.mask.length; j += k) if (l.mask.subarray(j, j + k).some((v) => v === 1)) kernels++;
      }
      const n = kept(l.mask);
      return [l.name, l.shape.join('x'), l.mask.length, n, round(1 - n / l.mask.length), kernels, ...formats.map((f) => storage.layers[i]!.formats[f]!.total)];
    }),
  };
  return { values, storage, perLayer };
}

/** How many kept kernels / groups use each library pattern. */
function patternCounts(result: PruneResult, length: number): number[] {
  const counts = new Array<number>(result.library!.length).fill(0);
  for (const l of result.layers) {
    l.patternIds!.forEach((id, g) => {
      if (l.mask.subarray(g * length, (g + 1) * length).some((v) => v === 1)) counts[id]!++;
    });
  }
  return counts;
}

export default defineNode({
  type: 'condense.prune.pattern',
  version: 1,
  title: 'Pattern pruner',
  category: 'Compress',
  description:
    'Prunes a trained classifier with 3x3 kernel patterns + connectivity (PCONV), PCNN 1-D pattern groups, ADMM-NN-S pruning + quantisation, or magnitude pruning; ADMM training, then masked retraining. Reports storage with index bytes.',
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'The trained classifier to prune.' },
    train: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Images for ADMM training and masked retraining.' },
    test: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Images for accuracy before and after.' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'The pruned (admm-nn-s: and quantised) model; masks and codebooks in its compression state, this stage in its lineage.' },
    metrics: {
      type: 'Metrics',
      description:
        'accuracy_in, accuracy, sparsity, weight_reduction, compression (values only) and compression_with_index, bytes per format, macs and macs_remaining; per-layer and storage tables.',
    },
    report: { type: 'Report', description: 'Pattern histogram, kept-kernels heatmap, the storage table.' },
  },
  params: patternPrunerParams,
  // Before the run: the classifier, the data, and whether these params have layers of this model to prune.
  infer: (p, inputs) => {
    const issues: NonNullable<InferResult['issues']> = [...classifierIssues(inputs.model, 'the pattern pruner'), ...modelDataIssues(inputs, ['train', 'test'])];
    const layers = inputs.model?.weightLayers;
    if (layers) issues.push(...layerChoiceProblems(layers, inputs.model?.modelName ?? 'the model', p));
    return { outputs: { model: inputs.model ?? {} }, issues };
  },
  async execute(ctx) {
    const { model, train, test } = ctx.inputs;
    const p = ctx.params;
    for (const [port, data] of [['train', train], ['test', test]] as const) {
      const problem = dataMismatch(model, data);
      if (problem) throw new NodeError(problem, { port });
      if (data.count === 0) throw new NodeError(`${data.name} is empty`, { port });
    }
    const config = pruneConfigOf(p);
    const started = performance.now();
    let plan;
    try {
      plan = planPrune(model, config);
    } catch (e) {
      if (e instanceof PruneConfigError) throw new NodeError(e.message, { param: e.param });
      throw e;
    }
    // The model reads data as the train set is normalised, as the trainer does.
    const start: Model = { ...model, meta: { ...model.meta, normalize: { mean: [...train.normalize.mean], std: [...train.normalize.std] } } };
    ctx.progress(0, 'evaluating the input model');
    const before = await evaluateClassifier(start, test, { signal: ctx.signal });
    let result: PruneResult;
    try {
      result = await pruneModel(
        start,
        train,
        config,
        {
          signal: ctx.signal,
          progress: (f, m) => ctx.progress(0.02 + 0.93 * f, m),
          metric: (n, v, s) => ctx.metric(n, v, s),
          log: (m) => ctx.log(m),
        },
        plan,
      );
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
      throw e;
    }
    ctx.progress(0.96, 'evaluating the pruned model');
    const after = await evaluateClassifier(result.model, test, { signal: ctx.signal });
    const { values: figures, storage, perLayer } = pruneFigures(result, p);
    const values: Record<string, number> = {
      accuracy_in: round(before.accuracy),
      accuracy: round(after.accuracy),
      accuracy_drop: round(before.accuracy - after.accuracy),
      ...figures,
      seconds: round((performance.now() - started) / 1000, 1),
    };
    const storageTable: Table = {
      title: `Storage of the pruned layers (dense float32: ${storage.denseFloatBytes} bytes)`,
      columns: ['format', 'value bytes', 'index bytes', 'total bytes', 'compression (with index)'],
      rows: Object.entries(storage.totals).map(([format, b]) => [format, b.values, b.index, b.total, round(storage.denseFloatBytes / Math.max(1, b.total), 3)]),
    };
    const images: ArtifactRef[] = [];
    const tables: Table[] = [storageTable, perLayer];
    if (result.library && (p.method === 'pattern' || p.method === 'pcnn')) {
      const length = p.method === 'pattern' ? 9 : p.groupLength;
      const counts = patternCounts(result, length);
      const chart = p.method === 'pattern' ? renderPatternHistogram(result.library, counts) : renderBarChart(counts);
      images.push(await ctx.artifacts.write('pattern-histogram.png', encodePng(chart), 'image/png'));
      values.patterns_used = counts.filter((c) => c > 0).length;
      tables.push({
        title: p.method === 'pattern' ? 'Pattern histogram (mask bits, bit r*3+c from the right = kept)' : 'Sparsity Pattern Mask histogram (mask bits, bit i from the right = kept)',
        columns: ['id', 'mask', 'kept kernels or groups'],
        rows: result.library.map((m, i) => [i, m.toString(2).padStart(length, '0'), counts[i]!]),
      });
    }
    const convs = result.layers.filter((l) => l.shape.length === 4);
    if (convs.length > 0) images.push(await ctx.artifacts.write('kept-kernels.png', encodePng(renderKeptKernels(convs)), 'image/png'));
    const phases: Table = {
      title: 'Training phases',
      columns: ['phase', 'epoch', 'loss', 'accuracy', 'seconds'],
      rows: result.phases.flatMap((ph) => ph.epochs.map((e) => [ph.phase, e.epoch, round(e.loss), round(e.accuracy), round(e.seconds, 2)])),
    };
    tables.push(phases);
    const pruned = withStage(result.model, { node: 'condense.prune.pattern', params: { ...stageParamsOf(p), train: train.name }, metrics: values });
    const summary = `${p.method}: accuracy ${(100 * before.accuracy).toFixed(2)}% -> ${(100 * after.accuracy).toFixed(2)}%, sparsity ${(100 * values.sparsity!).toFixed(1)}% of ${values.pruned_weights} weights, compression ${values.compression}x (${values.compression_with_index}x with index bytes, ${storage.methodFormat} format).`;
    ctx.log(summary);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables };
    const report: Report = { kind: 'report', title: `Pattern pruner (${p.method}): ${model.name}`, images, tables, text: summary };
    return { model: pruned, metrics, report };
  },
});

/** The params that matter for the chosen method, for the lineage. */
function stageParamsOf(p: Params): Record<string, string | number | boolean> {
  // Rates per layer go in as JSON text, and only when set.
  const perLayer = (name: string, rates: Record<string, number>) => (Object.keys(rates).length > 0 ? { [name]: JSON.stringify(rates) } : {});
  const common = { method: p.method, admmEpochs: p.admmEpochs, retrainEpochs: p.retrainEpochs, lr: p.lr, schedule: p.schedule, seed: p.seed };
  switch (p.method) {
    case 'pattern':
      return { ...common, patterns: p.patterns, patternLibrary: p.patternLibrary, connectivity: p.connectivity, ...perLayer('layerConnectivity', p.layerConnectivity) };
    case 'pcnn':
      return { ...common, groupLength: p.groupLength, nonZeros: p.nonZeros, librarySize: p.librarySize };
    case 'admm-nn-s':
      return { ...common, sparsity: p.sparsity, scope: p.scope, structure: p.structure, bits: p.bits, quantEpochs: p.quantEpochs, ...perLayer('layerSparsity', p.layerSparsity) };
    case 'magnitude':
      return { ...common, sparsity: p.sparsity, scope: p.scope, structure: p.structure, ...perLayer('layerSparsity', p.layerSparsity) };
  }
}

// The GM quantizer: differentiable Gaussian-mixture weight sharing (DGMS, Dong et al. 2022, arXiv
// 2112.15139; methods.md section 2). Fine-tunes a trained classifier with each chosen layer's weights
// computed from a K-component mixture, then snaps every weight to its component's mean: at most K values
// per layer, component 0 pinned at 0 (pruning). Beside it, k-means post-training quantisation (no
// fine-tuning) as the baseline. Reports accuracy (fp32 in, soft, hard), sparsity, bits, compression, and
// the real bytes of the compact weight file and of the indices + codebook ONNX file.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { subsetDataset } from '../../src/compute/data/transforms';
import { encodePng } from '../../src/compute/image/codec';
import { renderMixtureHistogram } from '../../src/compute/image/mixture-histogram';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { exportOnnx } from '../../src/compute/model/export';
import { dataMismatch, withStage, type Model } from '../../src/compute/model/model';
import { NonFiniteLossError } from '../../src/compute/model/train';
import { checkComponents, quantizeDgms, quantizeKmeansPtq, sparsityOf } from '../../src/compute/quantize/dgms';
import { weightLayers, type WeightLayer } from '../../src/compute/model/weight-layers';
import { describeLayers, LAYER_SELECTIONS, selectLayers } from '../../src/compute/quantize/layers';
import type { Mixture } from '../../src/compute/quantize/mixture';
import { exportCodebookOnnx } from '../../src/compute/quantize/onnx-export';
import { codebookBytes, encodeSharedWeights } from '../../src/compute/quantize/storage';
import { bitsFor } from '../../src/compute/storage/bits';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataIssues } from '../../src/shared/port-facts';
import { seedParam, trainingParams } from '../../src/shared/training-params';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';

// Every param that only the fine-tuning uses says so: the inspector hides them for kmeans-ptq.
const dgmsOnly = { method: ['dgms'] } as const;

export const gmQuantizerParams = z.object({
  method: z
    .enum(['dgms', 'kmeans-ptq'])
    .default('dgms')
    .meta({ help: 'dgms: fine-tune with the Gaussian-mixture weights, then snap. kmeans-ptq: k-means weight sharing of the trained weights, no fine-tuning (the baseline).' }),
  components: z.number().int().min(2).max(256).default(16).meta({ help: 'K, codebook entries per layer (component 0 is the zero); indices take ceil(log2 K) bits.' }),
  temperature: z.number().positive().max(10).default(0.01).meta({ help: 'tau of the soft assignment softmax(r / tau); smaller is closer to the hard weights.', appliesWhen: dgmsOnly }),
  learnTemperature: z.boolean().default(false).meta({ help: 'Train tau with the mixture (one per layer).', appliesWhen: dgmsOnly }),
  layers: z
    .enum(LAYER_SELECTIONS)
    .default('inner-convs')
    .meta({ help: 'inner-convs: every conv but the first and last (DGMS). all-convs. convs+linear. list: the names in layerNames.' }),
  layerNames: z.string().default('').meta({ help: 'Comma-separated weight names (features.conv1.weight, ...).', appliesWhen: { layers: ['list'] } }),
  init: z
    .enum(['kmeans', 'empirical'])
    .default('kmeans')
    .meta({ help: 'kmeans: mu, pi and sigma from k-means clusters. empirical: the same mu and pi, every sigma the layer std / K.', appliesWhen: dgmsOnly }),
  ...trainingParams({
    defaults: { epochs: 2, lr: 1e-4, schedule: 'cosine' },
    help: {
      epochs: 'Fine-tuning passes over the train set.',
      optimizer: 'Optimizer of the weights and the mixture: sgd (with momentum), adam, or adamw (decoupled weight decay).',
      lr: 'Peak learning rate of the weights.',
      weightDecay: 'Weight decay of the weights (never of the mixture).',
    },
    appliesWhen: dgmsOnly,
  }),
  mixtureLr: z.number().positive().max(10).default(1e-3).meta({ help: 'Peak learning rate of mu, sigma, pi (and tau).', appliesWhen: dgmsOnly }),
  monitorCount: z
    .number()
    .int()
    .min(0)
    .max(100000)
    .default(1000)
    .meta({ help: 'Test images on which soft and hard accuracy are measured after every epoch (curves only). 0: none.', unit: 'images', appliesWhen: dgmsOnly }),
  seed: seedParam('Seed of the data order.', dgmsOnly),
});
type Params = z.infer<typeof gmQuantizerParams>;

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
const HISTOGRAMS = 8;

/**
 * The layers the params pick from a model's weight layers, or what is wrong and which param to change.
 * Pure, so it runs both before the run (on the Model node's layer facts) and in it (on the real model).
 */
export function layerChoice(all: WeightLayer[], modelName: string, p: Pick<Params, 'layers' | 'layerNames'>): { layers: WeightLayer[] } | { problem: string; param: 'layers' | 'layerNames' } {
  const names = p.layerNames.split(',').map((s) => s.trim()).filter(Boolean);
  if (p.layers === 'list' && names.length === 0) return { problem: `layers is "list" but layerNames is empty; ${modelName}'s layers: ${describeLayers(all)}`, param: 'layerNames' };
  let chosen: WeightLayer[];
  try {
    chosen = selectLayers(all, p.layers, names);
  } catch (e) {
    return { problem: (e as Error).message, param: 'layerNames' };
  }
  if (chosen.length === 0) {
    const convs = all.filter((l) => l.kind === 'conv').length;
    return {
      problem:
        `no layer to quantise: layers "${p.layers}" picks none of ${modelName}'s weight layers (${convs} conv${convs === 1 ? '' : 's'}; ${describeLayers(all) || 'none'}). ` +
        (p.layers === 'inner-convs' ? 'inner-convs skips the first and last conv; choose all-convs, convs+linear or a list.' : ''),
      param: 'layers',
    };
  }
  return { layers: chosen };
}

/** The layers the params pick, or a NodeError naming the param and the model's layers. */
function chosenLayers(model: Model, p: Params): WeightLayer[] {
  const choice = layerChoice(weightLayers(model), model.name, p);
  if ('problem' in choice) throw new NodeError(choice.problem, { param: choice.param });
  return choice.layers;
}

/** The figures of a quantised model, per layer and over all quantised layers (methods.md section 2, step 6). */
function sizeFigures(model: Model, layers: readonly string[], k: number): { values: Record<string, number>; table: Table } {
  const bits = bitsFor(k);
  const rows: Table['rows'] = [];
  let weights = 0;
  let fp32 = 0;
  let compact = 0;
  for (const name of layers) {
    const w = model.params[name]!;
    const zeros = w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
    const bytes = codebookBytes(w.length, k);
    weights += w.length;
    fp32 += 4 * w.length;
    compact += bytes;
    rows.push([name, w.length, new Set(w).size, round(zeros / w.length), bits, 4 * w.length, bytes, round((4 * w.length) / bytes, 2)]);
  }
  const sparsity = sparsityOf(model.params, layers);
  return {
    values: {
      sparsity: round(sparsity),
      bits,
      // DGMS step 6: 32 / ((1 - s) b), the paper's figure (zeros need no index in a sparse format).
      compression_ratio: round(32 / ((1 - sparsity) * bits), 2),
      quantized_layers: layers.length,
      quantized_weights: weights,
      layer_fp32_bytes: fp32,
      layer_compact_bytes: compact,
      layer_compact_ratio: round(fp32 / compact, 2),
    },
    table: {
      title: 'Quantised layers',
      columns: ['layer', 'weights', 'distinct values', 'sparsity', 'bits', 'fp32 bytes', 'compact bytes', 'ratio'],
      rows,
    },
  };
}

export default defineNode({
  type: 'condense.quantize.gm',
  version: 1,
  title: 'GM quantizer',
  category: 'Compress',
  description:
    'Differentiable Gaussian-mixture weight sharing (DGMS): fine-tunes with each layer\'s weights drawn to K learned centres (one pinned at 0), then snaps them: at most K values per layer. Or k-means post-training quantisation as the baseline.',
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'A trained classifier.' },
    train: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Fine-tuning images (dgms; kmeans-ptq uses no data).' },
    test: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Images for the fp32, soft and hard accuracy.' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'The quantised model: hard weights in its parameters, codebooks in its compression state, this stage in its lineage.' },
    metrics: {
      type: 'Metrics',
      description:
        'fp32_accuracy, accuracy (hard), soft_accuracy, soft_hard_gap, sparsity, bits, compression_ratio, layer_fp32_bytes, layer_compact_bytes, compact_file_bytes, onnx_fp32_bytes, onnx_codebook_bytes; per-layer and per-epoch tables.',
    },
    report: { type: 'Report', description: 'Per-layer weight histograms with the mixture components and the codebook, and the tables.' },
  },
  params: gmQuantizerParams,
  // What the execute checks before training that the facts can answer: the classifier, the data, and the
  // layers the params pick from the Model node's layers (K is the schema's to check).
  infer: (p, inputs) => {
    const issues: NonNullable<InferResult['issues']> = [...classifierIssues(inputs.model, 'the GM quantizer'), ...modelDataIssues(inputs, ['train', 'test'])];
    const layers = inputs.model?.weightLayers;
    if (layers) {
      const choice = layerChoice(layers, inputs.model?.modelName ?? 'the model', p);
      if ('problem' in choice) issues.push({ param: choice.param, message: choice.problem });
    }
    return { outputs: { model: inputs.model ?? {} }, issues };
  },
  async execute(ctx) {
    const { model, train, test } = ctx.inputs;
    const p = ctx.params;
    const started = performance.now();
    // Every check before any training: K, the data, the layers.
    try {
      checkComponents(p.components);
    } catch (e) {
      throw new NodeError((e as Error).message, { param: 'components' });
    }
    if (model.meta.task !== 'classify') throw new NodeError(`${model.name} is an ${model.meta.task} model; the GM quantizer fine-tunes classifiers`, { port: 'model' });
    for (const [port, data] of [['train', train], ['test', test]] as const) {
      const problem = dataMismatch(model, data);
      if (problem) throw new NodeError(problem, { port });
      if (data.count === 0 && (port === 'test' || p.method === 'dgms')) throw new NodeError(`${data.name} is empty`, { port });
    }
    const layers = chosenLayers(model, p).map((l) => l.name);
    ctx.log(`quantising ${layers.length} layers with K = ${p.components}: ${layers.join(', ')}`);

    ctx.progress(0, 'fp32 accuracy');
    const evalOptions = { batchSize: 256, signal: ctx.signal };
    const fp32Accuracy = (await evaluateClassifier(model, test, evalOptions)).accuracy;

    let quantized: Model;
    let softAccuracy: number | undefined;
    let mixtures: Record<string, Mixture> | undefined;
    let histogramWeights: Record<string, Float32Array> = {};
    const tables: Table[] = [];
    const values: Record<string, number> = {};
    if (p.method === 'dgms') {
      const monitor: Dataset | undefined = p.monitorCount > 0 ? subsetDataset(test, Array.from({ length: Math.min(p.monitorCount, test.count) }, (_, i) => i)) : undefined;
      let r;
      try {
        r = await quantizeDgms(
          model,
          train,
          {
            layers,
            components: p.components,
            temperature: p.temperature,
            learnTemperature: p.learnTemperature,
            init: p.init,
            mixtureLr: p.mixtureLr,
            epochs: p.epochs,
            batchSize: p.batchSize,
            optimizer: p.optimizer,
            lr: p.lr,
            momentum: p.momentum,
            weightDecay: p.weightDecay,
            schedule: p.schedule,
            augmentation: 'none',
            seed: p.seed,
            monitor,
          },
          {
            signal: ctx.signal,
            progress: (fraction, message) => ctx.progress(0.05 + 0.8 * fraction, message),
            metric: (name, value, step) => ctx.metric(name, value, step),
            log: (message) => ctx.log(message),
          },
        );
      } catch (e) {
        if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
        throw e;
      }
      quantized = r.model;
      mixtures = r.mixtures;
      histogramWeights = r.rawWeights;
      ctx.progress(0.87, 'soft accuracy');
      softAccuracy = (await evaluateClassifier(r.softModel, test, evalOptions)).accuracy;
      tables.push({
        title: 'Per epoch (soft and hard accuracy on the monitor images)',
        columns: ['epoch', 'loss', 'train accuracy (soft)', 'soft accuracy', 'hard accuracy', 'sparsity', 'seconds'],
        rows: r.epochs.map((e) => [e.epoch, round(e.loss), round(e.accuracy), e.softAccuracy === undefined ? null : round(e.softAccuracy), e.hardAccuracy === undefined ? null : round(e.hardAccuracy), round(e.sparsity), round(e.seconds, 2)]),
      });
      if (p.learnTemperature) tables.push({ title: 'Learned temperature', columns: ['layer', 'tau'], rows: Object.entries(r.temperatures).map(([l, t]) => [l, round(t, 6)]) });
    } else {
      ctx.progress(0.1, 'k-means');
      const r = quantizeKmeansPtq(model, layers, p.components);
      quantized = r.model;
      histogramWeights = Object.fromEntries(layers.map((l) => [l, model.params[l]!]));
    }

    ctx.progress(0.9, 'hard accuracy');
    const accuracy = (await evaluateClassifier(quantized, test, evalOptions)).accuracy;
    const sizes = sizeFigures(quantized, layers, p.components);
    const compactFile = encodeSharedWeights(quantized);
    const codebookOnnx = exportCodebookOnnx(quantized, { foldBatchNorm: true });
    const fp32Onnx = exportOnnx(model, { foldBatchNorm: true });
    Object.assign(values, {
      fp32_accuracy: round(fp32Accuracy),
      accuracy: round(accuracy),
      accuracy_drop: round(fp32Accuracy - accuracy),
      ...(softAccuracy !== undefined && { soft_accuracy: round(softAccuracy), soft_hard_gap: round(softAccuracy - accuracy) }),
      components: p.components,
      ...sizes.values,
      compact_file_bytes: compactFile.byteLength,
      onnx_fp32_bytes: fp32Onnx.byteLength,
      onnx_codebook_bytes: codebookOnnx.byteLength,
      seconds: round((performance.now() - started) / 1000, 2),
    });
    tables.unshift(sizes.table);

    const files: ArtifactRef[] = [
      await ctx.artifacts.write('weights.cgmw', compactFile, 'application/octet-stream'),
      await ctx.artifacts.write('model-codebook.onnx', codebookOnnx, 'application/onnx'),
    ];
    tables.push({ title: 'Files', columns: ['file', 'bytes', 'sha256'], rows: [...files.map((f) => [f.name, f.bytes, f.sha256]), ['fp32 ONNX (for comparison)', fp32Onnx.byteLength, null]] });
    const images: ArtifactRef[] = [];
    for (const layer of layers.slice(0, HISTOGRAMS)) {
      const book = quantized.compression.codebooks[layer]!;
      // k-means has no mixture: its clusters are drawn as components of their own spread.
      const mixture = mixtures?.[layer] ?? clusterMixture(histogramWeights[layer]!, book);
      const png = encodePng(renderMixtureHistogram(histogramWeights[layer]!, mixture, { codebook: book.centers, zeroComponent: mixtures !== undefined }));
      images.push(await ctx.artifacts.write(`histogram-${layer}.png`, png, 'image/png'));
    }
    const stage = withStage(quantized, {
      node: 'condense.quantize.gm',
      params: { method: p.method, components: p.components, layers: p.layers, ...(p.method === 'dgms' && { epochs: p.epochs, temperature: p.temperature, lr: p.lr, mixtureLr: p.mixtureLr }), train: train.name },
      metrics: values,
    });
    const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).map(([k, v]) => [k, v]) };
    const method = p.method === 'dgms' ? `DGMS fine-tuning (${p.epochs} epochs)` : 'k-means post-training quantisation';
    ctx.log(`${method}, K = ${p.components}: accuracy ${(100 * accuracy).toFixed(2)}% (fp32 ${(100 * fp32Accuracy).toFixed(2)}%), sparsity ${(100 * sizes.values.sparsity!).toFixed(1)}%`);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables };
    const report: Report = {
        kind: 'report',
        title: `GM quantizer: ${model.name}, K = ${p.components}`,
        images,
        tables: [summary, ...tables],
        text:
          `${method} of ${layers.length} layers at K = ${p.components} (${sizes.values.bits} bits): hard accuracy ${(100 * accuracy).toFixed(2)}% against ${(100 * fp32Accuracy).toFixed(2)}% in fp32` +
          (softAccuracy !== undefined ? `, soft ${(100 * softAccuracy).toFixed(2)}%` : '') +
          `. Histograms: the layer's weights before snapping (grey), each mixture component (component 0, the zero, in red), the codebook as ticks under the axis.` +
          `\nweights.cgmw: codebooks + ${sizes.values.bits}-bit indices (${compactFile.byteLength} bytes); model-codebook.onnx: uint8 indices + codebook with Gather (${codebookOnnx.byteLength} bytes, fp32 ONNX ${fp32Onnx.byteLength}).`,
    };
    return { model: stage, metrics, report };
  },
});

/** k-means clusters drawn as a mixture: each centre with its share of weights and the spread around it. */
function clusterMixture(weights: Float32Array, book: { centers: Float32Array; assignments: Uint16Array }): Mixture {
  const k = book.centers.length;
  const counts = new Float64Array(k);
  const squares = new Float64Array(k);
  for (let i = 0; i < weights.length; i++) {
    const a = book.assignments[i]!;
    counts[a]!++;
    squares[a]! += (weights[i]! - book.centers[a]!) ** 2;
  }
  return {
    mu: Float32Array.from(book.centers),
    sigma: Float32Array.from(counts, (c, j) => Math.max(1e-6, Math.sqrt(squares[j]! / Math.max(1, c)))),
    pi: Float32Array.from(counts, (c) => c / weights.length),
  };
}

// The Evaluate node: how good, how big (parameters, non-zero parameters, bytes, MACs) and how fast
// (onnxruntime latency) a model is on a test set. How good depends on the task: accuracy, per-class
// accuracy, confusion and loss for a classifier; PSNR, SSIM and per-band Haar DWT error for an
// image-to-image generator. A model that predicts after every glimpse (MGNet) also gets its accuracy and
// cost per glimpse count, early exit at a confidence threshold, the glimpse boxes' IoU with the objects and
// a picture of where it looked.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { GraphBuilder } from '../../src/compute/graph/graph-builder';
import { encodePng } from '../../src/compute/image/codec';
import { renderGlimpseView } from '../../src/compute/image/glimpse-view';
import { renderSampleGrid } from '../../src/compute/image/grid';
import { renderLineChart } from '../../src/compute/image/series-charts';
import { renderConfusion } from '../../src/compute/model/confusion-image';
import { evaluateClassifier, evaluateImageToImage } from '../../src/compute/model/evaluate';
import { countMacs, exportOnnx } from '../../src/compute/model/export';
import { evaluateGlimpses, glimpseCosts, glimpseCountOf } from '../../src/compute/model/glimpse-evaluate';
import { maxHaarLevels } from '../../src/compute/model/image-metrics';
import { measureLatency } from '../../src/compute/model/latency';
import { buildModelGraph, dataMismatch, nonZeroParameterCount, parameterCount, type Model } from '../../src/compute/model/model';
import { defineNode, NodeError, type ExecuteContext, type Ports } from '../../src/shared/node-sdk';
import { modelDataMismatch } from '../../src/shared/port-facts';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

const params = z.object({
  batchSize: z.number().int().min(1).max(4096).default(256).meta({ help: 'Images per evaluation batch (does not change the results).', unit: 'images' }),
  dwtLevels: z.number().int().min(1).max(8).default(3).meta({ help: 'Image-to-image: Haar DWT levels of the per-band error (fewer when the images are too small).' }),
  latency: z.boolean().default(true).meta({ help: 'Measure onnxruntime inference latency of the exported model.' }),
  latencyBatch: z.number().int().min(1).max(1024).default(64).meta({ help: 'The larger batch size latency is measured at (besides 1).', unit: 'images' }),
  latencyRuns: z.number().int().min(1).max(1000).default(20).meta({ help: 'Timed runs per batch size; the median is reported.' }),
  exitConfidence: z
    .number()
    .min(0)
    .max(1)
    .default(0.9)
    .meta({ help: 'Multi-glimpse models: early exit stops at the first glimpse whose largest softmax probability reaches this (0: always after one glimpse).' }),
  glimpseSamples: z.number().int().min(0).max(32).default(6).meta({ help: 'Multi-glimpse models: images in the glimpse view (0: none).', unit: 'images' }),
});
type Params = z.infer<typeof params>;

/** Size and speed, the same for every task. */
async function costMetrics(ctx: { signal: AbortSignal; progress: (f: number, m?: string) => void }, model: Model, p: Params): Promise<Record<string, number>> {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false });
  const onnx = exportOnnx(model);
  const values: Record<string, number> = {
    parameters: parameterCount(model),
    nonzero_parameters: nonZeroParameterCount(model),
    macs: countMacs(g),
    bytes: Object.values(model.params).reduce((n, a) => n + a.byteLength, 0) + Object.values(model.buffers).reduce((n, a) => n + a.byteLength, 0),
    onnx_bytes: onnx.byteLength,
  };
  if (p.latency) {
    ctx.progress(0.75, 'measuring latency');
    const batches = p.latencyBatch === 1 ? [1] : [1, p.latencyBatch];
    const ms = await measureLatency(onnx, model.meta.inputShape, batches, p.latencyRuns, { signal: ctx.signal });
    values.latency_ms_b1 = round(ms[1]!, 3);
    if (p.latencyBatch !== 1) values[`latency_ms_b${p.latencyBatch}`] = round(ms[p.latencyBatch]!, 3);
  }
  return values;
}

type Ctx = Pick<ExecuteContext<Ports, Params>, 'signal' | 'progress' | 'log' | 'artifacts'>;

async function evaluateClassification(ctx: Ctx, model: Model, test: Dataset, p: Params): Promise<{ metrics: Metrics; report: Report }> {
  const ev = await evaluateClassifier(model, test, {
    batchSize: p.batchSize,
    signal: ctx.signal,
    onBatch: (done, total) => ctx.progress((0.7 * done) / total, `batch ${done}/${total}`),
  });
  const values: Record<string, number> = { accuracy: round(ev.accuracy), loss: round(ev.loss), count: ev.count, ...(await costMetrics(ctx, model, p)) };
  const classes = model.meta.classes;
  const perClass: Table = {
    title: 'Per-class accuracy',
    columns: ['label', 'class', 'count', 'accuracy'],
    rows: ev.confusion.map((row, i) => [i, classes[i] ?? String(i), row.reduce((a, b) => a + b, 0), Number.isNaN(ev.perClass[i]!) ? null : round(ev.perClass[i]!)]),
  };
  const confusion: Table = {
    title: 'Confusion matrix (rows: true class, columns: predicted)',
    columns: ['true \\ predicted', ...classes],
    rows: ev.confusion.map((row, i) => [classes[i] ?? String(i), ...row]),
  };
  const images = [await ctx.artifacts.write('confusion.png', encodePng(renderConfusion(ev.confusion)), 'image/png')];
  const glimpses = glimpseCountOf(model);
  const glimpse = glimpses > 0 ? await evaluateGlimpseModel(ctx, model, test, p, glimpses) : undefined;
  if (glimpse) {
    Object.assign(values, glimpse.values);
    images.push(...glimpse.images);
  }
  const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).map(([k, v]) => [k, v]) };
  ctx.log(`${model.name} on ${test.name}: accuracy ${(100 * ev.accuracy).toFixed(2)}%, loss ${ev.loss.toFixed(4)}`);
  return {
    metrics: { kind: 'metrics', values, tables: [perClass, confusion, ...(glimpse?.tables ?? [])] },
    report: {
      kind: 'report',
      title: `Evaluate: ${model.name} on ${test.name}`,
      images,
      tables: [summary, ...(glimpse?.tables ?? []), perClass, confusion],
      text: [
        `${model.name} on ${test.name} (${ev.count} images): accuracy ${(100 * ev.accuracy).toFixed(2)}%, mean cross-entropy ${ev.loss.toFixed(4)}.`,
        ...(glimpse ? [glimpse.text] : []),
        `Stages: ${model.meta.lineage.map((s) => s.node).join(' -> ') || 'none'}`,
      ].join('\n'),
    },
  };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/**
 * The per-glimpse part of the evaluation (MGNet, methods.md 8): accuracy and cost after each glimpse
 * count, early exit, box IoU where the test set records the objects' boxes, and the glimpse view.
 */
async function evaluateGlimpseModel(
  ctx: Ctx,
  model: Model,
  test: Dataset,
  p: Params,
  glimpses: number,
): Promise<{ values: Record<string, number>; tables: Table[]; images: ArtifactRef[]; text: string }> {
  ctx.progress(0.7, 'evaluating glimpses');
  const ev = await evaluateGlimpses(model, test, { batchSize: p.batchSize, signal: ctx.signal, exitConfidence: p.exitConfidence, samples: p.glimpseSamples });
  const costs = glimpseCosts(model, glimpses);
  const values: Record<string, number> = {};
  ev.accuracyAfter.forEach((a, t) => (values[`accuracy_glimpse_${t + 1}`] = round(a)));
  values.backbone_macs_per_glimpse = costs.backbonePerGlimpse[0]!;
  costs.backboneAfter.forEach((m, t) => (values[`backbone_macs_glimpse_${t + 1}`] = m));
  const exitMacs = (after: number[]) => Array.from(ev.exit.used).reduce((s, k) => s + after[k - 1]!, 0) / Math.max(1, ev.count);
  Object.assign(values, {
    exit_confidence: p.exitConfidence,
    exit_accuracy: round(ev.exit.accuracy),
    exit_glimpses: round(ev.exit.meanGlimpses, 3),
    exit_macs: Math.round(exitMacs(costs.macsAfter)),
    exit_backbone_macs: Math.round(exitMacs(costs.backboneAfter)),
  });
  if (ev.iouAfter) values.glimpse_iou = round(ev.iouAfter[glimpses - 1]!);
  const perGlimpse: Table = {
    title: 'After each glimpse count (backbone MACs: this glimpse and all so far; model MACs: the whole model stopping there)',
    columns: ['glimpses', 'accuracy', 'backbone MACs (this glimpse)', 'backbone MACs (cumulative)', 'model MACs', 'early exits here', ...(ev.iouAfter ? ['mean IoU with object'] : [])],
    rows: ev.accuracyAfter.map((a, t) => [
      t + 1,
      round(a),
      costs.backbonePerGlimpse[t]!,
      costs.backboneAfter[t]!,
      costs.macsAfter[t]!,
      ev.exit.exits[t]!,
      ...(ev.iouAfter ? [round(ev.iouAfter[t]!)] : []),
    ]),
  };
  const exit: Table = {
    title: `Early exit at max softmax >= ${p.exitConfidence}`,
    columns: ['accuracy', 'mean glimpses', 'mean model MACs', 'mean backbone MACs', `accuracy with all ${glimpses}`, `model MACs with all ${glimpses}`],
    rows: [[round(ev.exit.accuracy), round(ev.exit.meanGlimpses, 3), values.exit_macs!, values.exit_backbone_macs!, round(ev.accuracyAfter[glimpses - 1]!), costs.macsAfter[glimpses - 1]!]],
  };
  const images: ArtifactRef[] = [];
  if (glimpses > 1)
    images.push(
      await ctx.artifacts.write(
        'glimpse-accuracy.png',
        encodePng(renderLineChart([{ name: 'accuracy (%)', values: ev.accuracyAfter.map((a) => 100 * a) }], 'accuracy after each glimpse', `glimpses 1 .. ${glimpses}`)),
        'image/png',
      ),
    );
  const shown = Math.min(p.glimpseSamples, test.count);
  if (shown > 0) {
    const size = test.shape[0] * test.shape[1] * test.shape[2];
    const view = renderGlimpseView({
      images: test.pixels.subarray(0, shown * size),
      shape: test.shape,
      count: shown,
      glimpses,
      glimpsePixels: ev.samplePixels,
      glimpseShape: ev.glimpseShape,
      boxes: ev.boxes.subarray(0, shown * glimpses * 4),
      ...(test.boxes && { objectBoxes: test.boxes.subarray(0, shown * 4) }),
    });
    images.push(await ctx.artifacts.write('glimpses.png', encodePng(view), 'image/png'));
  }
  // Box IoU needs the objects' boxes, which only a Dataset placed on a canvas records: without them the
  // rest of the evaluation still holds, so this is a note, not an error.
  const noBoxes = `no box IoU: ${test.name} records no object boxes (turn on placeOnCanvas in its Dataset node)`;
  if (!ev.iouAfter) ctx.log(noBoxes, 'warn');
  const text = [
    `Accuracy after 1..${glimpses} glimpses: ${ev.accuracyAfter.map(pct).join(', ')}; the backbone costs ${costs.backbonePerGlimpse[0]!} MACs per glimpse (${costs.backboneAfter[glimpses - 1]!} for all ${glimpses}).`,
    `Early exit at confidence ${p.exitConfidence}: accuracy ${pct(ev.exit.accuracy)} with ${ev.exit.meanGlimpses.toFixed(2)} glimpses and ${values.exit_macs} model MACs on average (all ${glimpses}: ${costs.macsAfter[glimpses - 1]!}).`,
    ev.iouAfter ? `Mean IoU of the last glimpse's box with the object's box: ${ev.iouAfter[glimpses - 1]!.toFixed(3)}.` : `${noBoxes}.`,
    ...(shown > 0 ? [`glimpses.png: ${shown} test images with glimpse t's box in colour t (numbered; the object's box in grey), and the glimpses beside them.`] : []),
  ].join('\n');
  return { values, tables: [perGlimpse, exit], images, text };
}

const SAMPLES = 8;

async function evaluateGenerator(ctx: Ctx, model: Model, test: Dataset, p: Params): Promise<{ metrics: Metrics; report: Report }> {
  const [, h, w] = test.targetShape!;
  const levels = Math.min(p.dwtLevels, maxHaarLevels(h, w));
  if (levels < p.dwtLevels) ctx.log(`${h}x${w} images allow ${levels} Haar levels; measuring ${levels}`, 'warn');
  const ev = await evaluateImageToImage(model, test, {
    batchSize: p.batchSize,
    dwtLevels: levels,
    samples: SAMPLES,
    signal: ctx.signal,
    onBatch: (done, total) => ctx.progress((0.7 * done) / total, `batch ${done}/${total}`),
  });
  const values: Record<string, number> = { psnr: round(ev.psnr, 3), ssim: round(ev.ssim), mse: round(ev.mse, 6), l1: round(ev.l1, 6), count: ev.count };
  for (const d of ev.dwt) for (const band of ['lh', 'hl', 'hh'] as const) values[`dwt_l${d.level}_${band}`] = round(d[band], 6);
  Object.assign(values, await costMetrics(ctx, model, p));
  const bands: Table = {
    title: 'Haar DWT error per band (MSE of coefficients, images in [0, 1]; level 1 is the finest)',
    columns: ['level', 'LH', 'HL', 'HH', 'LL'],
    rows: ev.dwt.map((d) => [d.level, round(d.lh, 6), round(d.hl, 6), round(d.hh, 6), round(d.ll, 6)]),
  };
  // Outputs on the top row, their targets below.
  const shown: Dataset = { ...test, count: Math.min(SAMPLES, test.count), shape: test.targetShape!, pixels: ev.outputs };
  const image = await ctx.artifacts.write('samples.png', encodePng(renderSampleGrid(shown, { perClass: SAMPLES })), 'image/png');
  const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).map(([k, v]) => [k, v]) };
  ctx.log(`${model.name} on ${test.name}: PSNR ${ev.psnr.toFixed(2)} dB, SSIM ${ev.ssim.toFixed(4)}`);
  return {
    metrics: { kind: 'metrics', values, tables: [bands] },
    report: {
      kind: 'report',
      title: `Evaluate: ${model.name} on ${test.name}`,
      images: [image],
      tables: [summary, bands],
      text: `${model.name} on ${test.name} (${ev.count} pairs): PSNR ${ev.psnr.toFixed(2)} dB, SSIM ${ev.ssim.toFixed(4)}, L1 ${ev.l1.toFixed(4)} (images in [0, 1]). samples.png: outputs (top) and targets (bottom).\nStages: ${model.meta.lineage.map((s) => s.node).join(' -> ') || 'none'}`,
    },
  };
}

export default defineNode({
  type: 'condense.eval.model',
  version: 1,
  title: 'Evaluate',
  category: 'Evaluate',
  description:
    'Classifiers: accuracy, per-class accuracy, confusion matrix and loss. Image-to-image generators: PSNR, SSIM and per-band DWT error on a paired test set. Both: parameters, MACs, bytes; onnxruntime latency.',
  inputs: {
    // No task constraint: classifiers and image-to-image generators are both evaluated; the model and the
    // test set must agree, which dataMismatch checks when the node runs.
    model: { type: 'Model', required: true, description: 'The classifier or image-to-image generator to evaluate.' },
    test: { type: 'Dataset', required: true, description: 'Test images (a paired dataset for a generator), read with the model normalisation.' },
  },
  outputs: {
    metrics: {
      type: 'Metrics',
      description:
        'Classifier: accuracy, loss, per-class and confusion tables; multi-glimpse models also accuracy_glimpse_<t>, backbone_macs_per_glimpse, backbone_macs_glimpse_<t>, exit_accuracy, exit_glimpses, exit_macs, exit_backbone_macs, glimpse_iou. Generator: psnr, ssim, mse, l1, dwt_l<level>_<band>. Both: parameters, nonzero_parameters, macs, bytes, latency_ms_b1, latency_ms_bN.',
    },
    report: {
      type: 'Report',
      description: 'Confusion matrix image (classifier; multi-glimpse models add accuracy per glimpse and the glimpse view) or output/target samples (generator), and the tables.',
    },
  },
  params,
  infer: (_params, inputs) => {
    const message = modelDataMismatch(inputs.model, inputs.test);
    const issues = message ? [{ port: 'test', message }] : [];
    if (inputs.model?.task === 'discriminator')
      issues.push({ port: 'model', message: `${inputs.model.modelName ?? 'this model'} is a discriminator; Evaluate measures classifiers and image-to-image generators` });
    return { issues };
  },
  async execute(ctx) {
    const { model, test } = ctx.inputs;
    const p = ctx.params;
    if (model.meta.task === 'discriminator') throw new NodeError(`${model.name} is a discriminator; Evaluate measures classifiers and image-to-image generators`, { port: 'model' });
    const problem = dataMismatch(model, test);
    if (problem) throw new NodeError(problem, { port: 'test' });
    if (test.count === 0) throw new NodeError(`${test.name} is empty`, { port: 'test' });
    ctx.progress(0, 'evaluating');
    const result = model.meta.task === 'image-to-image' ? await evaluateGenerator(ctx, model, test, p) : await evaluateClassification(ctx, model, test, p);
    ctx.progress(1, 'done');
    return result;
  },
});

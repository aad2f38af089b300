// The calibrator node: domain adaptation by calibrating the input of a frozen classifier (Ye et al.
// 2019, arXiv 1911.12796; methods.md section 7). Trains a small generator that adds a bounded
// perturbation to every input so that the unchanged source classifier recovers its accuracy on the
// target domain, beside the two baselines in the same budget: no adaptation and AdaBN. Outputs
// calibrator + classifier as one model (one ONNX graph), the figures and a Report.
import { z } from 'zod';
import { adaptBatchNorm } from '../../src/compute/adapt/adabn';
import {
  CALIBRATOR_DEFAULTS,
  CalibratedEvaluator,
  CLASSIFIER_MODES,
  calibratorConfigProblems,
  combinedModel,
  inferenceMacs,
  trainCalibrator,
  type CalibratorConfig,
  type CalibratorTraining,
} from '../../src/compute/adapt/calibrator';
import { CALIBRATOR_PERTURBATIONS } from '../../src/compute/adapt/calibrator-net';
import { GROUPS } from '../../src/compute/adapt/discriminators';
import type { Dataset } from '../../src/compute/data/dataset';
import { subsetDataset } from '../../src/compute/data/transforms';
import { sideBySide } from '../../src/compute/image/accuracy-matrix';
import { drawText } from '../../src/compute/image/bitmap-font';
import { encodePng } from '../../src/compute/image/codec';
import { renderImageColumns } from '../../src/compute/image/image-columns';
import { makeImage } from '../../src/compute/image/image';
import { renderGroupedBars, renderLineChart } from '../../src/compute/image/series-charts';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { exportOnnx } from '../../src/compute/model/export';
import { measureLatency } from '../../src/compute/model/latency';
import { dataMismatch, withStage, type Model } from '../../src/compute/model/model';
import { NonFiniteLossError } from '../../src/compute/train/fit';
import { defineNode, NodeError, type InferResult, type PortFacts } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataMismatch } from '../../src/shared/port-facts';
import { seedParam } from '../../src/shared/training-params';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';

const d = CALIBRATOR_DEFAULTS;

export const calibratorParams = z.object({
  classifierMode: z
    .enum(CLASSIFIER_MODES)
    .default('eval')
    .meta({
      help: "eval: the classifier's batch norm keeps its source statistics (the paper). train: it normalises with batch statistics during calibration and its running statistics follow the batches (the authors' code); the adapted statistics go into the output model.",
    }),
  eps: z.number().gt(0).max(2).default(d.eps).meta({ help: 'L-inf bound of the perturbation in the [-1, 1] pixel scale (0.4 MNIST->USPS, 0.9 USPS->MNIST in the paper). Must be in (0, 2].' }),
  perturbation: z
    .enum(CALIBRATOR_PERTURBATIONS)
    .default(d.perturbation)
    .meta({
      help: "signed: p = eps tanh(.), in [-eps, eps], starting at 0 so the calibrator begins as the identity. paper: p = clamp((tanh + 1) / 2, 0, eps) as the paper and the authors' code write it, which starts near eps on every pixel and can only brighten (it lowers source accuracy with the classifier in eval mode).",
    }),
  width: z.number().int().min(1).max(64).default(d.width).meta({ help: "Calibrator channels in its first layer (4-8 in the paper); the bottleneck has 4x." }),
  blocks: z.number().int().min(1).max(16).default(d.blocks).meta({ help: 'Residual blocks of the calibrator (8-9 in the paper).' }),
  patch: z.number().int().min(2).max(32).default(d.patch).meta({ help: "Side of the pixel discriminator's shuffled square patch (4 or 8 in the paper).", unit: 'px' }),
  targetWeight: z.number().min(0).max(100).default(d.targetWeight).meta({ help: 'Weight of the calibrated-target terms of the calibrator loss (1.0).' }),
  sourceWeight: z.number().min(0).max(100).default(d.sourceWeight).meta({ help: 'Weight of the calibrated-source terms of the calibrator loss (0.1): keeps source images classified as before.' }),
  epochs: z.number().int().min(1).max(1000).default(d.epochs).meta({ help: 'Passes over the target train images (the last epoch is kept, as in the paper).', unit: 'epochs' }),
  stepsPerEpoch: z.number().int().min(0).max(1_000_000).default(0).meta({ help: 'Steps per epoch; 0: one pass over the target train images.' }),
  batchSize: z.number().int().min(1).max(4096).default(d.batchSize).meta({ help: 'Images per group per step (source and target each).', unit: 'images' }),
  lr: z.number().positive().max(1).default(d.lr).meta({ help: 'Adam learning rate of the calibrator and the discriminators, constant (1e-4).' }),
  weightDecay: z.number().min(0).max(1).default(d.weightDecay).meta({ help: 'Adam weight decay (5e-4 for MNIST <-> USPS in the authors\' code).' }),
  baselines: z.boolean().default(true).meta({ help: 'Also measure the AdaBN baseline (batch-norm statistics re-estimated on the target train images).' }),
  monitorCount: z.number().int().min(0).max(100_000).default(1000).meta({ help: 'Test images evaluated after every epoch (the curves). 0: none.', unit: 'images' }),
  samples: z.number().int().min(1).max(32).default(8).meta({ help: 'Target test images in the Report strip.', unit: 'images' }),
  latency: z.boolean().default(true).meta({ help: 'Measure onnxruntime latency of the combined model against the classifier alone (batch 1).' }),
  seed: seedParam('Seed of the calibrator, the discriminators, the data order and the patches.'),
});
type Params = z.infer<typeof calibratorParams>;

const DATA_PORTS = ['sourceTrain', 'targetTrain', 'targetTest', 'sourceTest'] as const;
type DataPort = (typeof DATA_PORTS)[number];
const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
const shapeText = (s: readonly number[]) => s.join('x');

function configOf(p: Params): CalibratorConfig {
  return { ...d, ...p, dropout: d.dropout };
}

/** Issues known before a run: a classifier on the classifier port, data that fits it, source and target alike. */
function wiringIssues(p: Params, inputs: Record<string, PortFacts | undefined>): NonNullable<InferResult['issues']> {
  const issues: NonNullable<InferResult['issues']> = [...classifierIssues(inputs.classifier, 'the calibrator', 'classifier')];
  const source = inputs.sourceTrain?.shape;
  for (const port of DATA_PORTS) {
    const data = inputs[port];
    const shape = data?.shape;
    if (port !== 'sourceTrain' && source && shape && shapeText(source) !== shapeText(shape)) {
      issues.push({ port, message: `source images are ${shapeText(source)} (channels x height x width) but ${port} images are ${shapeText(shape)}; give both domains the same size and channels in their Dataset nodes (resize, channels)` });
      continue;
    }
    // The target train labels are never read, so only its image shape must fit.
    const problem = modelDataMismatch(inputs.classifier, port === 'targetTrain' && data ? { shape: data.shape } : data);
    if (problem) issues.push({ port, message: problem });
  }
  const shape = inputs.classifier?.shape ?? source;
  for (const issue of calibratorConfigProblems(configOf(p), shape)) issues.push({ param: issue.param, message: issue.message });
  return issues;
}

/** The same checks on the real values, as NodeErrors naming the port or param. */
function checkInputs(classifier: Model, data: Record<DataPort, Dataset>, p: Params): void {
  if (classifier.meta.task !== 'classify') throw new NodeError(`${classifier.name} is an ${classifier.meta.task} model; the calibrator adapts classifiers`, { port: 'classifier' });
  const source = data.sourceTrain;
  for (const port of DATA_PORTS) {
    const set = data[port];
    if (set.task !== 'classify') throw new NodeError(`${set.name} is a ${set.task} dataset; the calibrator reads classification images`, { port });
    if (port !== 'sourceTrain' && shapeText(set.shape) !== shapeText(source.shape))
      throw new NodeError(`source images are ${shapeText(source.shape)} but ${port} (${set.name}) images are ${shapeText(set.shape)}; give both domains the same size and channels`, { port });
    const problem = port === 'targetTrain' ? (shapeText(set.shape) !== shapeText(classifier.meta.inputShape) ? `the classifier takes ${shapeText(classifier.meta.inputShape)} images, ${set.name} has ${shapeText(set.shape)}` : undefined) : dataMismatch(classifier, set);
    if (problem) throw new NodeError(problem, { port });
    if (set.count === 0) throw new NodeError(`${set.name} is empty`, { port });
  }
  const problems = calibratorConfigProblems(configOf(p), classifier.meta.inputShape);
  if (problems[0]) throw new NodeError(problems[0].message, { param: problems[0].param });
}

const firstImages = (data: Dataset, n: number): Dataset => subsetDataset(data, Array.from({ length: Math.min(n, data.count) }, (_, i) => i));

export default defineNode({
  type: 'condense.adapt.calibrator',
  version: 1,
  title: 'Calibrator',
  category: 'Adapt',
  description:
    'Domain adaptation without retraining: a small generator adds a bounded perturbation to each input so the frozen source classifier recovers its accuracy on the target domain (no target labels). Compared with no adaptation and AdaBN; outputs calibrator + classifier as one model.',
  inputs: {
    classifier: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'The source classifier, trained on the source domain; its weights stay frozen.' },
    sourceTrain: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Source-domain images (labels not used).' },
    targetTrain: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Target-domain images to adapt on; their labels are ignored.' },
    targetTest: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Labelled target images for the accuracy before and after.' },
    sourceTest: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Labelled source images: the source accuracy on raw and on calibrated images.' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'Calibrator + classifier in one ONNX graph, a classifier like any other (Export and the deployer take it).' },
    metrics: {
      type: 'Metrics',
      description:
        'target_accuracy_before, target_accuracy_adabn, target_accuracy (calibrated), source_accuracy_raw, source_accuracy_calibrated, perturbation_linf, perturbation_l2, macs_classifier, macs_combined, latency_ms; per-epoch and per-group discriminator tables.',
    },
    report: { type: 'Report', description: 'A strip of target images, their perturbations and the calibrated images with predictions; accuracy bars; curves over training.' },
  },
  params: calibratorParams,
  infer: (p, inputs) => ({ outputs: { model: inputs.classifier ? { ...inputs.classifier, task: 'classify' } : {} }, issues: wiringIssues(p, inputs) }),
  async execute(ctx) {
    const { classifier, ...data } = ctx.inputs;
    const p = ctx.params;
    const started = performance.now();
    checkInputs(classifier, data, p);
    const config = configOf(p);
    const batch = Math.min(p.batchSize, data.sourceTrain.count, data.targetTrain.count);
    if (batch < p.batchSize) ctx.log(`batchSize ${p.batchSize} is more than the smaller train set holds; using ${batch}`, 'warn');
    config.batchSize = batch;
    const evalOptions = { batchSize: 256, signal: ctx.signal };

    ctx.progress(0, 'no adaptation: accuracy of the classifier as trained');
    const before = await evaluateClassifier(classifier, data.targetTest, evalOptions);
    const sourceRaw = await evaluateClassifier(classifier, data.sourceTest, evalOptions);
    let adabn: { target: number; source: number; layers: number } | undefined;
    if (p.baselines) {
      ctx.progress(0.03, 'AdaBN: batch-norm statistics on the target images');
      const r = await adaptBatchNorm(classifier, data.targetTrain, { batchSize: Math.min(128, data.targetTrain.count), signal: ctx.signal });
      if (r.layers === 0) ctx.log(`${classifier.name} has no batch norm: AdaBN leaves it unchanged`, 'warn');
      adabn = { target: (await evaluateClassifier(r.model, data.targetTest, evalOptions)).accuracy, source: (await evaluateClassifier(r.model, data.sourceTest, evalOptions)).accuracy, layers: r.layers };
    }

    const evaluator = await CalibratedEvaluator.create(classifier, config, 128);
    const monitorTarget = p.monitorCount > 0 ? firstImages(data.targetTest, p.monitorCount) : undefined;
    const monitorSource = p.monitorCount > 0 ? firstImages(data.sourceTest, p.monitorCount) : undefined;
    let training: CalibratorTraining;
    try {
      training = await trainCalibrator(
        {
          classifier,
          sourceTrain: data.sourceTrain,
          targetTrain: data.targetTrain,
          config,
          epochHooks: monitorTarget
            ? [
                async (_epoch, snapshot) => {
                  const state = CalibratedEvaluator.fromSnapshot(snapshot);
                  const t = await evaluator.evaluate(state, monitorTarget, { signal: ctx.signal });
                  const s = await evaluator.evaluate(state, monitorSource!, { signal: ctx.signal });
                  return { target_accuracy: t.accuracy, source_accuracy_calibrated: s.accuracy, test_perturbation_linf: t.linf, test_perturbation_l2: t.l2 };
                },
              ]
            : [],
        },
        {
          signal: ctx.signal,
          progress: (fraction, message) => ctx.progress(0.05 + 0.8 * fraction, message),
          metric: (name, value, step) => ctx.metric(name, value, step),
          log: (message) => ctx.log(message),
          epochEnd: (e) =>
            ctx.log(
              `epoch ${e.epoch}: D loss ${e.losses.D!.toFixed(4)}, calibrator loss ${e.losses.calibrator!.toFixed(4)}` +
                (e.extra.target_accuracy !== undefined ? `, target accuracy ${(100 * e.extra.target_accuracy).toFixed(2)}% (first ${monitorTarget!.count})` : '') +
                ` (${e.seconds.toFixed(1)} s)`,
            ),
        },
      );
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
      throw e;
    }

    ctx.progress(0.87, 'evaluating calibrator + classifier');
    const combined = combinedModel(training.classifier, training.calibrator, config);
    const after = await evaluateClassifier(combined, data.targetTest, evalOptions);
    const sourceCalibrated = await evaluateClassifier(combined, data.sourceTest, evalOptions);
    const finalState = CalibratedEvaluator.stateOf(training.calibrator, training.classifier);
    const targetDetail = await evaluator.evaluate(finalState, data.targetTest, { keep: p.samples, signal: ctx.signal });
    const sourceDetail = await evaluator.evaluate(finalState, data.sourceTest, { signal: ctx.signal });
    const macs = inferenceMacs(training.classifier, training.calibrator, config);
    const values: Record<string, number> = {
      target_accuracy_before: round(before.accuracy),
      ...(adabn && { target_accuracy_adabn: round(adabn.target), source_accuracy_adabn: round(adabn.source), adabn_layers: adabn.layers }),
      target_accuracy: round(after.accuracy),
      target_gain: round(after.accuracy - before.accuracy),
      source_accuracy_raw: round(sourceRaw.accuracy),
      source_accuracy_calibrated: round(sourceCalibrated.accuracy),
      source_accuracy_change: round(sourceCalibrated.accuracy - sourceRaw.accuracy),
      perturbation_linf: round(targetDetail.linf),
      perturbation_l2: round(targetDetail.l2),
      source_perturbation_linf: round(sourceDetail.linf),
      source_perturbation_l2: round(sourceDetail.l2),
      eps: p.eps,
      macs_classifier: macs.classifier,
      macs_combined: macs.combined,
      macs_ratio: round(macs.combined / Math.max(1, macs.classifier), 2),
      train_seconds: round(training.seconds, 2),
      steps: training.steps,
    };
    if (p.latency) {
      ctx.progress(0.93, 'latency of the combined model against the classifier');
      const shape = classifier.meta.inputShape;
      const alone = (await measureLatency(exportOnnx(classifier), shape, [1], 30, { signal: ctx.signal }))[1]!;
      const both = (await measureLatency(exportOnnx(combined), shape, [1], 30, { signal: ctx.signal }))[1]!;
      Object.assign(values, { latency_ms_classifier: round(alone, 3), latency_ms: round(both, 3), latency_ratio: round(both / alone, 2) });
    }
    values.seconds = round((performance.now() - started) / 1000, 2);

    const last = training.epochs.at(-1)!;
    const groupTable: Table = {
      title: 'Discriminator accuracy per group (last epoch, training batches)',
      columns: ['group', 'feature D', 'pixel D'],
      rows: GROUPS.map((g) => [g.replace('_', ' '), round(last.metrics[`feature_d_accuracy_${g}`]!), round(last.metrics[`pixel_d_accuracy_${g}`]!)]),
    };
    for (const g of GROUPS) {
      values[`feature_d_accuracy_${g}`] = round(last.metrics[`feature_d_accuracy_${g}`]!);
      values[`pixel_d_accuracy_${g}`] = round(last.metrics[`pixel_d_accuracy_${g}`]!);
    }
    const epochTable: Table = {
      title: 'Per epoch',
      columns: ['epoch', 'D loss', 'calibrator loss', 'target accuracy (monitor)', 'source accuracy calibrated (monitor)', 'perturbation L-inf', 'seconds'],
      rows: training.epochs.map((e) => [e.epoch, round(e.losses.D!), round(e.losses.calibrator!), e.extra.target_accuracy === undefined ? null : round(e.extra.target_accuracy), e.extra.source_accuracy_calibrated === undefined ? null : round(e.extra.source_accuracy_calibrated), round(e.metrics.perturbation_linf!), round(e.seconds, 2)]),
    };
    const comparison: Table = {
      title: 'Target and source accuracy',
      columns: ['method', 'target accuracy', 'source accuracy'],
      rows: [
        ['no adaptation', round(before.accuracy), round(sourceRaw.accuracy)],
        ...(adabn ? [['AdaBN', round(adabn.target), round(adabn.source)] as (string | number)[]] : []),
        [`calibrator (${p.classifierMode} mode)`, round(after.accuracy), round(sourceCalibrated.accuracy)],
      ],
    };

    // The Report strip: target | perturbation (-eps black, 0 grey, +eps white) | calibrated, and the
    // prediction before -> after beside each row.
    const images: ArtifactRef[] = [];
    const shape = classifier.meta.inputShape;
    const size = shape[0] * shape[1] * shape[2];
    const shown = Math.min(p.samples, data.targetTest.count);
    const strip = renderImageColumns(
      [
        { title: 'target', pixels: data.targetTest.pixels.subarray(0, shown * size) },
        { title: 'perturbation', pixels: Uint8Array.from(targetDetail.perturbations, (v) => Math.round(Math.max(0, Math.min(1, (v / p.eps + 1) / 2)) * 255)) },
        { title: 'calibrated', pixels: targetDetail.calibratedPixels },
      ],
      shape,
      shown,
    );
    const rowHeight = (strip.height - 18) / Math.max(1, shown);
    const names = classifier.meta.classes;
    const labels = makeImage(150, strip.height, 3, 255);
    drawText(labels, 0, 3, 'true: before -> after', [0, 0, 0]);
    for (let i = 0; i < shown; i++) {
      const y = Math.round(18 + i * rowHeight + rowHeight / 2 - 4);
      const [t, b, a] = [data.targetTest.labels[i]!, before.predictions[i]!, after.predictions[i]!];
      drawText(labels, 0, y, `${names[t]}: ${names[b]} -> ${names[a]}`.slice(0, 24), a === t ? [0, 120, 0] : [180, 0, 0]);
    }
    images.push(await ctx.artifacts.write('calibrated-samples.png', encodePng(sideBySide([strip, labels], 8)), 'image/png'));
    const methods = comparison.rows.map((r) => String(r[0]));
    images.push(
      await ctx.artifacts.write(
        'accuracy.png',
        encodePng(renderGroupedBars(methods, [{ name: 'target', values: comparison.rows.map((r) => 100 * Number(r[1])) }, { name: 'source', values: comparison.rows.map((r) => 100 * Number(r[2])) }], 'accuracy (%)')),
        'image/png',
      ),
    );
    if (training.epochs.length > 1) {
      const curve = (name: string, pick: (e: (typeof training.epochs)[number]) => number | undefined) => ({ name, values: training.epochs.map((e) => 100 * (pick(e) ?? NaN)) });
      images.push(
        await ctx.artifacts.write(
          'discriminator-accuracy.png',
          encodePng(
            sideBySide([
              renderLineChart(GROUPS.map((g) => curve(g.replace('_', ' '), (e) => e.metrics[`feature_d_accuracy_${g}`])), 'feature D accuracy per group (%)', 'epoch'),
              renderLineChart(GROUPS.map((g) => curve(g.replace('_', ' '), (e) => e.metrics[`pixel_d_accuracy_${g}`])), 'pixel D accuracy per group (%)', 'epoch'),
            ]),
          ),
          'image/png',
        ),
      );
      if (monitorTarget)
        images.push(
          await ctx.artifacts.write(
            'accuracy-curves.png',
            encodePng(renderLineChart([curve('target (calibrated)', (e) => e.extra.target_accuracy), curve('source (calibrated)', (e) => e.extra.source_accuracy_calibrated)], 'accuracy over training (%)', 'epoch')),
            'image/png',
          ),
        );
    }

    const stage = withStage(combined, {
      node: 'condense.adapt.calibrator',
      params: { classifierMode: p.classifierMode, perturbation: p.perturbation, eps: p.eps, width: p.width, blocks: p.blocks, patch: p.patch, epochs: p.epochs, lr: p.lr, target: data.targetTrain.name },
      metrics: values,
    });
    const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
    ctx.log(`target accuracy ${pct(before.accuracy)} -> ${pct(after.accuracy)}${adabn ? ` (AdaBN ${pct(adabn.target)})` : ''}; source ${pct(sourceRaw.accuracy)} raw, ${pct(sourceCalibrated.accuracy)} calibrated`);
    ctx.progress(1, 'done');
    const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).map(([k, v]) => [k, v]) };
    const metrics: Metrics = { kind: 'metrics', values, tables: [comparison, groupTable, epochTable] };
    const report: Report = {
      kind: 'report',
      title: `Calibrator: ${classifier.name} on ${data.targetTrain.name}`,
      images,
      tables: [comparison, summary, groupTable, epochTable],
      text:
        `Calibrator (${p.classifierMode} mode, ${p.perturbation} perturbation, eps ${p.eps}, width ${p.width}, ${p.blocks} blocks, ${training.epochs.length} epochs): target accuracy ${pct(before.accuracy)} without adaptation` +
        (adabn ? `, ${pct(adabn.target)} with AdaBN` : '') +
        `, ${pct(after.accuracy)} calibrated. Source accuracy ${pct(sourceRaw.accuracy)} on raw images, ${pct(sourceCalibrated.accuracy)} on calibrated ones. ` +
        `Perturbation on target test images: mean L-inf ${targetDetail.linf.toFixed(3)}, mean L2 ${targetDetail.l2.toFixed(3)} ([-1, 1] pixel scale). ` +
        `The combined model costs ${values.macs_ratio}x the classifier's MACs.` +
        `\nStrip: target images, their perturbations (-eps black, 0 grey, +eps white), the calibrated images; beside each row the true class and the prediction before -> after (green: right after calibration).`,
    };
    return { model: stage, metrics, report };
  },
});

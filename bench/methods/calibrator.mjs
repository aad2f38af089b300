// Calibrator (methods.md section 7) on two domain pairs, through the node itself, over seeds:
// - fashion: Fashion-MNIST (RGB) -> Fashion-MNIST under the Dataset node's shift (contrast 0.5, an
//   orange tint, blur 1, noise 20, rotation 15 degrees);
// - digits: printed digits (the rendered-digits source) -> handwritten MNIST digits (the t10k files in
//   ../shared/data/mnist-t10k: the first 5,000 for adaptation, labels unused, the last 5,000 for testing).
// Per pair and seed: a VGG-small (width 0.25, batch norm) trained on the source, then no adaptation,
// AdaBN and the calibrator in eval and in train classifier mode (the node measures all three in one run).
// Ends with one JSON object whose mustShow list has one entry per must-show line of issue 18.
// Run: OPENBLAS_NUM_THREADS=1 node --import tsx bench/methods/calibrator.mjs [--seeds 2] [--epochs 3]
//      [--steps 0] [--width 8] [--blocks 9] [--batch 128] [--eps 0.5] [--perturbation signed|paper] [--source-count 6000]
//      [--classifier-epochs 4] [--pairs fashion,digits] [--mnist ../shared/data/mnist-t10k]
//      or: node --import tsx bench/methods/calibrator.mjs --merge fashion.json digits.json (one pair per earlier run)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './args.mjs';

const seeds = Number(arg('seeds', 2));
const epochs = Number(arg('epochs', 3));
const steps = Number(arg('steps', 0));
const width = Number(arg('width', 8));
const blocks = Number(arg('blocks', 9));
const batch = Number(arg('batch', 128));
const eps = Number(arg('eps', 0.5));
const perturbation = arg('perturbation', 'signed');
const sourceCount = Number(arg('source-count', 6000));
const classifierEpochs = Number(arg('classifier-epochs', 4));
const pairs = arg('pairs', 'fashion,digits').split(',');
const here = path.dirname(fileURLToPath(import.meta.url));
const mnistDir = path.resolve(arg('mnist', path.join(here, '../../../shared/data/mnist-t10k')));

const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { default: calibratorNode } = await import('../../nodes/adapt-calibrator/index.ts');
const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { subsetDataset } = await import('../../src/compute/data/transforms.ts');
const { createZooModel } = await import('../../src/compute/model/model.ts');
const { trainClassifier } = await import('../../src/compute/model/train.ts');
const { runNode } = await import('../../tests/helpers/node-context.ts');

const load = (params) => loadDatasetSplits(datasetParams.parse(params), { resolvePath: (p) => p });
const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);
/** The target's 10,000 images split in half: adaptation (labels never read) and test. */
const halves = (data, name) => [subsetDataset(data, range(0, 5000), `${name} (adaptation)`), subsetDataset(data, range(5000, 10000), `${name} (test)`)];
const firstPerClass = Math.ceil(sourceCount / 10);

function domains(pair) {
  if (pair === 'fashion') {
    const source = load({ source: 'fashion-mnist', channels: '3', perClassLimit: firstPerClass });
    const shifted = load({ source: 'fashion-mnist', channels: '3', contrast: 0.5, tint: '#ff8800', tintStrength: 0.6, blur: 1, noise: 20, rotate: 15, seed: 7 }).test;
    const [targetTrain, targetTest] = halves(shifted, 'shifted Fashion-MNIST');
    return { sourceTrain: source.train, sourceTest: subsetDataset(source.test, range(0, 5000)), targetTrain, targetTest };
  }
  const source = load({ source: 'rendered-digits', trainCount: sourceCount, testCount: 5000, seed: 1 });
  const images = path.join(mnistDir, 't10k-images-idx3-ubyte.gz');
  const labels = path.join(mnistDir, 't10k-labels-idx1-ubyte.gz');
  const mnist = load({ source: 'idx', trainImages: images, trainLabels: labels, testImages: images, testLabels: labels }).test;
  const [targetTrain, targetTest] = halves(mnist, 'MNIST');
  return { sourceTrain: source.train, sourceTest: source.test, targetTrain, targetTest };
}

async function sourceClassifier(data, seed) {
  const created = createZooModel(data.sourceTrain, { architecture: 'vgg-small', width: 0.25, seed });
  const model = { ...created, meta: { ...created.meta, normalize: data.sourceTrain.normalize } };
  const options = { epochs: classifierEpochs, batchSize: 64, optimizer: 'adam', lr: 3e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, seed };
  const r = await trainClassifier(model, data.sourceTrain, options);
  return { ...model, params: r.params, buffers: r.buffers };
}

// --merge a.json b.json: the runs of earlier invocations (one pair each, run side by side), summarised together.
const mergeAt = process.argv.indexOf('--merge');
const merged = mergeAt >= 0 ? process.argv.slice(mergeAt + 1).flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).runs) : undefined;
const runs = merged ?? [];
if (merged) pairs.splice(0, pairs.length, ...new Set(merged.map((r) => r.pair)));
for (const pair of merged ? [] : pairs) {
  const data = domains(pair);
  console.error(`${pair}: source ${data.sourceTrain.count}/${data.sourceTest.count}, target ${data.targetTrain.count}/${data.targetTest.count}, ${data.sourceTrain.shape.join('x')}`);
  for (let seed = 1; seed <= seeds; seed++) {
    const classifier = await sourceClassifier(data, seed);
    for (const classifierMode of ['eval', 'train']) {
      const params = { classifierMode, perturbation, eps, width, blocks, batchSize: batch, epochs, stepsPerEpoch: steps, seed, monitorCount: 500, baselines: true, latency: true };
      const { outputs } = await runNode(calibratorNode, { inputs: { classifier, ...data }, params, log: undefined });
      const v = outputs.metrics.values;
      runs.push({ pair, seed, classifierMode, ...v });
      console.error(
        `${pair} seed ${seed} ${classifierMode}: target ${v.target_accuracy_before} -> ${v.target_accuracy} (AdaBN ${v.target_accuracy_adabn}); source ${v.source_accuracy_raw} -> ${v.source_accuracy_calibrated}; L-inf ${v.perturbation_linf}, L2 ${v.perturbation_l2}; ${v.train_seconds} s`,
      );
    }
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r4 = (v) => Number(v.toFixed(4));
const summary = {};
for (const pair of pairs) {
  const of = (mode) => runs.filter((r) => r.pair === pair && r.classifierMode === mode);
  const m = (mode, key) => r4(mean(of(mode).map((r) => r[key])));
  summary[pair] = {
    no_adaptation: m('eval', 'target_accuracy_before'),
    adabn: m('eval', 'target_accuracy_adabn'),
    calibrator_eval: m('eval', 'target_accuracy'),
    calibrator_train: m('train', 'target_accuracy'),
    source_raw: m('eval', 'source_accuracy_raw'),
    source_calibrated_eval: m('eval', 'source_accuracy_calibrated'),
    source_calibrated_train: m('train', 'source_accuracy_calibrated'),
    perturbation_linf_eval: m('eval', 'perturbation_linf'),
    perturbation_l2_eval: m('eval', 'perturbation_l2'),
    perturbation_linf_train: m('train', 'perturbation_linf'),
    perturbation_l2_train: m('train', 'perturbation_l2'),
    train_seconds_eval: m('eval', 'train_seconds'),
    train_seconds_train: m('train', 'train_seconds'),
    macs_classifier: of('eval')[0].macs_classifier,
    macs_combined: of('eval')[0].macs_combined,
    latency_ms_classifier: m('eval', 'latency_ms_classifier'),
    latency_ms_combined: m('eval', 'latency_ms'),
  };
}
const s = Object.entries(summary);
const perPair = (test) => Object.fromEntries(s.map(([p, v]) => [p, test(v)]));
const accuracyChecks = perPair((v) => ({
  calibrator_eval_5_points_over_none: v.calibrator_eval >= v.no_adaptation + 0.05,
  calibrator_train_5_points_over_none: v.calibrator_train >= v.no_adaptation + 0.05,
  calibrator_eval_over_adabn: v.calibrator_eval > v.adabn,
  source_within_half_point_eval: Math.abs(v.source_calibrated_eval - v.source_raw) <= 0.005,
  source_within_half_point_train: Math.abs(v.source_calibrated_train - v.source_raw) <= 0.005,
}));
const digits = summary.digits;
const mustShow = [
  {
    claim: 'For both pairs: target accuracy with no adaptation, AdaBN and the calibrator in both classifier modes; the calibrator at least 5 points above no adaptation, and above AdaBN in eval mode; source accuracy on calibrated source within 0.5 point of the raw source accuracy; perturbation norms',
    pass: s.length === 2 && Object.values(accuracyChecks).every((c) => Object.values(c).every(Boolean)),
    value: { summary, checks: accuracyChecks },
    reference: 'methods.md 7: target accuracy clearly up, source accuracy on calibrated source within 0.5 point',
  },
  {
    claim: 'printed -> handwritten digits reported beside the paper\'s digit figures as an external reference (a different pair, so a reference, not a comparison)',
    pass: digits !== undefined && [digits.no_adaptation, digits.calibrator_eval, digits.calibrator_train].every(Number.isFinite),
    value: digits ? { no_adaptation: digits.no_adaptation, adabn: digits.adabn, calibrator_eval: digits.calibrator_eval, calibrator_train: digits.calibrator_train } : null,
    reference: 'paper (arXiv 1911.12796, with CycleGAN images): MNIST->USPS 0.971, USPS->MNIST 0.983, SVHN->MNIST 0.975',
  },
  {
    claim: "Wall time of the calibrator's training and its share of the classifier's inference cost (MACs and measured latency of the combined ONNX vs the classifier alone)",
    pass: s.length > 0 && s.every(([, v]) => v.train_seconds_eval > 0 && v.macs_combined > v.macs_classifier && v.latency_ms_combined > 0 && v.latency_ms_classifier > 0),
    value: perPair((v) => ({
      train_seconds_eval: v.train_seconds_eval,
      train_seconds_train: v.train_seconds_train,
      macs_classifier: v.macs_classifier,
      macs_combined: v.macs_combined,
      macs_ratio: r4(v.macs_combined / v.macs_classifier),
      latency_ms_classifier: v.latency_ms_classifier,
      latency_ms_combined: v.latency_ms_combined,
      latency_ratio: r4(v.latency_ms_combined / v.latency_ms_classifier),
    })),
    reference: 'measured here (onnxruntime, batch 1, median of 30 runs)',
  },
];
console.log(JSON.stringify({ config: { seeds, epochs, steps, width, blocks, batch, eps, perturbation, sourceCount, classifierEpochs, pairs }, runs, mustShow }, null, 2));

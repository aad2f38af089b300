// The small runs of methods.md section 9 (first-layer filter frequency and robustness, arXiv 1911.12044) and
// of the robustness evaluation on the full Fashion-MNIST (60,000 train images per epoch):
// - betas: LeNet-5 trained with the high-frequency energy penalty at several beta; the first layer's
//   high-frequency proportion against mean corruption accuracy (11 corruptions x 5 severities), with
//   Pearson's r;
// - modulation: the learnable modulation LP + m HP with the power-spectrum perturbation against plain
//   training, two seeds each;
// - pgd: the robustness node's PGD accuracy against PyTorch PGD (bench/methods/robustness_pgd.py, the
//   peer) on the same exported ONNX file, whose initializers the script reads itself;
// - compressed: VGG-small x0.5 dense (the GM quantizer bench's cached model), GM-quantised (DGMS K = 4),
//   pattern-pruned (8 patterns + ADMM) and int8 (onnxruntime QDQ, min-max calibration): clean, corruption
//   and PGD accuracy side by side.
// Corruption accuracy is measured on the first --corrupt-count test images (default 2,000, the same seeded
// corrupted copies for every model), clean accuracy on all 10,000. Each part's results are kept in
// bench/.cache/robustness-<part>.json (--fresh recomputes); the run ends with ONE JSON object and its
// mustShow list.
// Run: OPENBLAS_NUM_THREADS=1 node --import tsx bench/methods/robustness.mjs [--only betas,modulation,pgd,compressed]
//        [--epochs 2] [--corrupt-count 2000] [--betas 0,0.001,...] [--train-count 60000] [--fresh]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { arg } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cacheDir = path.join(here, '..', '.cache');
const threads = 2;
const parts = new Set(arg('only', 'betas,modulation,pgd,compressed').split(','));
const epochs = Number(arg('epochs', 2));
const corruptCount = Number(arg('corrupt-count', 2000));
const trainCount = Number(arg('train-count', 60000));
const betas = arg('betas', '0,0.001,0.003,0.01,0.03,0.1,0.3').split(',').map(Number);
const fresh = process.argv.includes('--fresh');
const pgdCount = Number(arg('pgd-count', 1000));

const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { subsetDataset } = await import('../../src/compute/data/transforms.ts');
const { createZooModel } = await import('../../src/compute/model/model.ts');
const { evaluateClassifier } = await import('../../src/compute/model/evaluate.ts');
const { trainClassifier } = await import('../../src/compute/model/train.ts');
const { exportOnnx, exportModelProto } = await import('../../src/compute/model/export.ts');
const { encodeModel } = await import('../../src/compute/onnx/model.ts');
const { createSession, runSession } = await import('../../src/compute/ort/session.ts');
const { CORRUPTION_NAMES, corruptDataset } = await import('../../src/compute/robustness/corruptions.ts');
const { evaluateRobustness, corruptionErrors } = await import('../../src/compute/robustness/robustness.ts');
const { adversarialAccuracy } = await import('../../src/compute/robustness/adversarial.ts');
const { trainFrequencyControlled } = await import('../../src/compute/frequency/frequency-training.ts');
const { kernelSpectra } = await import('../../src/compute/frequency/spectrum.ts');
const { quantizeDgms } = await import('../../src/compute/quantize/dgms.ts');
const { pruneModel, planPrune } = await import('../../src/compute/prune/prune-model.ts');
const { patternPrunerParams, pruneConfigOf } = await import('../../nodes/pattern-pruner/index.ts');
const { quantizeInt8 } = await import('../../src/compute/deploy/quantize-int8.ts');

const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const splits = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
const test = splits.test;
if (splits.train.count !== 60000 || test.count !== 10000) throw new Error(`the full Fashion-MNIST is not installed (got ${splits.train.count}/${test.count} images)`);
const train = trainCount < splits.train.count ? subsetDataset(splits.train, Array.from({ length: trainCount }, (_, i) => i), `fashion-mnist (first ${trainCount})`) : splits.train;
const corruptSet = subsetDataset(test, Array.from({ length: corruptCount }, (_, i) => i), `fashion-mnist test (first ${corruptCount})`);
const r4 = (v) => (v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(4)));
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const corruptionSpec = { corruptions: [...CORRUPTION_NAMES], severities: [1, 2, 3, 4, 5], attacks: [], eps: [], pgdSteps: 1, randomStart: false, seed: 1 };
const accuracyOf = async (model) => (await evaluateClassifier(model, test, { intraOpThreads: threads })).accuracy;
const base = { epochs, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', seed: 1, beta: 0, modulationPenalty: 0, modulationInit: 0.95, perturbation: 0 };

/** A part's results from the cache, or computed now and cached. */
async function part(name, compute) {
  const file = path.join(cacheDir, `robustness-${name}-e${epochs}-c${corruptCount}-t${trainCount}.json`);
  if (!parts.has(name)) return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  if (existsSync(file) && !fresh) return JSON.parse(readFileSync(file, 'utf8'));
  const started = performance.now();
  const result = await compute();
  result.seconds = Math.round((performance.now() - started) / 1000);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 1));
  log(`${name}: done in ${result.seconds} s`);
  return result;
}

/** Frequency-controlled LeNet-5 training and its figures (clean, mean corruption accuracy, first-layer spectrum). */
async function trainLenet(label, options) {
  const model = createZooModel(train, { architecture: 'lenet5', seed: options.seed ?? base.seed });
  const r = await trainFrequencyControlled(model, train, { ...base, ...options }, { log: (m) => log(`${label} ${m}`) });
  const spectra = kernelSpectra(r.model.params[r.layer.name], r.layer.shape);
  const [rob] = await evaluateRobustness([r.model], corruptSet, corruptionSpec);
  const clean = await accuracyOf(r.model);
  const row = { label, ...options, clean: r4(clean), mean_corruption: r4(rob.meanCorruption), high_frequency_proportion: r4(spectra.highProportion), mean_high_share: r4(spectra.meanHighShare), per_corruption: Object.fromEntries(Object.entries(rob.corruption).map(([k, v]) => [k, r4(mean(v))])) };
  if (r.modulation) row.mean_modulation = r4(mean(Array.from(r.modulation)));
  log(JSON.stringify(row));
  return { row, model: r.model };
}

function pearson(x, y) {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

const betaPart = await part('betas', async () => {
  const rows = [];
  for (const beta of betas) rows.push((await trainLenet(`beta ${beta}`, { control: beta > 0 ? 'penalty' : 'none', beta })).row);
  return { rows };
});

const modulationOptions = { modulationPenalty: Number(arg('modulation-penalty', 0.05)), perturbation: Number(arg('perturbation', 0.5)), modulationInit: 0.95 };
const modulationPart = await part('modulation', async () => {
  const rows = [];
  for (const seed of [1, 2]) {
    rows.push((await trainLenet(`plain seed ${seed}`, { control: 'none', seed })).row);
    rows.push((await trainLenet(`modulated seed ${seed}`, { control: 'modulation', seed, ...modulationOptions })).row);
  }
  return { rows };
});

const pgdPart = await part('pgd', async () => {
  // The plain LeNet-5 (seed 1), exported; both sides attack the first pgdCount test images from the same file.
  const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
  const r = await trainClassifier(model, train, { ...base, augmentation: 'none', patience: 0, intraOpThreads: threads }, { log: (m) => log(`pgd model ${m}`) });
  const trained = { ...model, params: r.params, buffers: r.buffers };
  mkdirSync(cacheDir, { recursive: true });
  const onnxFile = path.join(cacheDir, 'robustness-lenet5.onnx');
  writeFileSync(onnxFile, exportOnnx(trained));
  const images = path.join(cacheDir, 'robustness-pgd-images.u8');
  const labels = path.join(cacheDir, 'robustness-pgd-labels.u8');
  writeFileSync(images, test.pixels.subarray(0, pgdCount * 784));
  writeFileSync(labels, Uint8Array.from(test.labels.subarray(0, pgdCount)));
  const attacked = subsetDataset(test, Array.from({ length: pgdCount }, (_, i) => i));
  const settings = [0, 0.02, 0.05, 0.1].map((eps) => ({ eps, steps: 10, stepSize: eps / 4 }));
  const condense = [];
  for (const s of settings) condense.push(await adversarialAccuracy(trained, attacked, { attack: 'pgd', ...s, randomStart: false }, { intraOpThreads: threads }));
  const out = execFileSync('/usr/bin/python3', [path.join(here, 'robustness_pgd.py'), onnxFile, images, labels, String(pgdCount), JSON.stringify(settings), JSON.stringify(trained.meta.normalize)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
  });
  const torch = JSON.parse(out.trim().split('\n').at(-1));
  const rows = settings.map((s, i) => ({ ...s, condense: r4(condense[i]), pytorch: r4(torch.accuracy[i]), difference_points: r4(100 * (condense[i] - torch.accuracy[i])) }));
  log(JSON.stringify(rows));
  return { rows };
});

/** Accuracy of an onnxruntime session (the int8 model) on a dataset, normalised as the model reads it. */
async function onnxAccuracy(session, data, normalize, output) {
  const size = 784;
  let hits = 0;
  for (let start = 0; start < data.count; start += 500) {
    const n = Math.min(500, data.count - start);
    const x = new Float32Array(n * size);
    for (let i = 0; i < n * size; i++) x[i] = (data.pixels[start * size + i] / 255 - normalize.mean[0]) / normalize.std[0];
    const out = await runSession(session, { input: { dtype: 'float32', shape: [n, 1, 28, 28], values: x } }, [output]);
    const logits = out[output].values;
    for (let i = 0; i < n; i++) {
      let arg = 0;
      for (let j = 1; j < 10; j++) if (logits[i * 10 + j] > logits[i * 10 + arg]) arg = j;
      if (arg === data.labels[start + i]) hits++;
    }
  }
  return hits / data.count;
}

const compressedPart = await part('compressed', async () => {
  const file = path.join(cacheDir, 'gm-quantizer-fp32-vgg-small-w0.5-e3.bin');
  let dense;
  if (existsSync(file)) dense = v8.deserialize(readFileSync(file)).model;
  else {
    const created = createZooModel(splits.train, { architecture: 'vgg-small', width: 0.5, seed: 1 });
    const r = await trainClassifier(created, splits.train, { ...base, epochs: 3, augmentation: 'none', patience: 0 }, { log: (m) => log(`dense ${m}`) });
    dense = { ...created, params: r.params, buffers: r.buffers };
  }
  const trainOptions = { epochs: 1, batchSize: 64, optimizer: 'adam', lr: 1e-4, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', seed: 1, intraOpThreads: threads };
  log('GM quantizer (DGMS, K = 4, 1 epoch)');
  const gm = (
    await quantizeDgms(dense, splits.train, { ...trainOptions, layers: ['features.conv1.weight', 'features.conv2.weight', 'features.conv3.weight', 'features.conv4.weight'], components: 4, temperature: 0.01, learnTemperature: false, init: 'kmeans', mixtureLr: 1e-3 }, { log: (m) => log(`gm ${m}`) })
  ).model;
  log('pattern pruner (8 patterns, ADMM 1 epoch, retrain 1 epoch)');
  const p = patternPrunerParams.parse({ method: 'pattern', admmEpochs: 1, retrainEpochs: 1, batchSize: 64, lr: 1e-3, seed: 1 });
  const config = { ...pruneConfigOf(p), train: { ...pruneConfigOf(p).train, intraOpThreads: threads } };
  const pruned = (await pruneModel(dense, splits.train, config, { log: (m) => log(`pattern ${m}`) }, planPrune(dense, config))).model;
  const models = [
    { ...dense, name: 'dense' },
    { ...gm, name: 'GM-quantised K=4' },
    { ...pruned, name: 'pattern-pruned' },
  ];
  const spec = { ...corruptionSpec, attacks: ['fgsm', 'pgd'], eps: [0.02, 0.05], pgdSteps: 10, randomStart: false, adversarialCount: pgdCount };
  const results = await evaluateRobustness(models, corruptSet, spec, { progress: (f, m) => log(`robustness ${(100 * f).toFixed(0)}% ${m}`) });
  const rows = [];
  for (let i = 0; i < models.length; i++) {
    const ce = corruptionErrors(results[i], results[0]);
    rows.push({ model: models[i].name, clean: r4(await accuracyOf(models[i])), mean_corruption: r4(results[i].meanCorruption), mce: r4(ce.mce), relative_mce: r4(ce.relativeMce), ...Object.fromEntries(results[i].adversarial.map((a) => [`${a.attack}_${a.eps}`, r4(a.accuracy)])) });
  }
  // int8: the dense model's QDQ ONNX (first conv kept in float, as the deployer does), run by onnxruntime.
  const proto = exportModelProto(dense, { foldBatchNorm: true });
  const calibration = new Float32Array(512 * 784);
  for (let i = 0; i < calibration.length; i++) calibration[i] = (splits.train.pixels[i] / 255 - dense.meta.normalize.mean[0]) / dense.meta.normalize.std[0];
  const firstConv = proto.graph.node.find((n) => n.opType === 'Conv')?.name;
  const q = await quantizeInt8(proto, calibration, dense.meta.inputShape, { method: 'minmax', percentile: 99.99, threads, floatNodes: new Set(firstConv ? [firstConv] : []) });
  const session = await createSession(encodeModel(q.proto), { intraOpThreads: threads });
  const output = q.proto.graph.output[0].name;
  const int8Clean = await onnxAccuracy(session, test, dense.meta.normalize, output);
  const corruption = {};
  for (const name of CORRUPTION_NAMES) {
    corruption[name] = [];
    for (const s of [1, 2, 3, 4, 5]) corruption[name].push(await onnxAccuracy(session, corruptDataset(corruptSet, name, s, 1), dense.meta.normalize, output));
  }
  const int8 = { clean: int8Clean, corruption, meanCorruption: mean(Object.values(corruption).map(mean)) };
  const ce = corruptionErrors(int8, results[0]);
  rows.push({ model: 'int8 (onnxruntime QDQ)', clean: r4(int8Clean), mean_corruption: r4(int8.meanCorruption), mce: r4(ce.mce), relative_mce: r4(ce.relativeMce) });
  log(JSON.stringify(rows));
  return { rows };
});

// ---- verdicts -------------------------------------------------------------------------------------
const mustShow = [];
if (betaPart) {
  const rows = betaPart.rows;
  const r = pearson(rows.map((x) => x.high_frequency_proportion), rows.map((x) => x.mean_corruption));
  const rShare = pearson(rows.map((x) => x.mean_high_share), rows.map((x) => x.mean_corruption));
  mustShow.push({
    claim: 'Corruption accuracy against the first-layer high-frequency proportion over >= 5 models trained with different beta: falls as the proportion rises (Pearson r <= -0.5)',
    pass: rows.length >= 5 && r <= -0.5,
    value: { models: rows.length, pearson_r_proportion: r4(r), pearson_r_mean_share: r4(rShare), curve: rows.map((x) => [x.beta, x.high_frequency_proportion, x.mean_high_share, x.mean_corruption, x.clean]) },
    reference: 'methods.md 9: the high/low-frequency filter proportion strongly affects robustness to common corruptions',
  });
}
if (modulationPart) {
  const bySeed = [1, 2].map((seed) => ({ plain: modulationPart.rows.find((x) => x.label === `plain seed ${seed}`), mod: modulationPart.rows.find((x) => x.label === `modulated seed ${seed}`) }));
  const ok = bySeed.every(({ plain, mod }) => plain && mod && mod.mean_corruption > plain.mean_corruption && mod.clean >= plain.clean - 0.01);
  mustShow.push({
    claim: 'The modulated model more robust (mean corruption accuracy) than the plain one, at most 1 point lower in clean accuracy, on each of 2 seeds',
    pass: ok,
    value: bySeed.map(({ plain, mod }) => ({ seed: plain?.seed ?? mod?.seed, plain_clean: plain?.clean, modulated_clean: mod?.clean, plain_mca: plain?.mean_corruption, modulated_mca: mod?.mean_corruption, mean_m: mod?.mean_modulation })),
    reference: 'arXiv 1911.12044: +10.97% mean robustness on CIFAR-10-C (ResNet-18) at negligible clean cost',
  });
}
if (pgdPart) {
  const worst = Math.max(...pgdPart.rows.map((x) => Math.abs(x.difference_points)));
  mustShow.push({
    claim: "The robustness node's PGD accuracy against PyTorch PGD on the same exported ONNX weights, within 1 point",
    pass: worst <= 1,
    value: { worst_difference_points: r4(worst), rows: pgdPart.rows },
    reference: 'PyTorch PGD (L-inf, no random start) on a torch LeNet-5 loaded from the ONNX initializers',
  });
}
if (compressedPart) {
  const rows = compressedPart.rows;
  mustShow.push({
    claim: 'Robustness of the compressed models (GM-quantised, pattern-pruned, int8) beside their dense model: a table of what compression cost in robustness',
    pass: ['GM', 'pattern', 'int8', 'dense'].every((k) => rows.some((x) => x.model.includes(k) && Number.isFinite(x.mean_corruption))),
    value: rows,
    reference: 'mCE relative to the dense model (CE as in the -C benchmarks, 1.0 = as robust as dense)',
  });
}
console.log(JSON.stringify({ bench: 'robustness', epochs, corruptCount, trainCount, mustShow }, null, 1));

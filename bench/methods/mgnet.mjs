// MGNet (arXiv 2111.02018, BMVC 2021; methods.md 8) against a full-image LeNet-5 on the full Fashion-MNIST
// placed on a canvas among clutter (the Dataset node's placeOnCanvas), per seed:
// - both trained with the same supervised loop (MGNet on its own loss: every glimpse's prediction and the
//   auxiliary head), then accuracy after each glimpse, backbone MACs per image against the baseline's
//   MACs, and the last glimpse box's IoU with the recorded object box;
// - the robustness evaluation of both on the same seeded corrupted copies (11 corruptions x 5
//   severities on the first --corrupt-count test images) and PGD at the same eps;
// - the training step time against a PyTorch MGNet (bench/methods/mgnet_step.py, the peer) on the same
//   input sizes, batch and thread count, in the same run.
// Each seed's results are kept in bench/.cache/mgnet-*.json (--fresh recomputes); the run ends with ONE
// JSON object and its mustShow list, each pass computed from the measured values.
// Run: OPENBLAS_NUM_THREADS=1 node --import tsx bench/methods/mgnet.mjs [--seeds 1,2] [--epochs 5] [--glimpses 3]
//        [--canvas 56] [--clutter 4] [--train-count 60000] [--test-count 10000] [--corrupt-count 2000]
//        [--pgd-count 500] [--bundled-mini] [--fresh]
// --bundled-mini reads the bundled 6,000/1,000 subset (a smoke run; the must-show figures need the full set).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cacheDir = path.join(here, '..', '.cache');
const threads = 2;
const seeds = arg('seeds', '1,2').split(',').map(Number);
const epochs = Number(arg('epochs', 5));
const glimpses = Number(arg('glimpses', 3));
const canvas = Number(arg('canvas', 56));
const clutter = Number(arg('clutter', 4));
const trainCount = Number(arg('train-count', 60000));
const testCount = Number(arg('test-count', 10000));
const corruptCount = Number(arg('corrupt-count', 2000));
const pgdCount = Number(arg('pgd-count', 500));
const pgdEps = arg('pgd-eps', '0.02,0.05').split(',').map(Number);
const timedSteps = Number(arg('timed-steps', 20));
const bundledMini = process.argv.includes('--bundled-mini');
const fresh = process.argv.includes('--fresh');
// 28 px glimpses: the canvas over the glimpse size (56 / 28 = 2).
const glimpseScale = canvas / 28;
const batchSize = 64;

const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { subsetDataset } = await import('../../src/compute/data/transforms.ts');
const { buildModelGraph, createZooModel } = await import('../../src/compute/model/model.ts');
const { GraphBuilder } = await import('../../src/compute/graph/graph-builder.ts');
const { countMacs } = await import('../../src/compute/model/export.ts');
const { evaluateClassifier } = await import('../../src/compute/model/evaluate.ts');
const { evaluateGlimpses, glimpseCosts } = await import('../../src/compute/model/glimpse-evaluate.ts');
const { trainClassifier } = await import('../../src/compute/model/train.ts');
const { CORRUPTION_NAMES } = await import('../../src/compute/robustness/corruptions.ts');
const { evaluateRobustness } = await import('../../src/compute/robustness/robustness.ts');

const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const r4 = (v) => (v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(4)));
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const first = (data, n, name) => (n < data.count ? subsetDataset(data, Array.from({ length: n }, (_, i) => i), `${name} (first ${n})`) : data);

const placed = { source: 'fashion-mnist', bundledMini, placeOnCanvas: true, canvasSize: canvas, clutter, clutterSize: 8 };
const splits = loadDatasetSplits(datasetParams.parse(placed), { resolvePath: (p) => p, log: (m) => log(m) });
if (!bundledMini && (splits.train.count !== 60000 || splits.test.count !== 10000))
  throw new Error(`the full Fashion-MNIST is not installed (got ${splits.train.count}/${splits.test.count} images); --bundled-mini runs on the bundled subset`);
if (!splits.test.boxes) throw new Error('the placed test split records no object boxes');
const train = first(splits.train, trainCount, 'placed fashion-mnist');
const test = first(splits.test, testCount, 'placed fashion-mnist test');
const corruptSet = first(test, corruptCount, 'placed fashion-mnist test');
const trainOptions = { epochs, batchSize, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, intraOpThreads: threads };
const spec = { corruptions: [...CORRUPTION_NAMES], severities: [1, 2, 3, 4, 5], attacks: ['pgd'], eps: pgdEps, pgdSteps: 10, randomStart: false, seed: 1, adversarialCount: pgdCount };
const architectures = {
  mgnet: { architecture: 'mgnet', options: { backbone: 'lenet5', glimpses, glimpseScale, auxWeight: 0.6 } },
  baseline: { architecture: 'lenet5', options: {} },
};
const key = `c${canvas}-k${clutter}-g${glimpses}-e${epochs}-t${train.count}-v${test.count}-x${corruptCount}-p${pgdCount}${bundledMini ? '-mini' : ''}`;

/** MACs per image of a model's whole forward pass. */
function macsOf(model) {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false, skipMasks: true });
  return countMacs(g);
}

/** Both models of one seed trained and measured, from the cache or computed now. */
async function seedRun(seed) {
  const file = path.join(cacheDir, `mgnet-${key}-s${seed}.json`);
  if (existsSync(file) && !fresh) return JSON.parse(readFileSync(file, 'utf8'));
  const started = performance.now();
  const trained = {};
  const result = { seed };
  for (const [name, a] of Object.entries(architectures)) {
    const model = createZooModel(train, { architecture: a.architecture, seed, options: a.options });
    const r = await trainClassifier(model, train, { ...trainOptions, seed }, { log: (m) => log(`seed ${seed} ${name} ${m}`) });
    trained[name] = { ...model, name, params: r.params, buffers: r.buffers };
    result[name] = { clean: r4((await evaluateClassifier(trained[name], test, { intraOpThreads: threads })).accuracy), macs: macsOf(trained[name]) };
  }
  const ev = await evaluateGlimpses(trained.mgnet, test, { exitConfidence: 0.9 });
  const costs = glimpseCosts(trained.mgnet, glimpses);
  Object.assign(result.mgnet, {
    accuracy_after: ev.accuracyAfter.map(r4),
    iou_after: ev.iouAfter?.map(r4) ?? null,
    backbone_macs_after: costs.backboneAfter,
    macs_after: costs.macsAfter,
    exit: { accuracy: r4(ev.exit.accuracy), mean_glimpses: r4(ev.exit.meanGlimpses) },
  });
  const [rm, rb] = await evaluateRobustness([trained.mgnet, trained.baseline], corruptSet, spec, { progress: (f, m) => log(`seed ${seed} robustness ${(100 * f).toFixed(0)}% ${m}`) });
  for (const [name, r] of [['mgnet', rm], ['baseline', rb]]) {
    const perCorruption = Object.fromEntries(Object.entries(r.corruption).map(([k, v]) => [k, mean(v)]));
    // The drop is measured from the clean accuracy of the same images the corruptions were applied to.
    const cleanCorrupt = (await evaluateClassifier(trained[name], corruptSet, { intraOpThreads: threads })).accuracy;
    Object.assign(result[name], {
      clean_corruption_images: r4(cleanCorrupt),
      mean_corruption: r4(r.meanCorruption),
      drop: Object.fromEntries(Object.entries(perCorruption).map(([k, v]) => [k, r4(cleanCorrupt - v)])),
      pgd: Object.fromEntries(r.adversarial.map((x) => [x.eps, r4(x.accuracy)])),
    });
  }
  result.seconds = Math.round((performance.now() - started) / 1000);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 1));
  log(`seed ${seed}: ${JSON.stringify(result)}`);
  return result;
}

/**
 * Condense's MGNet step time: the median gap between consecutive optimizer updates of a short training
 * run (the first steps, which compile the graph, left out), on the same batch and canvas as the peer.
 */
async function condenseStepMs() {
  const warm = 3;
  const wanted = batchSize * (warm + timedSteps + 1);
  const data = first(train, wanted, 'placed fashion-mnist');
  const model = createZooModel(data, { architecture: 'mgnet', seed: 1, options: architectures.mgnet.options });
  const stamps = [];
  // A small train set (a smoke run) is gone through more than once to reach the steps.
  const passes = Math.ceil(wanted / data.count);
  await trainClassifier(model, data, { ...trainOptions, epochs: passes, seed: 1 }, { afterUpdate: () => stamps.push(performance.now()) });
  const gaps = stamps.slice(warm).map((t, i, a) => (i > 0 ? t - a[i - 1] : NaN)).slice(1);
  return median(gaps);
}

const runs = [];
for (const seed of seeds) runs.push(await seedRun(seed));
const condenseMs = await condenseStepMs();
const peer = JSON.parse(
  execFileSync('/usr/bin/python3', [path.join(here, 'mgnet_step.py'), JSON.stringify({ batch: batchSize, canvas, glimpses, scale: glimpseScale, steps: timedSteps })], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1),
);
log(`step: condense ${condenseMs.toFixed(1)} ms, pytorch ${peer.ms_per_step.toFixed(1)} ms`);

// ---- verdicts -------------------------------------------------------------------------------------
const every = (f) => runs.length > 0 && runs.every(f);
const mustShow = [
  {
    claim: `Accuracy rising with each glimpse (after 1..${glimpses}), on every seed`,
    pass: every((r) => r.mgnet.accuracy_after.every((a, t, all) => t === 0 || a >= all[t - 1])),
    value: runs.map((r) => ({ seed: r.seed, accuracy_after: r.mgnet.accuracy_after, early_exit: r.mgnet.exit })),
    reference: 'arXiv 2111.02018: accuracy grows with the number of glimpses',
  },
  {
    claim: "MGNet's backbone MACs per image (all glimpses) below the full-image baseline's MACs, at equal or better clean accuracy, on every seed",
    pass: every((r) => r.mgnet.backbone_macs_after.at(-1) < r.baseline.macs && r.mgnet.clean >= r.baseline.clean),
    value: runs.map((r) => ({ seed: r.seed, mgnet_backbone_macs: r.mgnet.backbone_macs_after.at(-1), mgnet_model_macs: r.mgnet.macs, baseline_macs: r.baseline.macs, mgnet_clean: r.mgnet.clean, baseline_clean: r.baseline.clean })),
    reference: 'arXiv 2111.02018: better accuracy at 36.9% of the compute',
  },
  {
    claim: 'A smaller accuracy drop than the baseline under Gaussian noise and under the other corruptions (mean over severities 1-5), and higher PGD accuracy at the same eps, on every seed',
    pass: every(
      (r) =>
        r.mgnet.drop['gaussian-noise'] < r.baseline.drop['gaussian-noise'] &&
        mean(Object.values(r.mgnet.drop)) < mean(Object.values(r.baseline.drop)) &&
        pgdEps.every((e) => r.mgnet.pgd[e] > r.baseline.pgd[e]),
    ),
    value: runs.map((r) => ({
      seed: r.seed,
      gaussian_noise_drop: { mgnet: r.mgnet.drop['gaussian-noise'], baseline: r.baseline.drop['gaussian-noise'] },
      mean_drop: { mgnet: r4(mean(Object.values(r.mgnet.drop))), baseline: r4(mean(Object.values(r.baseline.drop))) },
      corruptions_with_smaller_drop: Object.keys(r.mgnet.drop).filter((k) => r.mgnet.drop[k] < r.baseline.drop[k]).length,
      pgd: { mgnet: r.mgnet.pgd, baseline: r.baseline.pgd },
    })),
    reference: 'arXiv 2111.02018: +4.76% mean accuracy under common corruptions; 44.2% vs 7.6% under the same PGD attack',
  },
  {
    claim: "The last glimpse's box overlapping the object's recorded box: mean IoU above 0.5 on every seed",
    pass: every((r) => r.mgnet.iou_after !== null && r.mgnet.iou_after.at(-1) > 0.5),
    value: runs.map((r) => ({ seed: r.seed, iou_after: r.mgnet.iou_after })),
    reference: 'issue 19: the glimpses should find the placed object',
  },
  {
    claim: 'Training step time of MGNet against a PyTorch MGNet on the same input sizes, batch and threads, as a ratio Condense / PyTorch (pass: within 1.5x)',
    pass: Number.isFinite(condenseMs) && condenseMs / peer.ms_per_step <= 1.5,
    value: { condense_ms: r4(condenseMs), pytorch_ms: r4(peer.ms_per_step), ratio: r4(condenseMs / peer.ms_per_step), batch: batchSize, canvas, glimpses, glimpse_px: 28, threads },
    reference: 'bench/methods/mgnet_step.py (torch, set_num_threads(2), OPENBLAS_NUM_THREADS=1)',
  },
];
console.log(JSON.stringify({ bench: 'mgnet', seeds, epochs, glimpses, canvas, clutter, trainCount: train.count, testCount: test.count, corruptCount, pgdCount, bundledMini, mustShow }, null, 1));

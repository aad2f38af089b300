// Condense against PyTorch on the same machine, in the same run, every bar of the training-speed goal:
// - resnet8: ResNet-8 (16/32/64, BN, ReLU) at 32x32x3, batch 64: median training step (forward,
//   backward, SGD momentum update), median inference (eval mode; Condense: the exported ONNX with batch
//   norm folded), peak RSS during the steps;
// - resnet8_epoch: ResNet-8 epochs on 10,000 generated 32x32x3 images (the same bytes for both sides),
//   batch 64, SGD momentum; Condense through trainClassifier (the fit loop);
// - lenet5: LeNet-5 on Fashion-MNIST, Adam 1e-3, batch 64, 5 epochs: test accuracy and seconds per epoch;
// - pix2pix: the zoo's U-Net generator (unet-small) and PatchGAN discriminator at 32x32, batch 16, two
//   Adam optimizers: one loop step is a G step on GAN loss + 100 L1, then a D step on the real pair and
//   the G step's (detached) output (median of the loop step; parameter counts of both sides compared);
// - generator: a conv encoder-decoder at 64x64x3, batch 16 (3x3 conv to 32, 4x4 stride-2 convs to 64
//   and 128, 4x4 stride-2 transposed convs back to 64 and 32, 3x3 conv to 3, tanh; ReLU between):
//   median training step (L1 loss, Adam 1e-3) and median inference;
// - memory: ResNet-8 for 20 epochs on 1,024 generated images in a fresh process per side: RSS after every
//   epoch and the peak.
// PyTorch: /usr/bin/python3 with Debian's torch, torch.set_num_threads(THREADS), OPENBLAS_NUM_THREADS=1
// (bench/train-vs-pytorch.py). Condense: onnxruntime with THREADS intra-op threads.
// Prints JSON: each section's figures and ratios (Condense / PyTorch), and `mustShow`, the claims with
// pass computed from the measured numbers.
// Run: node --import tsx bench/train-vs-pytorch.mjs [--threads 2] [--steps 30] [--epochs 5]
//      [--only resnet8,resnet8_epoch,lenet5,pix2pix,generator,memory] [--skip-resnet] [--skip-lenet]
//      [--skip-generator] [--profile] [--seeds N] (LeNet-5 runs per side; accuracies compared as means)
//      [--pix2pix-replicas N] (default 2 with 2+ threads; 1 runs one session on every thread)
// --profile adds the per-step phases of the Condense steps (data, feeds, run, fetch, optimizer, metrics)
// and torch.autograd.profiler's busiest ops for ResNet-8 and LeNet-5.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const threads = arg('threads', 2);
const steps = arg('steps', 30);
const warmup = 5;
const epochs = arg('epochs', 5);
/** LeNet-5 runs per side (seeds 0 .. N-1): the accuracy bar compares the means, so one seed's luck does not decide it. */
const lenetSeeds = arg('seeds', 1);
/** pix2pix steps split across this many single-threaded replicas (1: one session on every thread). */
const pix2pixReplicas = arg('pix2pix-replicas', threads >= 2 ? 2 : 1);
const profileOn = process.argv.includes('--profile');
const here = path.dirname(fileURLToPath(import.meta.url));
const SECTIONS = ['resnet8', 'resnet8_epoch', 'lenet5', 'pix2pix', 'generator', 'memory'];
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1].split(',') : SECTIONS;
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(', ')}`);
const skipped = new Set([
  ...(process.argv.includes('--skip-resnet') ? ['resnet8', 'resnet8_epoch'] : []),
  ...(process.argv.includes('--skip-lenet') ? ['lenet5'] : []),
  ...(process.argv.includes('--skip-generator') ? ['generator', 'pix2pix'] : []),
]);
const wanted = (s) => only.includes(s) && !skipped.has(s);

const { createZooModel, buildModelGraph } = await import('../src/compute/model/model.ts');
const { exportOnnx } = await import('../src/compute/model/export.ts');
const { trainClassifier } = await import('../src/compute/model/train.ts');
const { evaluateClassifier } = await import('../src/compute/model/evaluate.ts');
const { GraphBuilder } = await import('../src/compute/graph/graph-builder.ts');
const F = await import('../src/compute/graph/ops/index.ts');
const { TrainStep, initialState, applyBufferUpdates, stateValues } = await import('../src/compute/ort/compiled-graph.ts');
const { Adam, Sgd } = await import('../src/compute/ort/optimizers.ts');
const { init } = await import('../src/compute/graph/init.ts');
const { createSession, runSession } = await import('../src/compute/ort/session.ts');
const { median } = await import('../src/compute/model/latency.ts');
const { StepProfile } = await import('../src/compute/train/profile.ts');
const { fit } = await import('../src/compute/train/fit.ts');
const { pix2pixGraph } = await import('./compute/pix2pix-graph.ts');
const { generateDataset } = await import('../src/compute/data/generated.ts');

function python(args) {
  const out = execFileSync('/usr/bin/python3', [path.join(here, 'train-vs-pytorch.py'), ...args.map(String), ...(profileOn ? ['--profile'] : [])], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

const round = (v, d = 3) => Number(v.toFixed(d));
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
/** Peak resident set size of this process (VmHWM), MB. */
const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const perStep = (profile) => Object.fromEntries(Object.entries(profile.perStep()).map(([k, v]) => [k, round(v, 3)]));

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function randomBatch(seed) {
  const rnd = lcg(seed);
  const images = new Float32Array(64 * 3 * 32 * 32).map(() => rnd() * 2 - 1);
  const labels = BigInt64Array.from({ length: 64 }, () => BigInt(Math.floor(rnd() * 10)));
  return { input: { dtype: 'float32', shape: [64, 3, 32, 32], values: images }, labels: { dtype: 'int64', shape: [64], values: labels } };
}

/** Median ms of one inference call over `steps` runs after `warmup`; releases the session. */
async function medianRunMs(session, feeds) {
  const runs = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    await runSession(session, feeds);
    if (i >= warmup) runs.push(performance.now() - t);
  }
  await session.release();
  return median(runs);
}

const classes10 = Array.from({ length: 10 }, (_, i) => String(i));

async function condenseResnet8() {
  const data = { shape: [3, 32, 32], classes: classes10, normalize: { mean: [0], std: [1] } };
  const model = createZooModel(data, { architecture: 'resnet8', seed: 0 });
  const g = new GraphBuilder({ training: true });
  const { logits } = buildModelGraph(model, g, { batch: 64, training: true });
  const labels = g.input('labels', [64], 'int64');
  const step = await TrainStep.compile({ graph: g, loss: F.crossEntropy(logits, labels) }, { intraOpThreads: threads });
  const state = initialState(g);
  const opt = new Sgd({ learningRate: 0.01, momentum: 0.9 });
  const batch = randomBatch(1);
  let peak = rssMb();
  const times = [];
  const profile = new StepProfile();
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    const p = i >= warmup && profileOn ? profile : undefined;
    const r = await step.run(state, batch, p);
    let u = performance.now();
    opt.step(state.params, r.grads);
    if (p) u = p.lap('optimizer', u);
    applyBufferUpdates(state, r.buffers);
    if (p) {
      p.lap('metrics', u);
      p.steps++;
    }
    if (i >= warmup) times.push(performance.now() - t);
    peak = Math.max(peak, rssMb());
  }
  // The inference model as Condense deploys it: batch norm folded into the convolutions.
  const session = await createSession(exportOnnx(model, { foldBatchNorm: true }), { intraOpThreads: threads });
  const inferenceMs = await medianRunMs(session, { input: batch.input });
  return { train_step_ms: median(times), inference_ms: inferenceMs, peak_rss_mb: peak, ...(profileOn ? { profile_ms_per_step: perStep(profile) } : {}) };
}

/** Generated 32x32x3 images with 10 classes, written to a file for the PyTorch side (pixels, then labels). */
function generatedImages(count, seed) {
  const data = generateDataset({ classes: 10, count, size: 32, channels: 3, seed, stream: 1, name: `generated ${count}` });
  const file = path.join(os.tmpdir(), `condense-bench-${process.pid}-${count}.bin`);
  const labels = Uint8Array.from(data.labels);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(data.pixels.buffer, data.pixels.byteOffset, data.pixels.byteLength), Buffer.from(labels)]));
  return { data, file };
}

const sgdOptions = (epochCount) => ({
  epochs: epochCount,
  batchSize: 64,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'constant',
  augmentation: 'none',
  patience: 0,
  seed: 0,
  intraOpThreads: threads,
});

async function condenseResnet8Epoch(data, epochCount) {
  const model = createZooModel(data, { architecture: 'resnet8', seed: 0 });
  const profile = profileOn ? new StepProfile() : undefined;
  const r = await trainClassifier(model, data, { ...sgdOptions(epochCount), profile });
  return { epoch_seconds: r.epochs.map((e) => e.seconds), ...(profile ? { profile_ms_per_step: perStep(profile) } : {}) };
}

/** The memory run in this (child) process: ResNet-8 for 20 epochs, RSS after each epoch. */
async function memoryChild(file, count, epochCount) {
  const data = generateDataset({ classes: 10, count, size: 32, channels: 3, seed: 5, stream: 1, name: `generated ${count}` });
  const bytes = fs.readFileSync(file);
  if (!bytes.subarray(0, data.pixels.length).equals(Buffer.from(data.pixels))) throw new Error('memory run: the data file does not match the generated set');
  const model = createZooModel(data, { architecture: 'resnet8', seed: 0 });
  const rss = [];
  await trainClassifier(model, data, sgdOptions(epochCount), { onEpoch: async () => void rss.push(rssMb()) });
  return { rss_mb_per_epoch: rss, peak_rss_mb: peakRssMb() };
}

/** The encoder-decoder generator of the benchmark, recorded with the graph ops (PyTorch layer names). */
function generatorGraph(g, x) {
  const conv = (h, name, cin, cout, k, stride, padding) => {
    const shape = [cout, cin, k, k];
    const w = g.param(`${name}.weight`, shape, init.kaimingUniform());
    return F.conv2d(h, w, g.param(`${name}.bias`, [cout], init.biasUniform(shape)), { stride, padding });
  };
  const convT = (h, name, cin, cout) => {
    const shape = [cin, cout, 4, 4];
    const w = g.param(`${name}.weight`, shape, init.kaimingUniform());
    return F.convTranspose2d(h, w, g.param(`${name}.bias`, [cout], init.biasUniform(shape)), { stride: 2, padding: 1 });
  };
  let h = F.relu(conv(x, 'enc1', 3, 32, 3, 1, 1));
  h = F.relu(conv(h, 'enc2', 32, 64, 4, 2, 1));
  h = F.relu(conv(h, 'enc3', 64, 128, 4, 2, 1));
  h = F.relu(convT(h, 'dec1', 128, 64));
  h = F.relu(convT(h, 'dec2', 64, 32));
  return F.tanh(conv(h, 'out', 32, 3, 3, 1, 1));
}

function randomImages(shape, seed) {
  const rnd = lcg(seed);
  return { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rnd() * 2 - 1) };
}

async function condenseGenerator() {
  const shape = [16, 3, 64, 64];
  const g = new GraphBuilder({ training: true, seed: 0 });
  const x = g.input('input', shape);
  const target = g.input('target', shape);
  const y = generatorGraph(g, x);
  const step = await TrainStep.compile({ graph: g, loss: F.mean(F.abs(F.sub(y, target))) }, { intraOpThreads: threads });
  const state = initialState(g);
  const opt = new Adam({ learningRate: 1e-3 });
  const batch = { input: randomImages(shape, 7), target: randomImages(shape, 8) };
  const times = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    const r = await step.run(state, batch);
    opt.step(state.params, r.grads);
    if (i >= warmup) times.push(performance.now() - t);
  }
  const ig = new GraphBuilder({ training: false });
  const out = generatorGraph(ig, ig.input('input', shape));
  const model = ig.toModel({ outputs: { output: out }, state: 'initializers', stateValues: stateValues(state) });
  const { encodeModel } = await import('../src/compute/onnx/model.ts');
  const session = await createSession(encodeModel(model), { intraOpThreads: threads });
  const inferenceMs = await medianRunMs(session, { input: batch.input });
  return { train_step_ms: median(times), inference_ms: inferenceMs };
}

/** pix2pix at 32x32, batch 16: the zoo's unet-small (G) and patchgan (D) in one graph, a fit objective each. */
async function condensePix2pix() {
  const batch = 16;
  const g = new GraphBuilder({ training: true, seed: 2 });
  // Both losses are batch means and nothing mixes samples (instance norm), so the steps split across
  // replicas, each graph recorded at its share of the batch.
  const { dLoss, gLoss, dParams, gParams, fake } = pix2pixGraph(g, batch / pix2pixReplicas);
  const size = (names) => names.reduce((s, n) => s + g.params.get(n).shape.reduce((a, b) => a * b, 1), 0);
  const data = { input: randomImages([batch, 3, 32, 32], 11), target: randomImages([batch, 3, 32, 32], 12) };
  // Through the fit loop, as every method trains: G, then D on G's output of the same loop step. The stream
  // marks the start of every loop step, so the gaps between marks are the step times (loop, both
  // sessions, both optimizers).
  const marks = [];
  const stream = { names: ['input', 'target'], batchesPerEpoch: warmup + steps + 1, startEpoch: () => {}, next: () => (marks.push(performance.now()), data) };
  const profile = profileOn ? new StepProfile() : undefined;
  let generated;
  await fit(
    {
      graph: g,
      objectives: [
        { name: 'G', loss: gLoss, params: gParams, optimizer: new Adam({ learningRate: 2e-4, beta1: 0.5 }), outputs: { fake }, afterStep: (out) => (generated = out.fake) },
        { name: 'D', loss: dLoss, params: dParams, optimizer: new Adam({ learningRate: 2e-4, beta1: 0.5 }), inputs: { names: ['fake'], make: () => ({ fake: generated }) } },
      ],
      streams: { pairs: stream },
      epochs: 1,
      compile: { intraOpThreads: threads },
      replicas: pix2pixReplicas,
    },
    { profile },
  );
  const times = marks.slice(warmup + 1).map((t, i) => t - marks[warmup + i]);
  return {
    step_ms: median(times),
    replicas: pix2pixReplicas,
    generator_params: size(gParams),
    discriminator_params: size(dParams),
    ...(profile ? { profile_ms_per_step: perStep(profile) } : {}),
  };
}

async function condenseLenet(seed) {
  const { datasetParams } = await import('../nodes/dataset/index.ts');
  const { loadDatasetSplits } = await import('../src/compute/data/load.ts');
  const { train, test } = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
  if (train.count !== 60000) throw new Error(`the full Fashion-MNIST is not installed (got ${train.count} train images)`);
  const model = createZooModel(train, { architecture: 'lenet5', seed });
  const profile = profileOn ? new StepProfile() : undefined;
  const r = await trainClassifier(model, train, {
    epochs,
    batchSize: 64,
    optimizer: 'adam',
    lr: 1e-3,
    momentum: 0,
    weightDecay: 0,
    schedule: 'constant',
    augmentation: 'none',
    patience: 0,
    seed,
    intraOpThreads: threads,
    profile,
  });
  const ev = await evaluateClassifier({ ...model, params: r.params, buffers: r.buffers }, test, { intraOpThreads: threads });
  return { test_accuracy: ev.accuracy, epoch_seconds: r.epochs.map((e) => e.seconds), ...(profile ? { profile_ms_per_step: perStep(profile) } : {}) };
}

if (process.argv.includes('--memory-child')) {
  const i = process.argv.indexOf('--memory-child');
  const [file, count, epochCount] = process.argv.slice(i + 1, i + 4);
  console.log(JSON.stringify(await memoryChild(file, Number(count), Number(epochCount))));
  process.exit(0);
}

const result = { threads, machine: { cpus: os.availableParallelism(), load_average_at_start: os.loadavg().map((v) => round(v, 2)) } };
const mustShow = [];
/** A claim `value <= bound` (or `>=` with `atLeast`), with what it was compared against. */
const claim = (text, value, bound, reference, atLeast = false) =>
  mustShow.push({ claim: text, pass: Number.isFinite(value) && (atLeast ? value >= bound : value <= bound), value: round(value), reference });

/** Both sides' training step and inference medians, their ratios, and the two claims (inference <= 0.7). */
function stepAndInference(c, p, stepClaim, stepBound, inferenceClaim) {
  const r = { condense: c, pytorch: p, ratio_train_step: round(c.train_step_ms / p.train_step_ms), ratio_inference: round(c.inference_ms / p.inference_ms) };
  claim(`${stepClaim}, Condense / PyTorch <= ${stepBound.toFixed(1)}`, r.ratio_train_step, stepBound, `${round(c.train_step_ms, 1)} ms vs ${round(p.train_step_ms, 1)} ms`);
  claim(`${inferenceClaim}, Condense / PyTorch <= 0.7`, r.ratio_inference, 0.7, `${round(c.inference_ms, 2)} ms vs ${round(p.inference_ms, 2)} ms`);
  return r;
}

if (wanted('resnet8')) {
  const c = await condenseResnet8();
  const p = python(['resnet8', threads, steps, warmup]);
  result.resnet8 = stepAndInference(c, p, 'ResNet-8 32x32x3 batch 64 training step', 1, 'ResNet-8 inference batch 64');
}
if (wanted('resnet8_epoch')) {
  const count = 10000;
  const epochCount = 2;
  const { data, file } = generatedImages(count, 3);
  try {
    const c = await condenseResnet8Epoch(data, epochCount);
    const p = python(['resnet8_epoch', threads, file, count, epochCount, JSON.stringify(data.normalize)]);
    const r = (result.resnet8_epoch_10k = { images: count, epochs: epochCount, condense: c, pytorch: p, ratio_epoch_time: round(mean(c.epoch_seconds) / mean(p.epoch_seconds)) });
    claim('ResNet-8 epoch on 10,000 images (fit loop), Condense / PyTorch <= 1.0', r.ratio_epoch_time, 1, `${round(mean(c.epoch_seconds), 2)} s vs ${round(mean(p.epoch_seconds), 2)} s`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
if (wanted('lenet5')) {
  const runs = { condense: [], pytorch: [] };
  // Alternating sides, so a change in machine load falls on both.
  for (let seed = 0; seed < lenetSeeds; seed++) {
    runs.condense.push(await condenseLenet(seed));
    runs.pytorch.push(python(['lenet', threads, '/usr/share/datasets/fashion-mnist', epochs, seed]));
  }
  const side = (list) => ({
    test_accuracy: mean(list.map((x) => x.test_accuracy)),
    test_accuracy_per_seed: list.map((x) => round(x.test_accuracy, 4)),
    epoch_seconds: list.flatMap((x) => x.epoch_seconds),
    ...(list[0].profile_ms_per_step ? { profile_ms_per_step: list[0].profile_ms_per_step } : {}),
  });
  const [cL, pL] = [side(runs.condense), side(runs.pytorch)];
  const r = (result.lenet5_fashion_mnist = {
    epochs,
    seeds: lenetSeeds,
    condense: cL,
    pytorch: pL,
    accuracy_difference_points: round(100 * (cL.test_accuracy - pL.test_accuracy), 2),
    ratio_epoch_time: round(mean(cL.epoch_seconds) / mean(pL.epoch_seconds)),
  });
  claim('LeNet-5 Fashion-MNIST epoch (60,000 images, batch 64, Adam), Condense / PyTorch <= 1.0', r.ratio_epoch_time, 1, `${round(mean(cL.epoch_seconds), 2)} s vs ${round(mean(pL.epoch_seconds), 2)} s`);
  claim(
    `LeNet-5 ${epochs}-epoch test accuracy within 0.3 points of PyTorch's${lenetSeeds > 1 ? ` (means of ${lenetSeeds} seeds)` : ''}`,
    Math.abs(r.accuracy_difference_points),
    0.3,
    `${round(100 * cL.test_accuracy, 2)}% vs ${round(100 * pL.test_accuracy, 2)}%`,
  );
}
if (wanted('pix2pix')) {
  const c = await condensePix2pix();
  const p = python(['pix2pix', threads, steps, warmup]);
  const r = (result.pix2pix_32_b16 = { condense: c, pytorch: p, ratio_step: round(c.step_ms / p.step_ms) });
  claim('pix2pix G + D step at 32 px, batch 16, two Adam, Condense / PyTorch <= 1.0', r.ratio_step, 1, `${round(c.step_ms, 1)} ms vs ${round(p.step_ms, 1)} ms`);
  const same = c.generator_params === p.generator_params && c.discriminator_params === p.discriminator_params;
  mustShow.push({
    claim: 'pix2pix: both sides have the same parameter counts (G, D)',
    pass: same,
    value: `${c.generator_params}, ${c.discriminator_params}`,
    reference: `${p.generator_params}, ${p.discriminator_params}`,
  });
}
if (wanted('generator')) {
  const c = await condenseGenerator();
  const p = python(['generator', threads, steps, warmup]);
  result.generator_64x64_b16 = stepAndInference(c, p, 'Encoder-decoder generator 64x64 batch 16 training step', 0.8, 'Generator inference');
}
if (wanted('memory')) {
  const count = 1024;
  const epochCount = 20;
  const { data, file } = generatedImages(count, 5);
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--memory-child', file, String(count), String(epochCount), '--threads', String(threads)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const c = JSON.parse(out.trim().split('\n').at(-1));
    const p = python(['memory', threads, file, count, epochCount, JSON.stringify(data.normalize)]);
    const drift = (v) => v.at(-1) / v[1] - 1;
    const r = (result.memory_resnet8_20_epochs = {
      images: count,
      epochs: epochCount,
      condense: { ...c, rss_mb_per_epoch: c.rss_mb_per_epoch.map((v) => round(v, 1)), last_vs_second_epoch: round(drift(c.rss_mb_per_epoch)) },
      pytorch: { ...p, rss_mb_per_epoch: p.rss_mb_per_epoch.map((v) => round(v, 1)), last_vs_second_epoch: round(drift(p.rss_mb_per_epoch)) },
      ratio_peak_rss: round(c.peak_rss_mb / p.peak_rss_mb),
    });
    claim('Peak RSS training ResNet-8, Condense / PyTorch <= 1.2', r.ratio_peak_rss, 1.2, `${round(c.peak_rss_mb, 1)} MB vs ${round(p.peak_rss_mb, 1)} MB`);
    claim(
      'RSS flat over 20 epochs: last epoch within 5% of the 2nd (Condense)',
      Math.abs(drift(c.rss_mb_per_epoch)),
      0.05,
      `${round(c.rss_mb_per_epoch[1], 1)} -> ${round(c.rss_mb_per_epoch.at(-1), 1)} MB (PyTorch ${round(p.rss_mb_per_epoch[1], 1)} -> ${round(p.rss_mb_per_epoch.at(-1), 1)} MB)`,
    );
  } finally {
    fs.rmSync(file, { force: true });
  }
}
result.mustShow = mustShow;
console.log(JSON.stringify(result, null, 2));

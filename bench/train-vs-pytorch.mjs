// Condense against PyTorch on the same machine, in the same run:
// - ResNet-8 (16/32/64, BN, ReLU) at 32x32x3, batch 64: median training step (forward, backward, SGD
//   momentum update) and median inference (eval mode, batch 64), plus peak RSS during training;
// - LeNet-5 on Fashion-MNIST, Adam 1e-3, batch 64, 5 epochs: test accuracy and seconds per epoch;
// - a conv encoder-decoder generator at 64x64x3, batch 16 (3x3 conv to 32, 4x4 stride-2 convs to 64
//   and 128, 4x4 stride-2 transposed convs back to 64 and 32, 3x3 conv to 3, tanh; ReLU between): median
//   training step (L1 loss, Adam 1e-3) and median inference.
// PyTorch: /usr/bin/python3 with Debian's torch, torch.set_num_threads(THREADS), OPENBLAS_NUM_THREADS=1
// (bench/train-vs-pytorch.py). Condense: onnxruntime with THREADS intra-op threads.
// Run: node --import tsx bench/train-vs-pytorch.mjs [--threads 2] [--steps 30] [--epochs 5] [--skip-resnet]
//      [--skip-lenet] [--skip-generator]
import { execFileSync } from 'node:child_process';
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
const skipLenet = process.argv.includes('--skip-lenet');
const skipResnet = process.argv.includes('--skip-resnet');
const skipGenerator = process.argv.includes('--skip-generator');
const here = path.dirname(fileURLToPath(import.meta.url));

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

function python(args) {
  const out = execFileSync('/usr/bin/python3', [path.join(here, 'train-vs-pytorch.py'), ...args.map(String)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

function randomBatch(seed) {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
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

async function condenseResnet8() {
  const data = { shape: [3, 32, 32], classes: Array.from({ length: 10 }, (_, i) => String(i)), normalize: { mean: [0], std: [1] } };
  const model = createZooModel(data, { architecture: 'resnet8', seed: 0 });
  const g = new GraphBuilder({ training: true });
  const { logits } = buildModelGraph(model, g, { batch: 64, training: true });
  const labels = g.input('labels', [64], 'int64');
  const step = await TrainStep.compile({ graph: g, loss: F.crossEntropy(logits, labels) }, { intraOpThreads: threads });
  const state = initialState(g);
  const opt = new Sgd({ learningRate: 0.01, momentum: 0.9 });
  const batch = randomBatch(1);
  let peak = process.memoryUsage().rss;
  const times = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    const r = await step.run(state, batch);
    opt.step(state.params, r.grads);
    applyBufferUpdates(state, r.buffers);
    if (i >= warmup) times.push(performance.now() - t);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  // The inference model as Condense deploys it: batch norm folded into the convolutions.
  const session = await createSession(exportOnnx(model, { foldBatchNorm: true }), { intraOpThreads: threads });
  const inferenceMs = await medianRunMs(session, { input: batch.input });
  return { train_step_ms: median(times), inference_ms: inferenceMs, peak_rss_mb: peak / 2 ** 20 };
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

async function condenseGenerator() {
  const shape = [16, 3, 64, 64];
  const g = new GraphBuilder({ training: true, seed: 0 });
  const x = g.input('input', shape);
  const target = g.input('target', shape);
  const y = generatorGraph(g, x);
  const step = await TrainStep.compile({ graph: g, loss: F.mean(F.abs(F.sub(y, target))) }, { intraOpThreads: threads });
  const state = initialState(g);
  const opt = new Adam({ learningRate: 1e-3 });
  let s = 7;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const size = shape.reduce((a, b) => a * b, 1);
  const batch = {
    input: { dtype: 'float32', shape, values: new Float32Array(size).map(rnd) },
    target: { dtype: 'float32', shape, values: new Float32Array(size).map(rnd) },
  };
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

async function condenseLenet() {
  const { datasetParams } = await import('../nodes/dataset/index.ts');
  const { loadDatasetSplits } = await import('../src/compute/data/load.ts');
  const { train, test } = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
  if (train.count !== 60000) throw new Error(`the full Fashion-MNIST is not installed (got ${train.count} train images)`);
  const model = createZooModel(train, { architecture: 'lenet5', seed: 0 });
  const r = await trainClassifier(
    model,
    train,
    { epochs, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 0, intraOpThreads: threads },
  );
  const ev = await evaluateClassifier({ ...model, params: r.params, buffers: r.buffers }, test, { intraOpThreads: threads });
  return { test_accuracy: ev.accuracy, epoch_seconds: r.epochs.map((e) => e.seconds) };
}

const round = (v, d = 3) => Number(v.toFixed(d));
/** Both sides' step and inference medians with the Condense / PyTorch ratios. */
const compared = (condense, pytorch) => ({
  condense,
  pytorch,
  ratio_train_step: round(condense.train_step_ms / pytorch.train_step_ms),
  ratio_inference: round(condense.inference_ms / pytorch.inference_ms),
});
const result = { threads, machine: { cpus: (await import('node:os')).availableParallelism() } };
if (!skipResnet) {
  result.resnet8 = compared(await condenseResnet8(), python(['resnet8', threads, steps, warmup]));
}
if (!skipGenerator) {
  result.generator_64x64_b16 = compared(await condenseGenerator(), python(['generator', threads, steps, warmup]));
}
if (!skipLenet) {
  const cL = await condenseLenet();
  const pL = python(['lenet', threads, '/usr/share/datasets/fashion-mnist', epochs]);
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  result.lenet5_fashion_mnist = {
    epochs,
    condense: cL,
    pytorch: pL,
    accuracy_difference_points: round(100 * (cL.test_accuracy - pL.test_accuracy), 2),
    ratio_epoch_time: round(mean(cL.epoch_seconds) / mean(pL.epoch_seconds)),
  };
}
console.log(JSON.stringify(result, null, 2));

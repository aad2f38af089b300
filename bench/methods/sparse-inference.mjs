// Compressed models served faster (issue "Compressed models served faster"): what is built so far is
// measured here; the lines whose kernels do not exist yet stay in the mustShow list with pass: false.
// - Shrunk models: LeNet-5 and VGG-small x0.5 trained on full Fashion-MNIST, half the filters of every
//   layer but the first and half the hidden units pruned (ADMM-NN-S's filter projection,
//   src/compute/prune/projections.ts), one masked epoch, then shrunk (src/compute/prune/shrink.ts): the
//   onnxruntime latency of the shrunk against the masked ONNX at batch 1 and 8 on one thread (rounds
//   alternating, minimum kept), and the predictions of both on all 10,000 test images.
// - The dense C baseline against onnxruntime per zoo model (bench/methods/c-library.ts, run as a child).
// Run: OPENBLAS_NUM_THREADS=1 node --import tsx bench/methods/sparse-inference.mjs [--epochs 2] [--rounds 5]
//      [--runs 200] [--models lenet5,vgg-small] [--no-c-library]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const epochs = Number(arg('epochs', 2));
const rounds = Number(arg('rounds', 5));
const runs = Number(arg('runs', 200));
const models = arg('models', 'lenet5,vgg-small').split(',');
const withCLibrary = !process.argv.includes('--no-c-library');

const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { evaluateClassifier } = await import('../../src/compute/model/evaluate.ts');
const { countMacs, exportOnnx } = await import('../../src/compute/model/export.ts');
const { measureLatency } = await import('../../src/compute/model/latency.ts');
const { buildModelGraph, createZooModel, parameterCount } = await import('../../src/compute/model/model.ts');
const { weightLayers } = await import('../../src/compute/model/weight-layers.ts');
const { GraphBuilder } = await import('../../src/compute/graph/graph-builder.ts');
const { trainClassifier } = await import('../../src/compute/model/train.ts');
const { structuredMask } = await import('../../src/compute/prune/projections.ts');
const { withMasks } = await import('../../src/compute/prune/prune-model.ts');
const { shrinkModel } = await import('../../src/compute/prune/shrink.ts');

const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const splits = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
if (splits.train.count !== 60000) throw new Error(`the full Fashion-MNIST is not installed (got ${splits.train.count} train images)`);
const options = (o) => ({ epochs, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, seed: 1, ...o });
const macsOf = (model) => {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false });
  return countMacs(g);
};

async function shrunkAgainstMasked(name) {
  const created = createZooModel(splits.train, { architecture: name, width: name === 'vgg-small' ? 0.5 : 1, seed: 1 });
  const trained = await trainClassifier(created, splits.train, options({}));
  const dense = { ...created, params: trained.params, buffers: trained.buffers };
  // Half the filters of every weight layer but the first and the classifier, by ADMM-NN-S's filter projection.
  const layers = weightLayers(dense).filter((l, i, all) => i > 0 && i < all.length - 1);
  const masks = new Map(layers.map((l) => [l.name, structuredMask(dense.params[l.name], l.shape, 'filters', Math.ceil(l.shape[0] / 2))]));
  const pruned = withMasks(dense, masks);
  const tuned = await trainClassifier(pruned, splits.train, options({ epochs: 1 }));
  const masked = { ...pruned, params: tuned.params, buffers: tuned.buffers };
  const { model: shrunk, removed } = shrinkModel(masked);
  log(`${name}: ${layers.length} layers pruned, removed ${JSON.stringify(removed)}`);
  const [a, b] = [await evaluateClassifier(masked, splits.test), await evaluateClassifier(shrunk, splits.test)];
  let same = 0;
  for (let i = 0; i < a.predictions.length; i++) if (a.predictions[i] === b.predictions[i]) same++;
  const files = { masked: exportOnnx(masked), shrunk: exportOnnx(shrunk) };
  const best = { masked: { 1: Infinity, 8: Infinity }, shrunk: { 1: Infinity, 8: Infinity } };
  for (let r = 0; r < rounds; r++)
    for (const kind of ['masked', 'shrunk']) {
      const ms = await measureLatency(files[kind], masked.meta.inputShape, [1, 8], runs, { intraOpThreads: 1 });
      for (const batch of [1, 8]) best[kind][batch] = Math.min(best[kind][batch], ms[batch]);
    }
  return {
    model: name,
    removed,
    parameters: { masked: parameterCount(masked), shrunk: parameterCount(shrunk) },
    macs: { masked: macsOf(masked), shrunk: macsOf(shrunk) },
    accuracy: { masked: a.accuracy, shrunk: b.accuracy },
    same_predictions: same,
    test_images: a.predictions.length,
    latency_ms: best,
    speedup: { 1: Number((best.masked[1] / best.shrunk[1]).toFixed(3)), 8: Number((best.masked[8] / best.shrunk[8]).toFixed(3)) },
  };
}

const shrinkRuns = [];
for (const name of models) shrinkRuns.push(await shrunkAgainstMasked(name));

let cLibrary = null;
if (withCLibrary) {
  log('dense C library against onnxruntime (bench/methods/c-library.ts)');
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'c-library.ts')], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  cLibrary = JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)).results.map((r) => ({ model: r.model, c_over_ort_cpu: r.cpu.cOverOrt, c_portable_over_ort_cpu: r.cpu.cPortableOverOrt }));
}

const notBuilt = (claim) => ({ claim, pass: false, value: null, reference: 'not built yet: no such kernel in the generated C library' });
const mustShow = [
  notBuilt('VGG-small x0.5 pruned 8x (patterns + connectivity): pattern kernels at least 3x faster than the dense C build and faster than onnxruntime on the dense fp32 model (goal 1.5x); the same predictions on all 10,000 test images'),
  notBuilt('Pattern vs CSR at the same sparsity and vs PCNN: the speed ranking measured, beside the papers\' claim that irregular sparsity does not pay'),
  {
    claim: 'A filter-pruned model shrunk: onnxruntime latency of the shrunk vs the masked model, and its accuracy identical',
    pass: shrinkRuns.length > 0 && shrinkRuns.every((r) => r.same_predictions === r.test_images && r.accuracy.shrunk === r.accuracy.masked && r.latency_ms.shrunk[1] > 0),
    value: shrinkRuns,
    reference: 'measured here: onnxruntime, one thread, minimum of the alternating rounds',
  },
  notBuilt('Codebook kernels: the measured speed against dense, and the file bytes'),
  {
    claim: "The dense C baseline's ratio to onnxruntime per zoo model, before and after",
    pass: cLibrary !== null && cLibrary.every((r) => Number.isFinite(r.c_over_ort_cpu)),
    value: cLibrary,
    reference: 'after, measured in this run; before (the old direct convolution): bench/README.md, "Generated C library"',
  },
];
console.log(JSON.stringify({ bench: 'sparse-inference', epochs, rounds, runs, models, mustShow }, null, 2));

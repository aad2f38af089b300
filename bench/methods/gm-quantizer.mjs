// GM quantizer (DGMS, methods.md section 2) on the full Fashion-MNIST: a half-width VGG-small trained in
// fp32 (cached under bench/.cache/ so reruns skip it), then its inner convolutions quantised at
// K = 16, 8, 4 by DGMS fine-tuning and by k-means post-training quantisation, each through the node
// itself. Prints one JSON table: accuracy (hard; soft for DGMS), sparsity, compression ratio, bytes of the
// compact file and the codebook ONNX, wall time.
// Run: node --import tsx bench/methods/gm-quantizer.mjs [--ks 16,8,4] [--epochs 1] [--pretrain-epochs 3]
//      [--optimizer adam] [--lr 1e-4] [--schedule cosine] [--weight-decay 0] [--mixture-lr 1e-3] [--tau 0.01]
//      [--learn-temperature] [--train-count 60000]  (fine-tune on the first N train images; accuracy is always on all 10,000 test images)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { arg } from './args.mjs';

const ks = arg('ks', '16,8,4').split(',').map(Number);
const epochs = Number(arg('epochs', 1));
const pretrainEpochs = Number(arg('pretrain-epochs', 3));
const optimizer = arg('optimizer', 'adam');
const lr = Number(arg('lr', 1e-4));
const schedule = arg('schedule', 'cosine');
const weightDecay = Number(arg('weight-decay', 0));
const mixtureLr = Number(arg('mixture-lr', 1e-3));
const tau = Number(arg('tau', 0.01));
const learnTemperature = process.argv.includes('--learn-temperature');
const trainCount = Number(arg('train-count', 60000));
const here = path.dirname(fileURLToPath(import.meta.url));
const cacheDir = path.join(here, '..', '.cache');

const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { default: gmQuantizer } = await import('../../nodes/gm-quantizer/index.ts');
const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { subsetDataset } = await import('../../src/compute/data/transforms.ts');
const { createZooModel } = await import('../../src/compute/model/model.ts');
const { trainClassifier } = await import('../../src/compute/model/train.ts');
const { evaluateClassifier } = await import('../../src/compute/model/evaluate.ts');
const { hardWeights, initMixture } = await import('../../src/compute/quantize/mixture.ts');
const { selectLayers } = await import('../../src/compute/quantize/layers.ts');
const { weightLayers } = await import('../../src/compute/model/weight-layers.ts');
const { runNode } = await import('../../tests/helpers/node-context.ts');

const { train, test } = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
if (train.count !== 60000 || test.count !== 10000) throw new Error(`the full Fashion-MNIST is not installed (got ${train.count}/${test.count} images)`);
const fineTune = trainCount < train.count ? subsetDataset(train, Array.from({ length: trainCount }, (_, i) => i)) : train;

/** The fp32 model: VGG-small at width 0.5, Adam 1e-3 cosine, batch 64, seed 1; from the cache when there. */
async function pretrained() {
  const file = path.join(cacheDir, `gm-quantizer-fp32-vgg-small-w0.5-e${pretrainEpochs}.bin`);
  if (existsSync(file)) return v8.deserialize(readFileSync(file)).model;
  const created = createZooModel(train, { architecture: 'vgg-small', width: 0.5, seed: 1 });
  const model = { ...created, meta: { ...created.meta, normalize: train.normalize } };
  const options = { epochs: pretrainEpochs, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, seed: 1 };
  const r = await trainClassifier(model, train, options, { log: (m) => console.error(`fp32: ${m}`) });
  const trained = { ...model, params: r.params, buffers: r.buffers };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, v8.serialize({ model: trained }));
  return trained;
}

const model = await pretrained();
const round = (v, d = 4) => (v === undefined ? null : Number(v.toFixed(d)));
const rows = [];
let fp32;
for (const k of ks) {
  for (const method of ['kmeans-ptq', 'dgms']) {
    const params = { method, components: k, epochs, optimizer, lr, schedule, weightDecay, mixtureLr, temperature: tau, learnTemperature, seed: 1 };
    const started = performance.now();
    const { outputs } = await runNode(gmQuantizer, {
      inputs: { model, train: fineTune, test },
      params,
      nodeId: `${method}-${k}`,
    });
    const seconds = (performance.now() - started) / 1000;
    const v = outputs.metrics.values;
    fp32 = v.fp32_accuracy;
    const row = {
      method,
      K: k,
      accuracy: v.accuracy,
      soft_accuracy: v.soft_accuracy ?? null,
      sparsity: v.sparsity,
      bits: v.bits,
      compression_ratio: v.compression_ratio,
      layer_fp32_bytes: v.layer_fp32_bytes,
      layer_compact_bytes: v.layer_compact_bytes,
      layer_compact_ratio: v.layer_compact_ratio,
      compact_file_bytes: v.compact_file_bytes,
      onnx_codebook_bytes: v.onnx_codebook_bytes,
      onnx_fp32_bytes: v.onnx_fp32_bytes,
      wall_seconds: round(seconds, 1),
    };
    const taus = outputs.metrics.tables.find((t) => t.title === 'Learned temperature');
    if (taus) row.learned_temperature = Object.fromEntries(taus.rows);
    rows.push(row);
    console.error(JSON.stringify(row));
  }
  // Ablation: the k-means-initialised mixture snapped at once, no fine-tuning, to separate what the
  // mixture's assignment does from what the training (weights, mixture and batch-norm statistics) does.
  const layers = selectLayers(weightLayers(model), 'inner-convs').map((l) => l.name);
  const snapped = { ...model, params: { ...model.params } };
  for (const l of layers) snapped.params[l] = hardWeights(model.params[l], initMixture(model.params[l], k)).values;
  const row = { method: 'dgms-init-no-training', K: k, accuracy: round((await evaluateClassifier(snapped, test)).accuracy) };
  rows.push(row);
  console.error(JSON.stringify(row));
}
const byKey = Object.fromEntries(rows.map((r) => [`${r.method}-${r.K}`, r]));
const result = {
  model: 'vgg-small width 0.5 (inner convs conv1-conv4 quantised)',
  data: `Fashion-MNIST: fine-tune on ${fineTune.count} train images, accuracy on the 10000 test images`,
  settings: { pretrain: `adam 1e-3 cosine, batch 64, ${pretrainEpochs} epochs`, dgms: { epochs, optimizer, lr, schedule, weightDecay, momentum: 0.9, mixtureLr, temperature: tau, learnTemperature, init: 'kmeans', batchSize: 64 } },
  machine: { cpus: os.availableParallelism(), load_average_at_end: os.loadavg().map((l) => round(l, 2)) },
  fp32_accuracy: fp32,
  rows,
  checks: {
    k16_within_1_point_of_fp32: byKey['dgms-16'] ? fp32 - byKey['dgms-16'].accuracy <= 0.01 : null,
    dgms_beats_kmeans_at_k4: byKey['dgms-4'] && byKey['kmeans-ptq-4'] ? byKey['dgms-4'].accuracy > byKey['kmeans-ptq-4'].accuracy : null,
    compact_at_least_6x_at_k16: byKey['dgms-16'] ? byKey['dgms-16'].layer_compact_ratio >= 6 : null,
  },
};
console.log(JSON.stringify(result, null, 2));

// Deploy node (condense.deploy.target) on the full Fashion-MNIST: LeNet-5 and a half-width VGG-small
// trained in fp32 (cached under bench/.cache/ so reruns skip it), each deployed to this machine through
// the node itself: fp32 (with the C library checked on the whole test set), int8 calibrated by min/max
// and by the 99.99th percentile, at batch 1 and batch 32 (and once with the first convolution in int8
// too), one onnxruntime thread. Prints one JSON table:
// the roofline estimate beside the measured p50 (the estimator's error), p90/p99, accuracy against fp32,
// int8 speedup, and the C library's agreement with onnxruntime and its latency. Also the estimate on the
// four datasheet targets for each model (int8, batch 1).
// Run: node --import tsx bench/methods/deployer.mjs [--epochs 2] [--runs 300] [--models lenet5,vgg-small]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { arg } from './args.mjs';

const epochs = Number(arg('epochs', 2));
const runs = Number(arg('runs', 300));
const models = arg('models', 'lenet5,vgg-small').split(',');
const here = path.dirname(fileURLToPath(import.meta.url));
const cacheDir = path.join(here, '..', '.cache');

const { datasetParams } = await import('../../nodes/dataset/index.ts');
const { default: deployer } = await import('../../nodes/deployer/index.ts');
const { loadDatasetSplits } = await import('../../src/compute/data/load.ts');
const { createZooModel } = await import('../../src/compute/model/model.ts');
const { trainClassifier } = await import('../../src/compute/model/train.ts');
const { runNode } = await import('../../tests/helpers/node-context.ts');

const { train, test } = loadDatasetSplits(datasetParams.parse({ source: 'fashion-mnist' }), { resolvePath: (p) => p });
if (train.count !== 60000 || test.count !== 10000) throw new Error(`the full Fashion-MNIST is not installed (got ${train.count}/${test.count} images)`);

const widths = { lenet5: 1, 'vgg-small': 0.5, resnet8: 0.5 };

/** Adam 1e-3 cosine, batch 64, seed 1; from the cache when there. */
async function pretrained(architecture) {
  const width = widths[architecture] ?? 1;
  const file = path.join(cacheDir, `deployer-fp32-${architecture}-w${width}-e${epochs}.v8`);
  if (existsSync(file)) return v8.deserialize(readFileSync(file));
  const model = createZooModel(train, { architecture, width, seed: 1 });
  const options = { epochs, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, seed: 1 };
  const t = performance.now();
  const r = await trainClassifier(model, train, options, { log: (m) => console.error(`${architecture}: ${m}`) });
  console.error(`${architecture}: trained in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const trained = { ...model, params: r.params, buffers: r.buffers };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, v8.serialize(trained));
  return trained;
}

const round = (v, d = 4) => (v === undefined || v === null ? null : Number(v.toFixed(d)));
const graphDir = mkdtempSync(path.join(os.tmpdir(), 'condense-deployer-bench-'));
const rows = [];
const targets = [];
try {
  for (const architecture of models) {
    const model = await pretrained(architecture);
    const configs = [
      { precision: 'fp32', batchSize: 1, cLibrary: true, cSamples: test.count },
      { precision: 'int8', batchSize: 1, calibration: 'minmax' },
      { precision: 'int8', batchSize: 1, calibration: 'percentile' },
      { precision: 'fp32', batchSize: 32 },
      { precision: 'int8', batchSize: 32, calibration: 'minmax' },
      { precision: 'int8', batchSize: 32, calibration: 'minmax', floatFirstConv: false },
    ];
    for (const c of configs) {
      const t = performance.now();
      const params = { target: 'host', threads: 1, runs: c.batchSize === 1 ? runs : Math.ceil(runs / 4), cLibrary: false, calibrationSamples: 512, ...c };
      const { outputs } = await runNode(deployer, { inputs: { model, test, calibration: train }, params, graphDir });
      const v = outputs.metrics.values;
      rows.push({
        model: `${architecture} w${widths[architecture] ?? 1}`,
        precision: c.precision,
        calibration: c.calibration ?? null,
        first_conv: c.precision === 'int8' ? (c.floatFirstConv === false ? 'int8' : 'fp32') : null,
        batch: c.batchSize,
        estimated_ms: round(v.estimated_latency_ms, 5),
        measured_p50_ms: round(v.latency_p50_ms),
        p90_ms: round(v.latency_p90_ms),
        p99_ms: round(v.latency_p99_ms),
        estimate_error_pct: v.estimate_error_pct,
        throughput_per_s: v.throughput_per_s,
        accuracy: v.accuracy,
        fp32_accuracy: v.fp32_accuracy,
        fp32_agreement_with_source: v.fp32_agreement_with_source,
        accuracy_change_points: v.accuracy_change_points ?? null,
        speedup_vs_fp32: v.speedup_vs_fp32 ?? null,
        file_bytes: v.file_bytes,
        peak_memory_bytes: v.peak_memory_bytes,
        c_agreement: v.c_agreement ?? null,
        c_agreement_with_source: v.c_agreement_with_source ?? null,
        c_max_abs_diff: v.c_max_abs_diff ?? null,
        c_ms_per_sample: v.c_ms_per_sample ?? null,
        seconds: round((performance.now() - t) / 1000, 1),
      });
      console.error(JSON.stringify(rows.at(-1)));
    }
    for (const target of ['laptop-x86-avx2', 'phone-cortex-a76', 'board-cortex-a53', 'mcu-cortex-m7']) {
      const { outputs } = await runNode(deployer, {
        inputs: { model, test: undefined, calibration: train },
        params: { target, precision: 'int8', threads: 4, runs: 20, cLibrary: target === 'board-cortex-a53', cSamples: 200, calibrationSamples: 256 },
        graphDir,
      });
      const v = outputs.metrics.values;
      targets.push({
        model: architecture,
        target,
        precision: 'int8',
        estimated_ms: round(v.estimated_latency_ms, 5),
        estimated_ram_bytes: v.estimated_ram_bytes,
        file_bytes: v.file_bytes,
        badges: outputs.report.badges.map((b) => `${b.ok ? 'ok' : 'MISSED'}: ${b.detail}`),
        c_aarch64_agreement: v.c_aarch64_agreement ?? null,
      });
      console.error(JSON.stringify(targets.at(-1)));
    }
  }
} finally {
  rmSync(graphDir, { recursive: true, force: true });
}
console.log(JSON.stringify({ machine: `${os.cpus()[0]?.model} x${os.availableParallelism()}`, load: os.loadavg().map((l) => round(l, 2)), epochs, runs, host: rows, targets }, null, 2));

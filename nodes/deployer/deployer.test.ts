// Direct tests of the Deploy node on LeNet-5 trained for one epoch on the bundled Fashion-MNIST subset:
// what it measures and writes, int8 on integer kernels, the ARM cross-build under qemu, and every way
// the user can get it wrong (a missed budget, an op the C generator lacks, a broken profile file, fp16
// on a target without it, int8 without calibration images).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { sha256Of } from '../../src/compute/deploy/package-folder';
import { GraphBuilder } from '../../src/compute/graph/graph-builder';
import { conv2d, globalAvgPool, linear } from '../../src/compute/graph/ops/nn';
import { flatten } from '../../src/compute/graph/ops/shape';
import { createZooModel, importOnnxModel, type Model } from '../../src/compute/model/model';
import { trainClassifier } from '../../src/compute/model/train';
import { encodeModel } from '../../src/compute/onnx/model';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import datasetNode from '../dataset/index';
import node from './index';

let dir: string;
let model: Model;
let train: Dataset;
let test: Dataset;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'condense-deployer-'));
  const { outputs } = await runNode(datasetNode, { params: { source: 'fashion-mnist', bundledMini: true } });
  train = outputs.train;
  test = outputs.test;
  const fresh = createZooModel(train, { architecture: 'lenet5', width: 1, seed: 1 });
  const trained = await trainClassifier(fresh, train, { epochs: 1, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, seed: 1 });
  model = { ...fresh, params: trained.params, buffers: trained.buffers };
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quick = { runs: 10, cSamples: 100 };

async function failure(run: Promise<unknown>): Promise<NodeError> {
  try {
    await run;
  } catch (e) {
    return e as NodeError;
  }
  throw new Error('expected the node to fail');
}

describe('condense.deploy.target', () => {
  it('writes an fp32 package whose ONNX and C library predict as the source model, and fails a missed budget badge without failing the run', { timeout: 60_000 }, async () => {
    const { outputs, ctx } = await runNode(node, { inputs: { model, test, calibration: undefined }, params: { ...quick, latencyBudgetMs: 0.000001, ramBudgetBytes: 1 << 30 }, graphDir: dir });
    const v = outputs.metrics.values;
    expect(v.fp32_agreement_with_source).toBe(1);
    expect(v.c_agreement).toBe(1);
    expect(v.c_agreement_with_source).toBe(1);
    expect(v.c_max_abs_diff).toBeLessThan(1e-3);
    expect(v.accuracy).toBe(v.source_accuracy);
    expect(v.latency_p50_ms).toBeLessThanOrEqual(v.latency_p99_ms!);
    expect(v.estimated_latency_ms).toBeGreaterThan(0);
    expect(v.estimate_error_pct).toBeDefined();

    const [latency, ram] = outputs.report.badges!;
    expect(latency).toMatchObject({ label: 'latency', ok: false });
    expect(latency!.detail).toMatch(/^latency \S+ ms > 0\.0000 ms \(\d+% over; p50 measured on this host, batch 1\)$/);
    expect(ram).toMatchObject({ label: 'RAM', ok: true });
    expect(v.budget_latency_ok).toBe(0);
    expect(ctx.recorded.logs.some((l) => l.level === 'warn' && l.message.startsWith('budget MISSED: latency'))).toBe(true);

    const pkg = outputs.package;
    expect(pkg.folder).toBe(join(dir, 'deploy', 'host-fp32'));
    expect(readdirSync(pkg.folder).sort()).toEqual(['c', 'latency-per-layer.png', 'manifest.json', 'model.onnx', 'report.md']);
    const manifest = JSON.parse(readFileSync(join(pkg.folder, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string; bytes: number }[] };
    expect(manifest.files.map((f) => f.path)).toContain('c/model.c');
    for (const f of manifest.files) expect(sha256Of(readFileSync(join(pkg.folder, f.path)))).toBe(f.sha256);
    expect(readFileSync(join(pkg.folder, 'report.md'), 'utf8')).toMatch(/Roofline estimate on host[\s\S]*\| conv_0 \| Conv \|/);
    expect(outputs.report.images[0]!.name).toBe('latency-per-layer.png');
    expect(node.cache).toBe('never');
  });

  it('int8: QDQ model on onnxruntime integer kernels, within a point of fp32, and a package that replaces the old one', { timeout: 60_000 }, async () => {
    // A previous package with a file the new one does not have: it must be gone afterwards.
    const folder = join(dir, 'int8');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ format: 'condense.deploy-package', files: [] }));
    writeFileSync(join(folder, 'stale.txt'), 'old');
    const { outputs, ctx } = await runNode(node, { inputs: { model, test, calibration: train }, params: { ...quick, precision: 'int8', cLibrary: false, folder: 'int8', calibration: 'percentile' }, graphDir: dir });
    const v = outputs.metrics.values;
    expect(Math.abs(v.accuracy_change_points!)).toBeLessThanOrEqual(1);
    expect(v.speedup_vs_fp32).toBeGreaterThan(0);
    expect(v.file_bytes).toBeLessThan(v.fp32_file_bytes! / 2);
    // The first convolution stays fp32 by default; the other one and the three Gemms run on integer kernels.
    const kernels = Object.fromEntries(outputs.metrics.tables.find((t) => t.title.startsWith('int8: kernels'))!.rows.map((r) => [r[0], r[1]]));
    expect(kernels).toMatchObject({ QLinearConv: 1, QGemm: 3 });
    expect(ctx.recorded.logs.some((l) => /onnxruntime runs 1 QLinearConv, 3 QGemm/.test(l.message))).toBe(true);
    expect(outputs.report.text).toMatch(/conv_0 kept in fp32/);
    expect(readdirSync(folder).sort()).toEqual(['latency-per-layer.png', 'manifest.json', 'model.int8.onnx', 'model.onnx', 'report.md']);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('ARM targets: cross-compiles the C library and checks it under qemu; estimates RAM and flash against the board', { timeout: 60_000 }, async () => {
    const { outputs } = await runNode(node, { inputs: { model, test, calibration: undefined }, params: { ...quick, cSamples: 5, target: 'board-cortex-a53' }, graphDir: dir });
    const measured = outputs.metrics.tables[0]!;
    const arm = measured.rows.find((r) => r[0] === 'C library (aarch64, qemu)')!;
    if (String(arm[13]).startsWith('skipped')) {
      expect(arm[13]).toMatch(/is not installed/);
    } else {
      expect(outputs.metrics.values.c_aarch64_agreement).toBe(1);
    }
    expect(outputs.report.badges!.map((b) => [b.label, b.ok])).toEqual([['fits RAM', true], ['fits flash', true]]);
    expect(outputs.package.target).toBe('board-cortex-a53');
  });

  it('names an op the C generator lacks, and deploys without the C library when told to', { timeout: 60_000 }, async () => {
    const g = new GraphBuilder({ seed: 3 });
    const x = g.input('input', [1, 1, 8, 8]);
    const w = g.param('conv.weight', [4, 1, 3, 3], Float32Array.from({ length: 36 }, (_, i) => Math.sin(i)));
    const [soft] = g.node('Softplus', [conv2d(x, w, null, { padding: 1 })]);
    const logits = linear(flatten(globalAvgPool(soft!)), g.param('fc.weight', [3, 4], Float32Array.from({ length: 12 }, (_, i) => Math.cos(i))));
    const bytes = encodeModel(g.toModel({ outputs: { logits }, state: 'initializers', dynamicBatch: 'N' }));
    const softplus = importOnnxModel(bytes, 'softplus.onnx', { shape: [1, 8, 8], classes: ['a', 'b', 'c'], normalize: { mean: [0], std: [1] } });
    const error = await failure(runNode(node, { inputs: { model: softplus, test: undefined, calibration: undefined }, params: quick, graphDir: dir }));
    expect(error).toBeInstanceOf(NodeError);
    expect(error.message).toMatch(/does not support Softplus.*set cLibrary off/);
    expect(error.detail).toEqual({ param: 'cLibrary' });
    const { outputs } = await runNode(node, { inputs: { model: softplus, test: undefined, calibration: undefined }, params: { ...quick, cLibrary: false, folder: 'softplus' }, graphDir: dir });
    expect(outputs.package.files.map((f) => f.path)).not.toContain('c/model.c');
  });

  it('rejects a broken profile file naming the file and field, fp16 on a target without it, and int8 without calibration', async () => {
    const file = join(dir, 'my-board.json');
    const profile = JSON.parse(readFileSync(join(import.meta.dirname, '../../resources/targets/board-cortex-a53.json'), 'utf8'));
    writeFileSync(file, JSON.stringify({ ...profile, memoryBandwidthGBs: -2 }));
    const bad = await failure(runNode(node, { inputs: { model, test: undefined, calibration: undefined }, params: { targetFile: 'my-board.json' }, graphDir: dir }));
    expect(bad.message).toMatch(/my-board\.json: field "memoryBandwidthGBs": .*>0/);
    expect(bad.detail).toMatchObject({ param: 'targetFile', file });

    const fp16 = await failure(runNode(node, { inputs: { model, test: undefined, calibration: undefined }, params: { precision: 'fp16', target: 'board-cortex-a53' } }));
    expect(fp16.message).toMatch(/has no fp16 arithmetic/);
    expect(fp16.detail).toEqual({ param: 'precision' });

    const int8 = await failure(runNode(node, { inputs: { model, test: undefined, calibration: undefined }, params: { precision: 'int8' } }));
    expect(int8.detail).toEqual({ port: 'calibration' });
    expect(node.infer!(node.params.parse({ precision: 'int8' }), { model: {} }).issues).toEqual([{ port: 'calibration', message: expect.stringMatching(/int8 needs calibration/) }]);
    expect(existsSync(join(dir, 'deploy', 'board-cortex-a53-fp16'))).toBe(false);

    // The folder is replaced as a whole: never the graph's own folder, never someone else's files.
    const own = await failure(runNode(node, { inputs: { model, test: undefined, calibration: undefined }, params: { folder: '.' }, graphDir: dir }));
    expect(own.detail).toEqual({ param: 'folder' });
    mkdirSync(join(dir, 'notes'), { recursive: true });
    writeFileSync(join(dir, 'notes', 'todo.txt'), 'keep me');
    const foreign = await failure(runNode(node, { inputs: { model, test: undefined, calibration: undefined }, params: { folder: 'notes' }, graphDir: dir }));
    expect(foreign.message).toMatch(/notes exists and is not a deploy package/);
    expect(readFileSync(join(dir, 'notes', 'todo.txt'), 'utf8')).toBe('keep me');
  });
});

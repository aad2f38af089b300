import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { generateDataset } from '../../src/compute/data/generated';
import { decodeImage } from '../../src/compute/image/codec';
import { createZooModel, type Model } from '../../src/compute/model/model';
import { trainClassifier } from '../../src/compute/model/train';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const shapes = (count: number, stream: number, size = 16): Dataset =>
  generateDataset({ classes: 4, count, size, channels: 1, seed: 9, stream, name: stream === 1 ? 'shapes (train)' : 'shapes (test)' });
const train = shapes(384, 1);
const test = shapes(128, 2);
let vgg: Model;

beforeAll(async () => {
  const model = createZooModel(train, { architecture: 'vgg-small', width: 0.25, seed: 4 });
  const r = await trainClassifier(model, train, { epochs: 2, batchSize: 32, optimizer: 'adam', lr: 0.003, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1 });
  vgg = { ...model, params: r.params, buffers: r.buffers };
}, 60_000);

describe('condense.prune.pattern', () => {
  it('prunes to patterns with ADMM, retrains with masks, and reports storage, histogram and heatmap', { timeout: 60_000 }, async () => {
    const { outputs, ctx } = await runNode(node, {
      inputs: { model: vgg, train, test },
      params: { method: 'pattern', patterns: 6, connectivity: 0.5, admmEpochs: 1, retrainEpochs: 1, batchSize: 32, lr: 0.001, rho: 0.01 },
    });
    const v = outputs.metrics.values;
    expect(v.accuracy_in).toBeGreaterThan(0.5);
    expect(v.accuracy).toBeGreaterThan(0.4);
    // 4 of 9 kept in half the kernels: 2/9 of the pruned weights.
    expect(v.sparsity).toBeCloseTo(1 - 2 / 9, 2);
    expect(v.compression).toBeCloseTo(4.5, 1);
    expect(v.compression_with_index).toBeLessThan(v.compression!);
    expect(v.compression_with_index).toBeGreaterThan(2);
    expect(v.bytes_pattern_index).toBeLessThan(v.bytes_csr_index!);
    expect(v.macs_remaining).toBeLessThan(v.macs!);
    expect(v.patterns_used).toBeGreaterThan(0);

    const names = new Set(ctx.recorded.metrics.map((m) => m.name));
    for (const n of ['loss', 'accuracy', 'admm_rho', 'admm_pattern/features.conv1.weight', 'admm_connectivity/features.conv1.weight']) expect(names).toContain(n);
    expect(ctx.recorded.progress.at(-1)).toEqual({ fraction: 1, message: 'done' });

    const model = outputs.model;
    expect(Object.keys(model.compression.masks)).toHaveLength(5);
    expect(model.meta.lineage.at(-1)).toMatchObject({ node: 'condense.prune.pattern', params: { method: 'pattern', patterns: 6, connectivity: 0.5 } });
    expect(outputs.report.images.map((i) => i.name)).toEqual(['pattern-histogram.png', 'kept-kernels.png']);
    const png = decodeImage(ctx.recorded.artifacts.get('kept-kernels.png')!.data, 'kept-kernels.png');
    expect(png.colour).toBe(true);
    expect(png.image.height).toBeGreaterThan(20);
    const storage = outputs.report.tables[0]!;
    expect(storage.rows.map((r) => r[0])).toEqual(['dense', 'csr', 'pattern']);
    expect(vgg.compression.masks).toEqual({});
  });

  it('magnitude baseline at a given sparsity, per layer', { timeout: 30_000 }, async () => {
    const { outputs } = await runNode(node, { inputs: { model: vgg, train, test }, params: { method: 'magnitude', sparsity: 0.75, retrainEpochs: 1, batchSize: 32 } });
    const v = outputs.metrics.values;
    expect(v.sparsity).toBeCloseTo(0.75, 2);
    expect(outputs.report.images.map((i) => i.name)).toEqual(['kept-kernels.png']);
    expect(outputs.metrics.tables[2]!.rows.map((r) => r[0])).toEqual(['retrain']);
  });

  it('structured pruning is stored as kept filters whole: a bitmap index, far below CSR', { timeout: 30_000 }, async () => {
    const { outputs } = await runNode(node, { inputs: { model: vgg, train, test }, params: { method: 'magnitude', structure: 'filters', sparsity: 0.5, retrainEpochs: 1, batchSize: 32 } });
    const v = outputs.metrics.values;
    expect(v.sparsity).toBeCloseTo(0.5, 2);
    expect(v.bytes_units_index).toBeLessThan(v.bytes_csr_index! / 20);
    expect(v.compression_with_index).toBeGreaterThan(1.9);
    expect(outputs.report.tables[0]!.rows.map((r) => r[0])).toEqual(['dense', 'csr', 'units']);
  });

  it('refuses bad input before any training', async () => {
    const fail = async (inputs: { model: Model; train: Dataset; test: Dataset }, params: Record<string, unknown>) => {
      const error = await runNode(node, { inputs, params }).catch((e) => e);
      expect(error).toBeInstanceOf(NodeError);
      return error as NodeError;
    };
    const lenet = createZooModel(train, { architecture: 'lenet5' });
    const noConv = await fail({ model: lenet, train, test }, { method: 'pattern' });
    expect(noConv.message).toMatch(/^method pattern prunes 3x3 convolution kernels, and lenet5 has no 3x3 conv layer/);
    expect(noConv.detail).toEqual({ param: 'method' });
    const empty = await fail({ model: vgg, train, test }, { method: 'magnitude', sparsity: 1 });
    expect(empty.detail).toEqual({ param: 'sparsity' });
    const conn = await fail({ model: vgg, train, test }, { method: 'pattern', pruneFirstLayer: true, connectivity: 0.95 });
    expect(conn.detail).toEqual({ param: 'connectivity' });
    // Above 1 is outside the param's range: the schema refuses it (the engine shows it on the param).
    await expect(runNode(node, { inputs: { model: vgg, train, test }, params: { sparsity: 1.5 } })).rejects.toThrow(/sparsity|<=1/);
    const wrongSize = await fail({ model: vgg, train: shapes(64, 1, 28), test }, {});
    expect(wrongSize.detail).toEqual({ port: 'train' });
    expect(wrongSize.message).toMatch(/images of 1x28x28/);
    expect(node.infer!(node.params.parse({}), { model: { shape: [1, 16, 16], classes: 4 }, test: { shape: [1, 16, 16], classes: 10 } }).issues).toEqual([
      { port: 'test', message: 'the model predicts 4 classes but this dataset has 10' },
    ]);
  });
});

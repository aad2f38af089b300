// The node run directly on generated shapes: a VGG-small (quarter width, 16x16) trained briefly, then
// quantised by DGMS and by k-means; and the bad inputs that must fail before any training.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { generateDataset } from '../../src/compute/data/generated';
import { decodeImage } from '../../src/compute/image/codec';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { createZooModel, type Model } from '../../src/compute/model/model';
import { trainClassifier } from '../../src/compute/model/train';
import { decodeModel } from '../../src/compute/onnx/model';
import { tensorValues } from '../../src/compute/onnx/tensor-data';
import { decodeSharedWeights } from '../../src/compute/quantize/storage';
import { NodeError } from '../../src/shared/node-sdk';
import { makeTestContext, runNode } from '../../tests/helpers/node-context';
import node, { gmQuantizerParams } from './index';

const shapes = (count: number, stream: number, size = 16): Dataset =>
  generateDataset({ classes: 4, count, size, channels: 1, seed: 3, stream, name: stream === 1 ? 'shapes (train)' : 'shapes (test)' });

const INNER = ['features.conv1.weight', 'features.conv2.weight', 'features.conv3.weight', 'features.conv4.weight'];
let train: Dataset;
let test: Dataset;
let trained: Model;

beforeAll(async () => {
  train = shapes(384, 1);
  test = shapes(200, 2);
  const model = createZooModel(train, { architecture: 'vgg-small', width: 0.25, seed: 2 });
  const r = await trainClassifier(model, train, { epochs: 3, batchSize: 32, optimizer: 'adam', lr: 3e-3, momentum: 0.9, weightDecay: 0, schedule: 'cosine', augmentation: 'none', patience: 0, seed: 1 });
  trained = { ...model, params: r.params, buffers: r.buffers };
}, 60_000);

describe('condense.quantize.gm', () => {
  it('dgms: fine-tunes, streams soft/hard accuracy and sparsity, and outputs a snapped model with real compact files', { timeout: 60_000 }, async () => {
    const { outputs, ctx } = await runNode(node, { inputs: { model: trained, train, test }, params: { components: 8, epochs: 2, batchSize: 32, monitorCount: 100 } });
    const names = new Set(ctx.recorded.metrics.map((m) => m.name));
    for (const n of ['loss', 'accuracy', 'soft_accuracy', 'hard_accuracy', 'sparsity']) expect(names).toContain(n);
    expect(ctx.recorded.metrics.filter((m) => m.name === 'hard_accuracy').map((m) => m.step)).toEqual([1, 2]);
    const q = outputs.model;
    for (const layer of INNER) {
      expect(new Set(q.params[layer]).size).toBeLessThanOrEqual(8);
      expect(q.compression.codebooks[layer]!.centers[0]).toBe(0);
    }
    expect(q.compression.codebooks['features.conv0.weight']).toBeUndefined();
    expect(q.params['features.conv0.weight']).not.toEqual(trained.params['features.conv0.weight']);
    expect(q.meta.lineage.at(-1)).toMatchObject({ node: 'condense.quantize.gm', params: { method: 'dgms', components: 8 } });

    const v = outputs.metrics.values;
    expect(v.accuracy).toBeCloseTo((await evaluateClassifier(q, test)).accuracy, 4);
    expect(v.fp32_accuracy).toBeCloseTo((await evaluateClassifier(trained, test)).accuracy, 4);
    expect(v.accuracy).toBeGreaterThan(0.5);
    expect(v.soft_hard_gap).toBeCloseTo(v.soft_accuracy! - v.accuracy!, 3);
    expect(v.bits).toBe(3);
    expect(v.compression_ratio).toBeCloseTo(32 / ((1 - v.sparsity!) * 3), 1);
    expect(v.quantized_layers).toBe(4);
    expect(outputs.metrics.tables[0]!.rows.map((r) => r[0])).toEqual(INNER);

    // The files are what the metrics say, and they hold the model's weights.
    const file = ctx.recorded.artifacts.get('weights.cgmw')!;
    expect(file.ref.bytes).toBe(v.compact_file_bytes);
    const back = decodeSharedWeights(file.data);
    for (const [name, values] of Object.entries(q.params)) expect(back.params[name]).toEqual(values);
    const onnx = decodeModel(ctx.recorded.artifacts.get('model-codebook.onnx')!.data);
    expect(onnx.graph.initializer.filter((t) => t.name.endsWith('.codebook_indices')).map((t) => tensorValues(t).constructor.name)).toEqual(INNER.map(() => 'Uint8Array'));
    expect(v.onnx_codebook_bytes).toBeLessThan(v.onnx_fp32_bytes!);

    expect(outputs.report.images.map((i) => i.name)).toEqual(INNER.map((l) => `histogram-${l}.png`));
    const png = decodeImage(ctx.recorded.artifacts.get(`histogram-${INNER[0]}.png`)!.data, 'histogram.png');
    expect(png.image.width).toBeGreaterThan(100);
    expect(png.colour).toBe(true);
  });

  it('kmeans-ptq: shares the trained weights in K values without any training', async () => {
    const { outputs, ctx } = await runNode(node, { inputs: { model: trained, train, test }, params: { method: 'kmeans-ptq', components: 4, layers: 'all-convs' } });
    expect(ctx.recorded.metrics).toEqual([]);
    for (const layer of ['features.conv0.weight', ...INNER, 'features.conv5.weight']) expect(new Set(outputs.model.params[layer]).size).toBeLessThanOrEqual(4);
    expect(outputs.model.params['fc.weight']).toEqual(trained.params['fc.weight']);
    expect(outputs.metrics.values.soft_accuracy).toBeUndefined();
    expect(outputs.metrics.values.bits).toBe(2);
  });

  it('refuses a model with no eligible layer, K = 1 and data that does not fit, before training', async () => {
    const lenet = createZooModel(shapes(4, 1), { architecture: 'lenet5' });
    const noLayer = await runNode(node, { inputs: { model: lenet, train, test } }).catch((e) => e);
    expect(noLayer).toBeInstanceOf(NodeError);
    expect(noLayer.detail).toEqual({ param: 'layers' });
    expect(noLayer.message).toMatch(/inner-convs.*2 convs.*conv1\.weight \[6x1x5x5\] conv, conv2\.weight \[16x6x5x5\] conv/);
    const unknown = await runNode(node, { inputs: { model: lenet, train, test }, params: { layers: 'list', layerNames: 'conv7.weight' } }).catch((e) => e);
    expect(unknown.detail).toEqual({ param: 'layerNames' });
    expect(unknown.message).toMatch(/no weight layer conv7.weight.*conv1.weight/);

    expect(gmQuantizerParams.safeParse({ components: 1 }).success).toBe(false);
    // The schema stops K = 1 in the editor and the engine; execute guards again for a direct caller.
    const ctx = makeTestContext({ params: { ...gmQuantizerParams.parse({}), components: 1 }, inputs: { model: trained, train, test } });
    const error = await node.execute(ctx as never).catch((e) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.detail).toEqual({ param: 'components' });
    expect(ctx.recorded.progress).toEqual([]);

    const big = shapes(64, 1, 28);
    const mismatch = await runNode(node, { inputs: { model: trained, train: big, test } }).catch((e) => e);
    expect(mismatch.detail).toEqual({ port: 'train' });
    expect(mismatch.message).toMatch(/images of 1x28x28 .* the model expects 1x16x16/);
    const issues = node.infer!(gmQuantizerParams.parse({}), { model: { task: 'classify', shape: [1, 16, 16], classes: 4 }, train: { task: 'classify', shape: [1, 16, 16], classes: 4 }, test: { task: 'classify', shape: [1, 28, 28], classes: 4 } }).issues;
    expect(issues).toEqual([{ port: 'test', message: expect.stringMatching(/28x28/) }]);
  });
});

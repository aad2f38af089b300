import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { generateDataset } from '../../src/compute/data/generated';
import { decodeImage } from '../../src/compute/image/codec';
import { glimpseViewSize } from '../../src/compute/image/glimpse-view';
import { createZooModel, type Model } from '../../src/compute/model/model';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const shapes = (count: number, size = 16): Dataset => generateDataset({ classes: 3, count, size, channels: 1, seed: 5, stream: 2, name: 'shapes (test)' });

/** A model whose output is a fixed function of the input: an MLP with fc3 rigged to always predict class 1. */
function alwaysClassOne(data: Dataset): Model {
  const model = createZooModel(data, { architecture: 'mlp', width: 0.125 });
  const bias = new Float32Array(3);
  bias[1] = 1000;
  return { ...model, params: { ...model.params, 'fc3.weight': new Float32Array(model.params['fc3.weight']!.length), 'fc3.bias': bias } };
}

describe('condense.eval.model', () => {
  it('reports accuracy, per-class accuracy, the confusion matrix (table and PNG), size and latency', async () => {
    const test = shapes(30);
    const model = alwaysClassOne(test);
    const { outputs, ctx } = await runNode(node, { inputs: { model, test }, params: { latencyBatch: 4, latencyRuns: 3, batchSize: 7 } });
    const v = outputs.metrics.values;
    expect(v.accuracy).toBeCloseTo(1 / 3, 4);
    expect(v.count).toBe(30);
    // All logits but class 1's are 0 and class 1's is 1000: the loss is 1000 for two thirds of the images.
    expect(v.loss).toBeCloseTo((2 / 3) * 1000, 0);
    expect(v.parameters).toBe(256 * 32 + 32 + 32 * 16 + 16 + 16 * 3 + 3);
    expect(v.nonzero_parameters).toBe(v.parameters - 16 * 3 - 2);
    expect(v.macs).toBe(256 * 32 + 32 * 16 + 16 * 3);
    expect(v.bytes).toBe(4 * v.parameters);
    expect(v.latency_ms_b1).toBeGreaterThan(0);
    expect(v.latency_ms_b4).toBeGreaterThan(0);
    const [perClass, confusion] = outputs.metrics.tables;
    expect(perClass!.rows.map((r) => r[3])).toEqual([0, 1, 0]);
    expect(confusion!.rows).toEqual([
      [test.classes[0], 0, 10, 0],
      [test.classes[1], 0, 10, 0],
      [test.classes[2], 0, 10, 0],
    ]);
    const png = ctx.recorded.artifacts.get('confusion.png')!;
    expect(outputs.report.images).toEqual([png.ref]);
    const { image } = decodeImage(png.data, 'confusion.png', 3);
    expect(image.width).toBe(image.height);
    const plane = image.width * image.height;
    const at = (row: number, col: number) => {
      const cell = (image.width - 8) / 3;
      const y = 4 + row * cell + 2;
      const x = 4 + col * cell + 2;
      return [0, 1, 2].map((c) => image.data[c * plane + y * image.width + x]);
    };
    expect(at(0, 1)).toEqual([8, 48, 107]);
    expect(at(0, 0)).toEqual([255, 255, 255]);
  });

  it('evaluates an image-to-image generator: PSNR, SSIM, DWT band errors, samples picture, size and latency', { timeout: 60_000 }, async () => {
    const rgb = generateDataset({ classes: 2, count: 5, size: 16, channels: 3, seed: 3, stream: 1, name: 'pairs' });
    const test: Dataset = {
      ...rgb,
      task: 'paired',
      classes: [],
      targets: rgb.pixels.map((v) => 255 - v),
      targetShape: [3, 16, 16],
      normalize: { mean: [0.5], std: [0.5] },
    };
    const model = createZooModel(test, { architecture: 'unet-small', seed: 2, options: { ngf: 4, depth: 2 } });
    const { outputs, ctx } = await runNode(node, { inputs: { model, test }, params: { latencyBatch: 2, latencyRuns: 2, batchSize: 2, dwtLevels: 5 } });
    const v = outputs.metrics.values;
    expect(v.count).toBe(5);
    expect(v.mse).toBeGreaterThan(0);
    // The mean of per-image PSNRs is at least the PSNR of the mean MSE (the log is concave).
    expect(v.psnr).toBeGreaterThanOrEqual(-10 * Math.log10(v.mse!) - 1e-3);
    expect(v.ssim).toBeLessThan(1);
    expect(v.l1).toBeGreaterThan(0);
    // 16x16 images allow 4 levels, not the 5 asked for.
    expect(Object.keys(v).filter((k) => k.startsWith('dwt_'))).toHaveLength(4 * 3);
    expect(v.dwt_l1_hh).toBeGreaterThan(0);
    expect(ctx.recorded.logs.some((l) => /allow 4 Haar levels/.test(l.message))).toBe(true);
    expect(v.parameters).toBeGreaterThan(0);
    expect(v.macs).toBeGreaterThan(0);
    expect(v.latency_ms_b2).toBeGreaterThan(0);
    expect(outputs.metrics.tables[0]!.rows).toHaveLength(4);
    const png = ctx.recorded.artifacts.get('samples.png')!;
    expect(outputs.report.images).toEqual([png.ref]);
    expect(decodeImage(png.data, 'samples.png', 3).image.width).toBeGreaterThan(0);

    const disc = createZooModel(test, { architecture: 'patchgan', options: { ndf: 4, layers: 1 } });
    await expect(runNode(node, { inputs: { model: disc, test }, params: { latency: false } })).rejects.toThrow(/is a discriminator/);
    await expect(runNode(node, { inputs: { model, test: rgb }, params: { latency: false } })).rejects.toThrow(/needs a paired dataset/);
  });

  it('adds accuracy and MACs per glimpse count, early exit, box IoU and the glimpse view for an MGNet', { timeout: 60_000 }, async () => {
    // 24x24 canvases whose object fills the middle 12x12; three 12x12 glimpses.
    const plain = shapes(10, 24);
    const test: Dataset = { ...plain, boxes: Float32Array.from({ length: 40 }, (_, i) => (i % 4 < 2 ? 6 : 18)) };
    const model = createZooModel(test, { architecture: 'mgnet', seed: 1, width: 0.5, options: { glimpses: 3, glimpseScale: 2 } });
    const { outputs, ctx } = await runNode(node, { inputs: { model, test }, params: { latency: false, batchSize: 4, exitConfidence: 0, glimpseSamples: 3 } });
    const v = outputs.metrics.values;
    expect(v.accuracy_glimpse_3).toBe(v.accuracy);
    // Threshold 0: every image stops after its first glimpse, at its accuracy and cost.
    expect(v.exit_glimpses).toBe(1);
    expect(v.exit_accuracy).toBe(v.accuracy_glimpse_1);
    expect(v.exit_backbone_macs).toBe(v.backbone_macs_per_glimpse);
    expect(v.backbone_macs_glimpse_3).toBe(3 * v.backbone_macs_per_glimpse!);
    expect(v.exit_macs).toBeLessThan(v.macs!);
    // Glimpse 1 reads the whole image: [0.5, 23.5] on pixel edges, the object [6, 18].
    const tables = outputs.metrics.tables;
    const perGlimpse = tables.find((t) => t.title.startsWith('After each glimpse count'))!;
    expect(perGlimpse.rows).toHaveLength(3);
    expect(perGlimpse.rows[0]![6]).toBeCloseTo(144 / (23 * 23), 4);
    expect(v.glimpse_iou).toBeGreaterThan(0);
    const view = ctx.recorded.artifacts.get('glimpses.png')!;
    const chart = ctx.recorded.artifacts.get('glimpse-accuracy.png')!;
    expect(outputs.report.images).toEqual([ctx.recorded.artifacts.get('confusion.png')!.ref, chart.ref, view.ref]);
    const { image } = decodeImage(view.data, 'glimpses.png', 3);
    expect({ width: image.width, height: image.height }).toEqual(glimpseViewSize({ shape: [1, 24, 24], glimpseShape: [1, 12, 12], count: 3, glimpses: 3 }));
    expect(outputs.report.text).toMatch(/Accuracy after 1\.\.3 glimpses/);

    // Without boxes the IoU is skipped with a note; the rest stands.
    const bare = await runNode(node, { inputs: { model, test: plain }, params: { latency: false, glimpseSamples: 0, exitConfidence: 1 } });
    expect(bare.outputs.metrics.values.glimpse_iou).toBeUndefined();
    expect(bare.outputs.metrics.values.accuracy_glimpse_2).toBeDefined();
    expect(bare.ctx.recorded.logs.some((l) => l.level === 'warn' && /no box IoU: .* records no object boxes/.test(l.message))).toBe(true);
    expect(bare.ctx.recorded.artifacts.has('glimpses.png')).toBe(false);
    expect(bare.outputs.report.text).toMatch(/no box IoU/);
  });

  it('refuses a test set the model cannot read', async () => {
    const model = createZooModel(shapes(3), { architecture: 'lenet5' });
    const error = await runNode(node, { inputs: { model, test: shapes(10, 28) }, params: { latency: false } }).catch((e) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.message).toMatch(/images of 1x28x28 .* the model expects 1x16x16/);
  });
});

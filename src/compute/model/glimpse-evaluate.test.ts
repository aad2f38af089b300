import { describe, expect, it } from 'vitest';
import { boxIoU } from '../data/boxes.ts';
import type { Dataset } from '../data/dataset.ts';
import { generateDataset } from '../data/generated.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { evaluateClassifier } from './evaluate.ts';
import { countMacs } from './export.ts';
import { earlyExit, evaluateGlimpses, glimpseBoxToPixels, glimpseCosts, glimpseCountOf } from './glimpse-evaluate.ts';
import { buildModelGraph, createZooModel, type Model } from './model.ts';
import { trainClassifier } from './train.ts';
import { quickTrainOptions } from '../../../tests/helpers/train-options.ts';

// 24x24 grey images at glimpse scale 2: 12x12 glimpses, the smallest LeNet-5 reads.
const common = { classes: 3, size: 24, channels: 1 as const, seed: 4 };
const mgnetOf = (data: Dataset, glimpses = 3): Model =>
  createZooModel(data, { architecture: 'mgnet', seed: 2, width: 0.5, options: { glimpses, glimpseScale: 2 } });

describe('earlyExit', () => {
  // Two images, three glimpses, two classes. Image 0 (class 0): unsure, then confident and right, then
  // wrong. Image 1 (class 1): confident and wrong at once, right later.
  const logits = Float32Array.from([0, 0.1, 5, 0, 0, 6, /* image 1 */ 4, 0, 0, 4, 0, 4]);
  const labels = [0, 1];

  it('stops at the first glimpse whose largest softmax probability reaches the threshold', () => {
    const r = earlyExit(logits, labels, 3, 2, 0.9);
    // softmax(0, 5) and softmax(4, 0) both give about 0.98.
    expect(Array.from(r.used)).toEqual([2, 1]);
    expect(r.exits).toEqual([1, 1, 0]);
    expect(r.meanGlimpses).toBe(1.5);
    // Image 0 stops right at glimpse 2, image 1 wrong at glimpse 1.
    expect(r.accuracy).toBe(0.5);
  });

  it('uses one glimpse at threshold 0 and all of them above 1', () => {
    expect(earlyExit(logits, labels, 3, 2, 0).meanGlimpses).toBe(1);
    expect(earlyExit(logits, labels, 3, 2, 0).accuracy).toBe(0);
    const all = earlyExit(logits, labels, 3, 2, 1.01);
    expect(Array.from(all.used)).toEqual([3, 3]);
    expect(all.exits).toEqual([0, 0, 2]);
    // Last glimpse: image 0 (0, 6) predicts 1 (wrong), image 1 (0, 4) predicts 1 (right).
    expect(all.accuracy).toBe(0.5);
  });
});

describe('glimpse boxes in canvas pixels', () => {
  it('maps the align-corners box to pixel edges and gives known IoUs', () => {
    // -1 and +1 are the centres of the first and last pixel: 0.5 and 23.5 on pixel edges.
    expect(glimpseBoxToPixels([-1, -1, 1, 1], 24, 24)).toEqual([0.5, 0.5, 23.5, 23.5]);
    // +-0.5 lie a quarter of the way from the first centre to the last: 0.5 + 0.25 * 23 and 0.5 + 0.75 * 23.
    const box = glimpseBoxToPixels([-0.5, -0.5, 0.5, 0.5], 24, 24);
    expect(box).toEqual([6.25, 6.25, 17.75, 17.75]);
    expect(boxIoU(box, [6, 6, 18, 18])).toBeCloseTo((11.5 * 11.5) / 144, 10);
    // Half the box to the right of an object of the same size: a third.
    expect(boxIoU(glimpseBoxToPixels([-1, -1, 1, 1], 24, 24), [12, 0.5, 35, 23.5])).toBeCloseTo(11.5 / (23 + 23 - 11.5), 10);
  });
});

describe('glimpseCosts', () => {
  it('counts what the backbone adds per glimpse: LeNet-5 on a 12x12 image without its last layer', () => {
    const data = generateDataset({ ...common, count: 3, stream: 1, name: 'shapes' });
    const model = mgnetOf(data);
    expect(glimpseCountOf(model)).toBe(3);
    expect(glimpseCountOf(createZooModel(data, { architecture: 'lenet5' }))).toBe(0);
    const costs = glimpseCosts(model, 3);
    // The trunk alone: a 12x12 LeNet-5 of the same width, less its output layer (42 features to 3 classes).
    const lenet = createZooModel({ ...data, shape: [1, 12, 12] }, { architecture: 'lenet5', width: 0.5 });
    const g = new GraphBuilder({ training: false });
    buildModelGraph(lenet, g, { batch: 1, training: false });
    const trunk = countMacs(g) - 42 * 3;
    expect(costs.backbonePerGlimpse).toEqual([trunk, trunk, trunk]);
    expect(costs.backboneAfter).toEqual([trunk, 2 * trunk, 3 * trunk]);
    // The whole model costs more than its backbone at every count, and each glimpse adds to it.
    costs.macsAfter.forEach((m, i) => expect(m).toBeGreaterThan(costs.backboneAfter[i]!));
    expect(costs.macsAfter[1]!).toBeGreaterThan(costs.macsAfter[0]!);
    expect(costs.macsAfter[2]!).toBeGreaterThan(costs.macsAfter[1]!);
  });
});

describe('evaluateGlimpses', () => {
  it('on a trained MGNet: the last glimpse is the plain accuracy, early exit spans 1 to T glimpses, IoU where boxes exist', { timeout: 120_000 }, async () => {
    const train = generateDataset({ ...common, count: 96, stream: 1, name: 'shapes (train)' });
    const test = generateDataset({ ...common, count: 30, stream: 2, name: 'shapes (test)' });
    const untrained = mgnetOf(train);
    const r = await trainClassifier(untrained, train, quickTrainOptions({ epochs: 3 }));
    const model: Model = { ...untrained, params: r.params, buffers: r.buffers };
    const plain = await evaluateClassifier(model, test, { intraOpThreads: 1, batchSize: 16 });
    // A batch size that leaves a partial last batch.
    const ev = await evaluateGlimpses(model, test, { intraOpThreads: 1, batchSize: 16, exitConfidence: 0, samples: 4 });
    // Three epochs lift it above chance (a third), so the per-glimpse figures are of a model that learned.
    expect(plain.accuracy).toBeGreaterThan(0.4);
    expect(ev.glimpses).toBe(3);
    expect(ev.accuracyAfter).toHaveLength(3);
    expect(ev.accuracyAfter[2]).toBe(plain.accuracy);
    expect(ev.exit.meanGlimpses).toBe(1);
    expect(ev.exit.accuracy).toBe(ev.accuracyAfter[0]);
    expect(ev.iouAfter).toBeUndefined();
    expect(ev.glimpseShape).toEqual([1, 12, 12]);
    expect(ev.samplePixels).toHaveLength(4 * 3 * 144);
    expect(ev.boxes).toHaveLength(30 * 3 * 4);
    // Glimpse 1 is the whole image.
    expect(Array.from(ev.boxes.subarray(0, 4))).toEqual([0.5, 0.5, 23.5, 23.5]);

    // Every object fills its whole 24x24 canvas: glimpse 1 covers all of it but the outer half pixel.
    const boxed: Dataset = { ...test, boxes: Float32Array.from({ length: 30 * 4 }, (_, i) => (i % 4 < 2 ? 0 : 24)) };
    const never = await evaluateGlimpses(model, boxed, { intraOpThreads: 1, batchSize: 32, exitConfidence: 1.5 });
    expect(never.exit.meanGlimpses).toBe(3);
    expect(never.exit.exits).toEqual([0, 0, 30]);
    expect(never.exit.accuracy).toBe(plain.accuracy);
    expect(never.accuracyAfter).toEqual(ev.accuracyAfter);
    expect(never.iouAfter![0]).toBeCloseTo((23 * 23) / (24 * 24), 6);
    // Later glimpses are at most half the image wide (s <= 0.5): a quarter of the area at most.
    for (const iou of never.iouAfter!.slice(1)) expect(iou).toBeLessThanOrEqual(0.26);
  });
});

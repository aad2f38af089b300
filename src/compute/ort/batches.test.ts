import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.ts';
import { classifyBatch } from './batches.ts';

const dataset: Dataset = {
  kind: 'dataset',
  name: 'tiny',
  task: 'classify',
  count: 3,
  shape: [2, 1, 2],
  classes: ['a', 'b'],
  pixels: new Uint8Array([0, 255, 51, 102, 255, 0, 0, 0, 10, 20, 30, 40]),
  labels: new Int32Array([1, 0, 1]),
  normalize: { mean: [0, 0.5], std: [1, 0.5] },
  source: { kind: 'test', files: [] },
};

describe('classifyBatch', () => {
  it('normalises per channel and gathers labels in batch order', () => {
    const { images, labels } = classifyBatch(dataset, new Int32Array([1, 0]));
    expect(images.shape).toEqual([2, 2, 1, 2]);
    const v = Array.from(images.values as Float32Array);
    // item 1: channel 0 [255, 0] -> [1, 0]; channel 1 [0, 0] -> (0 - 0.5) / 0.5 = -1
    // item 0: channel 0 [0, 255] -> [0, 1]; channel 1 [51, 102] -> (0.2 - 0.5) / 0.5, (0.4 - 0.5) / 0.5
    [1, 0, -1, -1, 0, 1, -0.6, -0.2].forEach((e, i) => expect(v[i]).toBeCloseTo(e, 6));
    expect(Array.from(labels.values as BigInt64Array)).toEqual([0n, 1n]);
    expect(() => classifyBatch(dataset, new Int32Array([3]))).toThrow(/outside/);
  });
});

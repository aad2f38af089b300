import { describe, expect, it } from 'vitest';
import { createZooModel } from './model';
import { flatDataset } from '../../../tests/helpers/datasets';
import { is3x3Conv, remainingMacs, weightLayers } from './weight-layers';

describe('weightLayers', () => {
  it('lists conv and linear weights in graph order with their dense MACs', () => {
    const lenet = createZooModel(flatDataset(4, 10, 28, () => 0), { architecture: 'lenet5' });
    const layers = weightLayers(lenet);
    expect(layers.map((l) => [l.name, l.kind, l.shape.join('x')])).toEqual([
      ['conv1.weight', 'conv', '6x1x5x5'],
      ['conv2.weight', 'conv', '16x6x5x5'],
      ['fc1.weight', 'linear', '120x400'],
      ['fc2.weight', 'linear', '84x120'],
      ['fc3.weight', 'linear', '10x84'],
    ]);
    // conv1: 150 weights at 28x28 outputs (padding 2); conv2: 2400 at 10x10; linear: one per weight.
    expect(layers.map((l) => l.macs)).toEqual([150 * 784, 2400 * 100, 48000, 10080, 840]);
    expect(layers.some(is3x3Conv)).toBe(false);
    const half = new Uint8Array(48000).fill(1, 0, 24000);
    expect(remainingMacs(layers, { 'fc1.weight': half })).toBe(150 * 784 + 240000 + 24000 + 10080 + 840);
  });
});

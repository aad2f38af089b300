import { describe, expect, it } from 'vitest';
import { createRng } from '../graph/init.ts';
import { applyMasks } from './masks.ts';
import { Adam, Sgd, type Optimizer } from './optimizers.ts';

const mask = new Uint8Array([1, 0, 1, 0, 0, 1]);

function trainMasked(opt: Optimizer, steps: number) {
  const rng = createRng(5);
  const params = new Map([['w', new Float32Array([0.5, -0.7, 0.2, 0.9, -0.3, 0.4])]]);
  const masks = new Map([['w', mask]]);
  applyMasks(params, masks);
  const before = params.get('w')!.slice();
  for (let s = 0; s < steps; s++) {
    const grads = new Map([['w', Float32Array.from({ length: 6 }, () => rng() - 0.5)]]);
    applyMasks(grads, masks);
    opt.step(params, grads);
    // With a zero gradient and a zero weight, momentum and decay have nothing to carry: the
    // optimizer itself keeps the pruned weights at zero, before the safeguard below.
    for (let i = 0; i < mask.length; i++) if (!mask[i]) expect(Object.is(params.get('w')![i], 0)).toBe(true);
    applyMasks(params, masks);
  }
  return { before, after: params.get('w')! };
}

describe('applyMasks', () => {
  const optimizers: [string, () => Optimizer][] = [
    ['SGD, Nesterov momentum, weight decay', () => new Sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam, L2 weight decay', () => new Adam({ learningRate: 0.05, weightDecay: 0.01 })],
    ['AdamW', () => new Adam({ learningRate: 0.05, weightDecay: 0.1, decoupledWeightDecay: true })],
  ];
  for (const [label, make] of optimizers)
    it(`keeps masked weights exactly zero through steps with ${label}`, () => {
      const { before, after } = trainMasked(make(), 8);
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]) expect(after[i]).not.toBe(before[i]);
        else expect(after[i]).toBe(0);
      }
    });

  it('zeroes only masked elements and rejects a mask of the wrong size', () => {
    const v = new Map([['w', new Float32Array([1, 2, 3, 4, 5, 6])]]);
    applyMasks(v, new Map([['w', mask]]));
    expect(Array.from(v.get('w')!)).toEqual([1, 0, 3, 0, 0, 6]);
    expect(() => applyMasks(v, new Map([['w', new Uint8Array(3)]]))).toThrow(/mask for w: 3 values, tensor 6/);
  });
});

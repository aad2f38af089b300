import { describe, expect, it } from 'vitest';
import { makeRandom, shuffleInPlace } from './random';

describe('makeRandom', () => {
  it('repeats for a seed and differs between seeds and streams', () => {
    const draw = (seed: number, stream: number) => Array.from({ length: 5 }, makeRandom(seed, stream).next);
    expect(draw(3, 0)).toEqual(draw(3, 0));
    expect(draw(3, 0)).not.toEqual(draw(4, 0));
    expect(draw(3, 0)).not.toEqual(draw(3, 1));
  });

  it('draws normals with mean 0 and variance 1', () => {
    const random = makeRandom(7);
    const values = Array.from({ length: 20000 }, () => random.normal());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(items, makeRandom(1));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

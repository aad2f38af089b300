import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from './grad-clip.ts';

const grads = () =>
  new Map([
    ['a', new Float32Array([3, 0])],
    ['b', new Float32Array([0, -4])],
  ]);

describe('clipGradNorm', () => {
  it('scales all gradients by one factor to the global norm and returns the norm before', () => {
    const g = grads();
    expect(clipGradNorm(g, 1)).toBeCloseTo(5, 6);
    expect(g.get('a')![0]).toBeCloseTo(0.6, 5);
    expect(g.get('b')![1]).toBeCloseTo(-0.8, 5);
    const after = Math.hypot(...g.get('a')!, ...g.get('b')!);
    expect(after).toBeCloseTo(1, 5);
  });

  it('leaves gradients under the limit untouched', () => {
    const g = grads();
    expect(clipGradNorm(g, 10)).toBeCloseTo(5, 6);
    expect(Array.from(g.get('a')!)).toEqual([3, 0]);
    expect(Array.from(g.get('b')!)).toEqual([0, -4]);
  });

  it('returns a non-finite norm without touching the gradients', () => {
    const g = grads();
    g.get('a')![1] = Number.NaN;
    expect(clipGradNorm(g, 1)).toBeNaN();
    expect(g.get('b')![1]).toBe(-4);
  });
});

describe('clipGradValue', () => {
  it('clamps each element', () => {
    const g = grads();
    clipGradValue(g, 3.5);
    expect(Array.from(g.get('a')!)).toEqual([3, 0]);
    expect(Array.from(g.get('b')!)).toEqual([0, -3.5]);
  });
});

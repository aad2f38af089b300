import { describe, expect, it } from 'vitest';
import { createRng } from '../graph/init';
import { highEnergyMatrix, highFrequencyMask, kernelSpectra, lowPassMatrix, modulateKernels } from './spectrum';

const random = (n: number, seed = 1): Float32Array => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => 2 * rng() - 1);
};

describe('kernel spectra', () => {
  it('a constant kernel is low-frequency, a checkerboard high-frequency', () => {
    const flat = new Float32Array(9).fill(1);
    const checker = Float32Array.from({ length: 9 }, (_, i) => ((Math.floor(i / 3) + (i % 3)) % 2 ? -1 : 1));
    const s = kernelSpectra(Float32Array.from([...flat, ...checker]), [2, 1, 3, 3]);
    expect(s.highShare[0]).toBeLessThan(0.3);
    expect(s.highShare[1]).toBeGreaterThan(0.7);
    expect(s.highProportion).toBe(0.5);
    // The centred spectrum of the constant kernel peaks at DC, in the middle.
    const p = s.power[0]!;
    expect(p.indexOf(Math.max(...p))).toBe(8 * 16 + 8);
  });

  it('Parseval: the scaled energy over every frequency is ||w||^2, and ||M w||^2 is the high part', () => {
    const w = random(25);
    const s = kernelSpectra(w, [1, 1, 5, 5]);
    const total = s.power[0]!.reduce((a, b) => a + b, 0) / 256;
    const norm = w.reduce((a, b) => a + b * b, 0);
    expect(total).toBeCloseTo(norm, 4);
    const { matrix, rows } = highEnergyMatrix(5, 5);
    let high = 0;
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < 25; j++) dot += matrix[r * 25 + j]! * w[j]!;
      high += dot * dot;
    }
    expect(high / norm).toBeCloseTo(s.highShare[0]!, 4);
  });

  it('the mask marks radii above half Nyquist (a quarter of a cycle per pixel)', () => {
    const mask = highFrequencyMask(16, 0.5);
    expect(mask[0]).toBe(0);
    expect(mask[4]).toBe(0); // radius exactly 0.25
    expect(mask[5]).toBe(1);
    expect(mask[8 * 16 + 8]).toBe(1); // Nyquist in both axes
  });

  it('LP + HP is the kernel; with m = 0 the high-frequency share falls, with m = 1 the kernel is unchanged', () => {
    const w = random(2 * 3 * 25, 4);
    const shape = [2, 3, 5, 5];
    const L = lowPassMatrix(5, 5);
    expect(Array.from(modulateKernels(w, shape, [1, 1], L))).toEqual(Array.from(w).map((v, i) => expect.closeTo(v, 5) as unknown as number));
    const low = modulateKernels(w, shape, [0, 0], L);
    const before = kernelSpectra(w, shape).meanHighShare;
    const after = kernelSpectra(low, shape).meanHighShare;
    expect(after).toBeLessThan(before / 3);
  });

  it('rejects a pad smaller than the kernel and a cutoff outside (0, sqrt 2)', () => {
    expect(() => kernelSpectra(new Float32Array(9), [1, 1, 3, 3], { pad: 2 })).toThrow(/pad 2 is smaller/);
    expect(() => kernelSpectra(new Float32Array(9), [1, 1, 3, 3], { cutoff: 0 })).toThrow(/cutoff/);
  });
});

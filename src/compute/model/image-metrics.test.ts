import { describe, expect, it } from 'vitest';
import { createRng } from '../graph/init.ts';
import { dwtBandErrors, haarDwt2d, maxHaarLevels, meanSquaredError, psnr, psnrFromMse, PSNR_CAP_DB, ssim } from './image-metrics.ts';

function randomImage(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return new Float32Array(size).map(() => rng());
}

/** A smooth image with structure at every scale, values in [0, 1]. */
function pattern(c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(ch * h + y) * w + x] = 0.5 + 0.4 * Math.sin(x * 0.7 + ch) * Math.cos(y * 0.45);
  return out;
}

describe('psnr', () => {
  it('is capped for identical images and follows 10 log10(1 / MSE)', () => {
    const a = randomImage(48, 1);
    expect(psnr(a, a)).toBe(PSNR_CAP_DB);
    expect(psnrFromMse(0.01)).toBeCloseTo(20, 10);
    expect(psnrFromMse(1e-3)).toBeCloseTo(30, 10);
    // Every pixel off by 0.1: MSE 0.01, PSNR 20 dB.
    const b = a.map((v) => v + 0.1);
    expect(meanSquaredError(a, b)).toBeCloseTo(0.01, 6);
    expect(psnr(a, b)).toBeCloseTo(20, 4);
    expect(() => psnr(a, new Float32Array(3))).toThrow(/differ in size/);
  });
});

describe('ssim', () => {
  it('is 1 for identical images, lower for noisy ones, and falls with the noise', () => {
    const shape = [3, 24, 24] as const;
    const x = pattern(...shape);
    expect(ssim(x, x, shape)).toBeCloseTo(1, 10);
    const noise = randomImage(x.length, 3);
    const noisy = (amount: number) => x.map((v, i) => Math.min(1, Math.max(0, v + amount * (noise[i]! - 0.5))));
    const s1 = ssim(x, noisy(0.1), shape);
    const s2 = ssim(x, noisy(0.4), shape);
    expect(s1).toBeLessThan(1);
    expect(s2).toBeLessThan(s1);
    expect(ssim(noisy(0.1), x, shape)).toBeCloseTo(s1, 10);
  });

  it('matches the closed form for constant images: (2ab + C1) / (a^2 + b^2 + C1)', () => {
    const shape = [1, 12, 12] as const;
    const a = new Float32Array(144).fill(0.25);
    const b = new Float32Array(144).fill(0.75);
    const c1 = 0.01 ** 2;
    const [fa, fb] = [Math.fround(0.25), Math.fround(0.75)];
    expect(ssim(a, b, shape)).toBeCloseTo((2 * fa * fb + c1) / (fa * fa + fb * fb + c1), 6);
  });

  it('shrinks the window for images smaller than 11 pixels', () => {
    const shape = [1, 6, 6] as const;
    const x = pattern(...shape);
    expect(ssim(x, x, shape)).toBeCloseTo(1, 10);
  });
});

describe('haar dwt', () => {
  it('computes the 2x2 Haar bands and preserves energy', () => {
    // a b / c d = 1 2 / 3 4.
    const [lvl] = haarDwt2d([1, 2, 3, 4], 2, 2, 1);
    expect([lvl!.ll[0], lvl!.lh[0], lvl!.hl[0], lvl!.hh[0]]).toEqual([5, -2, -1, 0]);
    const x = randomImage(64, 4);
    const levels = haarDwt2d(x, 8, 8, 3);
    expect(levels.map((l) => l.height)).toEqual([4, 2, 1]);
    let energy = 0;
    for (const l of levels) for (const band of [l.lh, l.hl, l.hh]) for (const v of band) energy += v * v;
    energy += levels[2]!.ll[0]! ** 2;
    expect(energy).toBeCloseTo(x.reduce((s, v) => s + v * v, 0), 4);
    expect(maxHaarLevels(8, 8)).toBe(3);
    expect(maxHaarLevels(12, 6)).toBe(2);
    expect(() => haarDwt2d(x, 8, 8, 4)).toThrow(/allows 3 Haar levels/);
  });

  it('band errors are 0 for identical images, and a shifted image differs in the high bands', () => {
    const shape = [2, 16, 16] as const;
    const x = pattern(...shape);
    const same = dwtBandErrors(x, x, shape, 3);
    expect(same).toHaveLength(3);
    for (const e of same) expect([e.lh, e.hl, e.hh, e.ll]).toEqual([0, 0, 0, 0]);
    // Shift by one pixel along the width (edge column repeated).
    const shifted = x.map((_, i) => {
      const col = i % 16;
      return x[col === 0 ? i : i - 1]!;
    });
    const err = dwtBandErrors(shifted, x, shape, 3);
    expect(err[0]!.hl).toBeGreaterThan(1e-4);
    expect(err[0]!.hh).toBeGreaterThan(0);
    // A horizontal shift leaves no error in the band of horizontal edges that a vertical-only change would.
    expect(err[0]!.hl).toBeGreaterThan(err[0]!.lh);
  });
});

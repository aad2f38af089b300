import { describe, expect, it } from 'vitest';
import { resizeBilinear } from './resize';

describe('resizeBilinear', () => {
  it('keeps a constant image constant at any size', () => {
    const src = new Uint8Array(2 * 5 * 7).fill(123);
    const out = resizeBilinear(src, 2, 5, 7, 11, 3);
    expect(out.length).toBe(2 * 11 * 3);
    expect(out.every((v) => v === 123)).toBe(true);
  });

  it('interpolates between pixel centres (align_corners = false)', () => {
    // 1x2 image [0, 100] upscaled to 1x4: centres at -0.25, 0.25, 0.75, 1.25 in source pixels.
    expect(Array.from(resizeBilinear(new Uint8Array([0, 100]), 1, 1, 2, 1, 4))).toEqual([0, 25, 75, 100]);
  });

  it('averages 2x2 blocks when halving', () => {
    const src = new Uint8Array([0, 100, 0, 100, 200, 100, 200, 100, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(resizeBilinear(src, 1, 4, 4, 2, 2))).toEqual([100, 100, 0, 0]);
  });

  it('resizes each channel separately', () => {
    const src = new Uint8Array([10, 10, 10, 10, 200, 200, 200, 200]);
    const out = resizeBilinear(src, 2, 2, 2, 3, 3);
    expect(Array.from(out.subarray(0, 9)).every((v) => v === 10)).toBe(true);
    expect(Array.from(out.subarray(9)).every((v) => v === 200)).toBe(true);
  });
});

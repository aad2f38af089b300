import { describe, expect, it } from 'vitest';
import { renderKeptKernels } from './kept-kernels-heatmap';

describe('renderKeptKernels', () => {
  it('shades each kernel by its kept fraction: white when removed, dark when whole, one block per layer', () => {
    // Layer [2, 3, 3, 3]: kernel (0, 1) removed, (1, 2) fully kept, the rest 4 of 9.
    const mask = new Uint8Array(2 * 3 * 9);
    for (let k = 0; k < 6; k++) mask.fill(1, k * 9, k * 9 + 4);
    mask.fill(0, 9, 18);
    mask.fill(1, 5 * 9, 6 * 9);
    const image = renderKeptKernels([{ shape: [2, 3, 3, 3], mask }, { shape: [4, 2, 3, 3], mask: new Uint8Array(72).fill(1) }], 8);
    expect(image.width).toBe(4 * 2 + 3 * 8);
    expect(image.height).toBe(4 * 2 + 2 * 8 + 6 + 4 * 8);
    const plane = image.width * image.height;
    const red = (o: number, i: number, top = 4) => image.data[0 * plane + (top + o * 8 + 3) * image.width + 4 + i * 8 + 3];
    expect(red(0, 1)).toBe(255);
    expect(red(1, 2)).toBe(8);
    const partial = red(0, 0)!;
    expect(partial).toBeGreaterThan(8);
    expect(partial).toBeLessThan(255);
    expect(red(0, 0, 4 + 2 * 8 + 6)).toBe(8);
  });
});

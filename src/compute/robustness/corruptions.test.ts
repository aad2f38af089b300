import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated';
import { CORRUPTION_NAMES, corruptPixels, corruptionSizeProblem, parseCorruptionList, SEVERITY_TABLE } from './corruptions';

const data = generateDataset({ classes: 3, count: 12, size: 28, channels: 1, seed: 2, stream: 1, name: 'shapes' });
const rgb = generateDataset({ classes: 3, count: 4, size: 16, channels: 3, seed: 2, stream: 1, name: 'rgb' });
const distance = (a: Uint8Array, b: Uint8Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe('corruptions', () => {
  it('every corruption changes the images, more at higher severity, and is reproducible from its seed', () => {
    for (const name of CORRUPTION_NAMES) {
      expect(SEVERITY_TABLE[name]).toHaveLength(5);
      const d1 = distance(corruptPixels(data, name, 1, 7), data.pixels);
      const d5 = distance(corruptPixels(data, name, 5, 7), data.pixels);
      expect(d1, name).toBeGreaterThan(0);
      expect(d5, name).toBeGreaterThan(d1);
      expect(corruptPixels(data, name, 3, 7), name).toEqual(corruptPixels(data, name, 3, 7));
      expect(corruptPixels(rgb, name, 3, 7).length, name).toBe(rgb.pixels.length);
    }
    expect(corruptPixels(data, 'gaussian-noise', 3, 7)).not.toEqual(corruptPixels(data, 'gaussian-noise', 3, 8));
  });

  it('jpeg is a real JPEG round trip at the severity quality', () => {
    // Encoded in one tiled picture, each image decodes as if it had been encoded alone.
    const out = corruptPixels(data, 'jpeg', 2, 1).subarray(5 * 784, 6 * 784);
    const rgba = new Uint8Array(28 * 28 * 4);
    for (let i = 0; i < 28 * 28; i++) {
      rgba.fill(data.pixels[5 * 784 + i]!, i * 4, i * 4 + 3);
      rgba[i * 4 + 3] = 255;
    }
    const decoded = jpeg.decode(jpeg.encode({ width: 28, height: 28, data: rgba }, SEVERITY_TABLE.jpeg[1]).data, { useTArray: true });
    const expected = Uint8Array.from({ length: 28 * 28 }, (_, i) => Math.round((decoded.data[i * 4]! + decoded.data[i * 4 + 1]! + decoded.data[i * 4 + 2]!) / 3));
    expect(out).toEqual(expected);
  });

  it('contrast keeps the mean; brightness raises it', () => {
    const mean = (p: Uint8Array) => p.reduce((a, b) => a + b, 0) / p.length;
    expect(Math.abs(mean(corruptPixels(data, 'contrast', 5, 1)) - mean(data.pixels))).toBeLessThan(1.5);
    expect(mean(corruptPixels(data, 'brightness', 3, 1))).toBeGreaterThan(mean(data.pixels) + 40);
  });

  it('names unknown corruptions and images too small', () => {
    expect(parseCorruptionList('contrast, fog ,jpeg, snow')).toEqual({ unknown: ['fog', 'snow'] });
    expect(parseCorruptionList('all')).toEqual({ names: [...CORRUPTION_NAMES] });
    expect(corruptionSizeProblem('pixelate', [1, 6, 6])).toMatch(/pixelate needs images of at least 8x8 pixels; these are 6x6/);
    expect(corruptionSizeProblem('contrast', [1, 6, 6])).toBeUndefined();
    expect(() => corruptPixels({ ...data, shape: [1, 4, 4], count: 1, pixels: new Uint8Array(16) }, 'pixelate', 1, 1)).toThrow(/pixelate/);
  });
});

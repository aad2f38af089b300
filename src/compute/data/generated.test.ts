import { describe, expect, it } from 'vitest';
import { generateDataset, generatedClassNames, GENERATED_MAX_CLASSES } from './generated';

const options = { classes: 4, count: 40, size: 16, channels: 1 as const, seed: 5, stream: 1, name: 'g' };

/** Mean image of each class, as a crude nearest-centroid classifier. */
function centroids(pixels: Uint8Array, labels: Int32Array, classes: number, size: number): Float64Array[] {
  const sums = Array.from({ length: classes }, () => new Float64Array(size));
  const counts = new Array<number>(classes).fill(0);
  labels.forEach((label, i) => {
    counts[label]++;
    for (let p = 0; p < size; p++) sums[label][p] += pixels[i * size + p];
  });
  return sums.map((sum, k) => sum.map((v) => v / counts[k]));
}

describe('generated dataset', () => {
  it('is deterministic from the seed and stream', () => {
    const a = generateDataset(options);
    const b = generateDataset(options);
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
    expect(Buffer.from(generateDataset({ ...options, seed: 6 }).pixels).equals(Buffer.from(a.pixels))).toBe(false);
    expect(Buffer.from(generateDataset({ ...options, stream: 2 }).pixels).equals(Buffer.from(a.pixels))).toBe(false);
  });

  it('has balanced labels, the asked shape and named classes', () => {
    const ds = generateDataset({ ...options, channels: 3, count: 41, size: 9 });
    expect(ds.shape).toEqual([3, 9, 9]);
    expect(ds.pixels.length).toBe(41 * 3 * 81);
    expect(Array.from(ds.labels.subarray(0, 5))).toEqual([0, 1, 2, 3, 0]);
    expect(ds.classes).toEqual(['disc', 'square', 'triangle', 'horizontal stripes']);
    expect(generatedClassNames(12)[11]).toBe('square (size 2)');
    expect(() => generateDataset({ ...options, classes: GENERATED_MAX_CLASSES + 1 })).toThrow(RangeError);
  });

  it('is learnable: a nearest-centroid classifier beats chance by far on held-out images', () => {
    const train = generateDataset({ ...options, classes: 5, count: 500, size: 20 });
    const test = generateDataset({ ...options, classes: 5, count: 200, size: 20, stream: 2 });
    const size = 400;
    // Centre each image (subtract its mean) so brightness does not dominate the distance.
    const centre = (pixels: Uint8Array, count: number) => {
      const out = new Float64Array(pixels.length);
      for (let i = 0; i < count; i++) {
        let mean = 0;
        for (let p = 0; p < size; p++) mean += pixels[i * size + p] / size;
        for (let p = 0; p < size; p++) out[i * size + p] = pixels[i * size + p] - mean;
      }
      return out;
    };
    const trainCentred = centre(train.pixels, train.count);
    const means = centroids(Uint8Array.from(trainCentred, (v) => v + 128), train.labels, 5, size);
    const testCentred = centre(test.pixels, test.count);
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      let best = -1;
      let bestDistance = Infinity;
      means.forEach((mean, k) => {
        let d = 0;
        for (let p = 0; p < size; p++) d += (testCentred[i * size + p] + 128 - mean[p]) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      });
      if (best === test.labels[i]) correct++;
    }
    // Chance is 20%; a linear-ish classifier on raw pixels already does much better.
    expect(correct / test.count).toBeGreaterThan(0.6);
  });
});

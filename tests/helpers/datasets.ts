// Tiny in-memory datasets for tests: every image one flat grey value, so a test can tell images apart.
import type { Dataset } from '../../src/compute/data/dataset';

/** count grey images of size x size; label i % classes; image i filled with fill(i, label). */
export function flatDataset(count: number, classes: number, size: number, fill: (index: number, label: number) => number, name = 'flat'): Dataset {
  const plane = size * size;
  const pixels = new Uint8Array(count * plane);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % classes;
    pixels.fill(fill(i, labels[i]), i * plane, (i + 1) * plane);
  }
  return {
    kind: 'dataset',
    name,
    task: 'classify',
    count,
    shape: [1, size, size],
    classes: Array.from({ length: classes }, (_, k) => `c${k}`),
    pixels,
    labels,
    normalize: { mean: [0], std: [1] },
    source: { kind: 'test', files: [] },
  };
}

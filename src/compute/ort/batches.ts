// From a Dataset to the float tensors a compiled step is fed: batch order and normalisation.

import type { Dataset } from '../data/dataset.ts';
import type { Rng } from '../graph/init.ts';
import type { HostTensor } from './session.ts';

/**
 * Index batches over `count` items; a fresh permutation from `rng` when given (Fisher-Yates).
 * The last partial batch is dropped with `dropLast` (static shapes: a compiled step has one batch
 * size, so a trainer usually drops it and an evaluator compiles a second step for it).
 */
export function batchIndices(count: number, batchSize: number, options: { rng?: Rng; dropLast?: boolean } = {}): Int32Array[] {
  if (batchSize < 1) throw new Error('batch size must be at least 1');
  const order = Int32Array.from({ length: count }, (_, i) => i);
  if (options.rng)
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(options.rng() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  const batches: Int32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    if (end - start < batchSize && options.dropLast) break;
    batches.push(order.slice(start, end));
  }
  return batches;
}

function normalizedImages(pixels: Uint8Array, shape: readonly [number, number, number], indices: Int32Array, norm: Dataset['normalize']): Float32Array {
  const [c, h, w] = shape;
  const plane = h * w;
  const size = c * plane;
  const out = new Float32Array(indices.length * size);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * size;
    for (let ch = 0; ch < c; ch++) {
      const mean = norm.mean[ch] ?? norm.mean[0] ?? 0;
      const scale = 1 / (255 * (norm.std[ch] ?? norm.std[0] ?? 1));
      const offset = mean / (norm.std[ch] ?? norm.std[0] ?? 1);
      const base = b * size + ch * plane;
      for (let k = 0; k < plane; k++) out[base + k] = pixels[src + ch * plane + k]! * scale - offset;
    }
  }
  return out;
}

/** Images [B, C, H, W] normalised as (pixel / 255 - mean) / std, and int64 labels [B]. */
export function classifyBatch(dataset: Dataset, indices: Int32Array): { images: HostTensor; labels: HostTensor } {
  const [c, h, w] = dataset.shape;
  for (const i of indices) if (i < 0 || i >= dataset.count) throw new Error(`index ${i} outside the dataset (${dataset.count} items)`);
  const labels = new BigInt64Array(indices.length);
  indices.forEach((i, b) => (labels[b] = BigInt(dataset.labels[i]!)));
  return {
    images: { dtype: 'float32', shape: [indices.length, c, h, w], values: normalizedImages(dataset.pixels, dataset.shape, indices, dataset.normalize) },
    labels: { dtype: 'int64', shape: [indices.length], values: labels },
  };
}

/** Inputs and targets of a paired (image-to-image) dataset, both normalised like the inputs. */
export function pairedBatch(dataset: Dataset, indices: Int32Array): { inputs: HostTensor; targets: HostTensor } {
  if (!dataset.targets || !dataset.targetShape) throw new Error(`${dataset.name} has no targets`);
  const [c, h, w] = dataset.shape;
  const [tc, th, tw] = dataset.targetShape;
  return {
    inputs: { dtype: 'float32', shape: [indices.length, c, h, w], values: normalizedImages(dataset.pixels, dataset.shape, indices, dataset.normalize) },
    targets: { dtype: 'float32', shape: [indices.length, tc, th, tw], values: normalizedImages(dataset.targets, dataset.targetShape, indices, dataset.normalize) },
  };
}

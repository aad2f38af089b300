// From a Dataset to the float tensors a compiled step is fed: 8-bit pixels normalised per channel. The
// fit loop's streams (train/streams.ts) gather into reused buffers with the same tables.

import type { Dataset } from '../data/dataset.ts';
import type { HostTensor } from './session.ts';

/**
 * 256-entry tables mapping an 8-bit pixel to (pixel / 255 - mean) / std for each channel: a batch is
 * gathered and normalised with one table lookup per value.
 */
export function normalizationTables(norm: Dataset['normalize'], channels: number): Float32Array[] {
  return Array.from({ length: channels }, (_, ch) => {
    const mean = norm.mean[ch] ?? norm.mean[0] ?? 0;
    const std = norm.std[ch] ?? norm.std[0] ?? 1;
    return Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean) / std);
  });
}

/** Normalised values (model inputs or outputs) back to [0, 1] with the model's normalisation (pixel / 255 = y * std + mean), clamped. */
export function toUnit(values: Float32Array, shape: readonly [number, number, number], norm: Dataset['normalize']): Float32Array {
  const out = new Float32Array(values.length);
  const plane = shape[1] * shape[2];
  for (let k = 0; k < values.length; k++) {
    const ch = Math.floor(k / plane) % shape[0];
    out[k] = Math.min(1, Math.max(0, values[k]! * (norm.std[ch] ?? norm.std[0] ?? 1) + (norm.mean[ch] ?? norm.mean[0] ?? 0)));
  }
  return out;
}

/** Writes the normalised images of `indices` into `out` ([indices.length, c, h, w]). */
export function gatherImages(pixels: Uint8Array, shape: readonly [number, number, number], indices: ArrayLike<number>, tables: readonly Float32Array[], out: Float32Array): void {
  const [c, h, w] = shape;
  const plane = h * w;
  const size = c * plane;
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * size;
    const dst = b * size;
    for (let ch = 0; ch < c; ch++) {
      const table = tables[ch]!;
      const from = src + ch * plane;
      const to = dst + ch * plane;
      for (let k = 0; k < plane; k++) out[to + k] = table[pixels[from + k]!]!;
    }
  }
}

function normalizedImages(pixels: Uint8Array, shape: readonly [number, number, number], indices: Int32Array, norm: Dataset['normalize']): Float32Array {
  const out = new Float32Array(indices.length * shape[0] * shape[1] * shape[2]);
  gatherImages(pixels, shape, indices, normalizationTables(norm, shape[0]), out);
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

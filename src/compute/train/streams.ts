// Data streams: where the fit loop's batches come from. A stream hands out the named batch tensors
// of one step (`images` and `labels` of a classification split, `inputs` and `targets` of a paired
// one, noise for a generator, ...) under the graph input names the losses were built on; the loop
// draws one batch from every stream per step, so objectives of the same step see the same data.
//
// Batches are written into buffers the stream owns and reuses, so a step allocates nothing here. The
// tensors of a batch are valid until the stream's next `next()`: onnxruntime-node runs a session
// synchronously (inside a setImmediate), so a batch is consumed before the next one is drawn; the
// same fact rules out preparing the next batch while the step runs on this thread.

import type { Dataset } from '../data/dataset.ts';
import type { Rng } from '../graph/init.ts';
import { gatherImages, normalizationTables } from '../ort/batches.ts';
import type { HostTensor } from '../ort/session.ts';

export interface DataStream {
  /** The graph inputs each batch holds. */
  readonly names: readonly string[];
  /** Steps that make one pass over the stream's data (an epoch of the first stream is the loop's epoch). */
  readonly batchesPerEpoch: number;
  /** Called before each pass, whenever the stream is exhausted: reshuffles. */
  startEpoch(): void;
  /** The next batch, by graph input name. */
  next(): Record<string, HostTensor>;
}

/** A permutation of 0..count-1 drawn with Fisher-Yates, written into `order`. */
function shuffleInto(order: Int32Array, rng: Rng): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** Index batches of a fixed size over a shuffled order, the last partial batch dropped (static shapes). */
class ShuffledBatches {
  private readonly order: Int32Array;
  private cursor = 0;
  readonly batchesPerEpoch: number;
  constructor(
    count: number,
    readonly batch: number,
    private readonly rng: Rng | undefined,
  ) {
    if (batch < 1) throw new Error('batch size must be at least 1');
    if (count < batch) throw new Error(`a batch of ${batch} needs at least ${batch} items, the data has ${count}`);
    this.order = Int32Array.from({ length: count }, (_, i) => i);
    this.batchesPerEpoch = Math.floor(count / batch);
  }

  startEpoch(): void {
    if (this.rng) shuffleInto(this.order, this.rng);
    this.cursor = 0;
  }

  next(): Int32Array {
    if (this.cursor >= this.batchesPerEpoch) this.startEpoch();
    const start = this.cursor++ * this.batch;
    return this.order.subarray(start, start + this.batch);
  }
}

export interface ClassifyStreamOptions {
  batch: number;
  /** Shuffles each pass when given; in order otherwise. */
  rng?: Rng;
  /** Graph input names; default `input` and `labels`. */
  names?: { images?: string; labels?: string };
  /** Normalisation the model reads (its input contract); default the dataset's. */
  normalize?: Dataset['normalize'];
  /** Edits each batch of normalised images in place (augmentation). */
  transform?: (images: HostTensor) => void;
}

/** Normalised images [B, C, H, W] and int64 labels [B] of a classification dataset. */
export function classifyStream(data: Dataset, options: ClassifyStreamOptions): DataStream {
  const [c, h, w] = data.shape;
  const order = new ShuffledBatches(data.count, options.batch, options.rng);
  const tables = normalizationTables(options.normalize ?? data.normalize, c);
  const images: HostTensor = { dtype: 'float32', shape: [options.batch, c, h, w], values: new Float32Array(options.batch * c * h * w) };
  const labels: HostTensor = { dtype: 'int64', shape: [options.batch], values: new BigInt64Array(options.batch) };
  const imagesName = options.names?.images ?? 'input';
  const labelsName = options.names?.labels ?? 'labels';
  return {
    names: [imagesName, labelsName],
    batchesPerEpoch: order.batchesPerEpoch,
    startEpoch: () => order.startEpoch(),
    next: () => {
      const indices = order.next();
      gatherImages(data.pixels, data.shape, indices, tables, images.values as Float32Array);
      const y = labels.values as BigInt64Array;
      for (let b = 0; b < indices.length; b++) y[b] = BigInt(data.labels[indices[b]!]!);
      options.transform?.(images);
      return { [imagesName]: images, [labelsName]: labels };
    },
  };
}

export interface PairedStreamOptions {
  batch: number;
  rng?: Rng;
  /** Graph input names; default `input` and `target`. */
  names?: { inputs?: string; targets?: string };
  normalize?: Dataset['normalize'];
}

/** Inputs and targets of a paired (image-to-image) dataset, both normalised like the inputs. */
export function pairedStream(data: Dataset, options: PairedStreamOptions): DataStream {
  if (!data.targets || !data.targetShape) throw new Error(`${data.name} has no targets; a paired stream needs an image-to-image dataset`);
  const targetPixels = data.targets;
  const targetShape = data.targetShape;
  const order = new ShuffledBatches(data.count, options.batch, options.rng);
  const norm = options.normalize ?? data.normalize;
  const inputTables = normalizationTables(norm, data.shape[0]);
  const targetTables = normalizationTables(norm, targetShape[0]);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const inputs: HostTensor = { dtype: 'float32', shape: [options.batch, ...data.shape], values: new Float32Array(options.batch * size(data.shape)) };
  const targets: HostTensor = { dtype: 'float32', shape: [options.batch, ...targetShape], values: new Float32Array(options.batch * size(targetShape)) };
  const inputsName = options.names?.inputs ?? 'input';
  const targetsName = options.names?.targets ?? 'target';
  return {
    names: [inputsName, targetsName],
    batchesPerEpoch: order.batchesPerEpoch,
    startEpoch: () => order.startEpoch(),
    next: () => {
      const indices = order.next();
      gatherImages(data.pixels, data.shape, indices, inputTables, inputs.values as Float32Array);
      gatherImages(targetPixels, targetShape, indices, targetTables, targets.values as Float32Array);
      return { [inputsName]: inputs, [targetsName]: targets };
    },
  };
}

/**
 * A stream of values made per step (noise for a generator, a schedule-driven coefficient): `fill`
 * writes each named tensor's values in place.
 */
export function generatedStream(tensors: Record<string, { shape: readonly number[] }>, fill: (name: string, values: Float32Array) => void, batchesPerEpoch = 1): DataStream {
  const batch: Record<string, HostTensor> = {};
  for (const [name, { shape }] of Object.entries(tensors))
    batch[name] = { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
  return {
    names: Object.keys(batch),
    batchesPerEpoch,
    startEpoch: () => {},
    next: () => {
      for (const [name, t] of Object.entries(batch)) fill(name, t.values as Float32Array);
      return batch;
    },
  };
}

// Evaluation of a Model on a Dataset, classifiers and image-to-image generators: one compiled
// eval-mode function at a fixed batch size; the last partial batch is padded (its extra rows
// ignored), so one session serves all.

import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { classifyBatch, pairedBatch } from '../ort/batches.ts';
import type { SessionOptions } from '../ort/session.ts';
import { dwtBandErrors, maxHaarLevels, meanSquaredError, psnrFromMse, ssim, type BandErrors } from './image-metrics.ts';
import { buildModelGraph, type Model } from './model.ts';

/**
 * Batches of exactly `batch` indices over `count` items, in order. The compiled session has a fixed batch
 * size, so the last batch repeats its last item; `real` says how many of its rows count.
 */
export function* fixedSizeBatches(
  count: number,
  batch: number,
): Generator<{ start: number; real: number; indices: Int32Array; done: number; total: number }> {
  const total = Math.ceil(count / batch);
  for (let b = 0; b < total; b++) {
    const start = b * batch;
    const real = Math.min(batch, count - start);
    yield { start, real, indices: Int32Array.from({ length: batch }, (_, i) => start + Math.min(i, real - 1)), done: b + 1, total };
  }
}

export interface ClassifierEvaluation {
  count: number;
  accuracy: number;
  /** Mean softmax cross-entropy. */
  loss: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** Accuracy per true class (NaN for a class without samples). */
  perClass: number[];
  predictions: Int32Array;
}

export interface EvaluateOptions extends SessionOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

/** The dataset's pixels read with the model's normalisation (its input contract), not the dataset's. */
export function asModelInput(model: Model, data: Dataset): Dataset {
  return { ...data, normalize: model.meta.normalize };
}

export async function evaluateClassifier(model: Model, data: Dataset, options: EvaluateOptions = {}): Promise<ClassifierEvaluation> {
  const k = model.meta.classes.length;
  const batch = Math.max(1, Math.min(options.batchSize ?? 256, data.count));
  const g = new GraphBuilder({ training: false });
  const { logits } = buildModelGraph(model, g, { batch, training: false });
  const fn = await CompiledFunction.compile(g, { logits }, options);
  const state = initialState(g);
  const input = asModelInput(model, data);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const predictions = new Int32Array(data.count);
  let lossSum = 0;
  for (const { start, real, indices, done, total } of fixedSizeBatches(data.count, batch)) {
    options.signal?.throwIfAborted();
    const { images } = classifyBatch(input, indices);
    const out = (await fn.run(state, { input: images })).logits!.values as Float32Array;
    for (let i = 0; i < real; i++) {
      const row = out.subarray(i * k, (i + 1) * k);
      let arg = 0;
      let max = -Infinity;
      for (let j = 0; j < k; j++) if (row[j]! > max) [max, arg] = [row[j]!, j];
      let z = 0;
      for (let j = 0; j < k; j++) z += Math.exp(row[j]! - max);
      const label = data.labels[start + i]!;
      lossSum += Math.log(z) + max - row[label]!;
      predictions[start + i] = arg;
      confusion[label]![arg]!++;
    }
    options.onBatch?.(done, total);
  }
  const hits = confusion.reduce((s, row, i) => s + row[i]!, 0);
  return {
    count: data.count,
    accuracy: data.count ? hits / data.count : NaN,
    loss: data.count ? lossSum / data.count : NaN,
    confusion,
    perClass: confusion.map((row, i) => {
      const n = row.reduce((a, c) => a + c, 0);
      return n ? row[i]! / n : NaN;
    }),
    predictions,
  };
}

export interface ImageToImageEvaluation {
  count: number;
  /** Mean over images of each image's PSNR (dB, range 1, capped at PSNR_CAP_DB). */
  psnr: number;
  /** Mean over images of each image's Gaussian-window SSIM. */
  ssim: number;
  /** Mean squared and absolute error over all pixels, images in [0, 1]. */
  mse: number;
  l1: number;
  /** Haar DWT band errors per level (level 1 finest), averaged over images. */
  dwt: BandErrors[];
  /** The first `samples` outputs as 8-bit pixels, [n, c, h, w] with the targets' shape. */
  outputs: Uint8Array;
}

export interface ImageEvaluateOptions extends EvaluateOptions {
  /** Haar DWT levels; by default 3, or fewer when the images are too small. */
  dwtLevels?: number;
  /** Keep this many outputs as pixels (for a picture of results). Default 0. */
  samples?: number;
}

/**
 * A generator on a paired dataset: its outputs mapped back to [0, 1] with the model's normalisation
 * (pixel / 255 = y * std + mean, clamped) against the targets' pixels / 255.
 */
export async function evaluateImageToImage(model: Model, data: Dataset, options: ImageEvaluateOptions = {}): Promise<ImageToImageEvaluation> {
  if (model.meta.task !== 'image-to-image') throw new Error(`${model.name} is a ${model.meta.task} model, not an image-to-image one`);
  if (!data.targets || !data.targetShape) throw new Error(`${data.name} has no target images`);
  const shape = data.targetShape;
  const [c, h, w] = shape;
  const levels = options.dwtLevels ?? Math.min(3, maxHaarLevels(h, w));
  const batch = Math.max(1, Math.min(options.batchSize ?? 32, data.count));
  const g = new GraphBuilder({ training: false });
  const { logits } = buildModelGraph(model, g, { batch, training: false });
  const fn = await CompiledFunction.compile(g, { output: logits }, { optimizationLevel: 'extended', ...options });
  const state = initialState(g);
  const input = asModelInput(model, data);
  const size = c * h * w;
  const { mean, std } = model.meta.normalize;
  const out01 = new Float32Array(size);
  const target01 = new Float32Array(size);
  const kept = Math.min(options.samples ?? 0, data.count);
  const outputs = new Uint8Array(kept * size);
  let [psnrSum, ssimSum, seSum, aeSum] = [0, 0, 0, 0];
  const dwt = Array.from({ length: levels }, (_, i) => ({ level: i + 1, lh: 0, hl: 0, hh: 0, ll: 0 }));
  for (const { start, real, indices, done, total } of fixedSizeBatches(data.count, batch)) {
    options.signal?.throwIfAborted();
    const { inputs } = pairedBatch(input, indices);
    const out = (await fn.run(state, { input: inputs })).output!.values as Float32Array;
    for (let i = 0; i < real; i++) {
      for (let ch = 0; ch < c; ch++) {
        const m = mean[ch] ?? mean[0] ?? 0;
        const s = std[ch] ?? std[0] ?? 1;
        for (let k = ch * h * w; k < (ch + 1) * h * w; k++) out01[k] = Math.min(1, Math.max(0, out[i * size + k]! * s + m));
      }
      if (start + i < kept) for (let k = 0; k < size; k++) outputs[(start + i) * size + k] = Math.round(out01[k]! * 255);
      const src = (start + i) * size;
      for (let k = 0; k < size; k++) target01[k] = data.targets[src + k]! / 255;
      const mse = meanSquaredError(out01, target01);
      seSum += mse * size;
      for (let k = 0; k < size; k++) aeSum += Math.abs(out01[k]! - target01[k]!);
      psnrSum += psnrFromMse(mse);
      ssimSum += ssim(out01, target01, shape);
      dwtBandErrors(out01, target01, shape, levels).forEach((e, l) => {
        const d = dwt[l]!;
        d.lh += e.lh;
        d.hl += e.hl;
        d.hh += e.hh;
        d.ll += e.ll;
      });
    }
    options.onBatch?.(done, total);
  }
  const n = data.count;
  return {
    count: n,
    psnr: n ? psnrSum / n : NaN,
    ssim: n ? ssimSum / n : NaN,
    mse: n ? seSum / (n * size) : NaN,
    l1: n ? aeSum / (n * size) : NaN,
    dwt: dwt.map((d) => ({ level: d.level, lh: d.lh / n, hl: d.hl / n, hh: d.hh / n, ll: d.ll / n })),
    outputs,
  };
}

// Evaluation of a model that predicts after every glimpse (MGNet, arXiv 2111.02018; methods.md section 8):
// accuracy after each glimpse count, what each glimpse costs, early exit at a confidence threshold, and
// how well the glimpse boxes find the object where the test set records its box.
//
//   images ──> model ──> glimpse_logits [N, T, K] ──> accuracy after 1..T glimpses
//                   │                           └──> first t with max softmax >= threshold: early exit
//                   ├──> boxes [N, T, 4] (align corners, [-1, 1]) ──> canvas pixels ──> IoU with Dataset.boxes
//                   └──> glimpses [N, T, C, gh, gw] of the first few images, for the glimpse view

import { boxIoU, normalizedToBox, type Box } from '../data/boxes.ts';
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { classifyBatch, toUnit } from '../ort/batches.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { asModelInput, fixedSizeBatches, type EvaluateOptions } from './evaluate.ts';
import { countMacs } from './export.ts';
import { buildModelGraph, type Model } from './model.ts';

/** Glimpses per image of a model that exposes per-glimpse logits; 0 for any other model. */
export function glimpseCountOf(model: Model): number {
  if (model.architecture.kind !== 'zoo') return 0;
  const g = new GraphBuilder({ training: false });
  const { outputs } = buildModelGraph(model, g, { batch: 1, training: false });
  return outputs.glimpse_logits?.shape[1] ?? 0;
}

/** The same model stopped after k glimpses: its parameters do not depend on the glimpse count. */
function withGlimpses(model: Model, k: number): Model {
  if (model.architecture.kind !== 'zoo') throw new Error(`${model.name} is not a zoo model`);
  return { ...model, architecture: { ...model.architecture, options: { ...model.architecture.options, glimpses: k } } };
}

export interface GlimpseCosts {
  /** MACs per image of the shared backbone on glimpse t (index t - 1). */
  backbonePerGlimpse: number[];
  /** Backbone MACs per image of the first k glimpses (index k - 1). */
  backboneAfter: number[];
  /** MACs per image of the whole model stopped after k glimpses (attention, heads and sampler's next box included). */
  macsAfter: number[];
}

/**
 * What each glimpse costs, counted on the recorded graph: the model is built stopping after k = 1..T
 * glimpses and the backbone's share is the MACs of the nodes that read a `backbone.*` weight, so the
 * figure for glimpse t is what glimpse t added, not an assumption that all glimpses cost the same.
 */
export function glimpseCosts(model: Model, glimpses: number): GlimpseCosts {
  const backboneAfter: number[] = [];
  const macsAfter: number[] = [];
  for (let k = 1; k <= glimpses; k++) {
    const g = new GraphBuilder({ training: false });
    // Masks are skipped so the weights enter the nodes under their own names (MACs count shapes, not zeros).
    buildModelGraph(withGlimpses(model, k), g, { batch: 1, training: false, skipMasks: true });
    macsAfter.push(countMacs(g));
    backboneAfter.push(countMacs(g, (n) => n.inputs.some((i) => i.startsWith('backbone.'))));
  }
  return { backbonePerGlimpse: backboneAfter.map((m, i) => m - (backboneAfter[i - 1] ?? 0)), backboneAfter, macsAfter };
}

export interface EarlyExit {
  threshold: number;
  /** Accuracy of the prediction at each image's exit glimpse. */
  accuracy: number;
  /** Mean glimpses used per image. */
  meanGlimpses: number;
  /** images[t - 1]: how many images stopped after t glimpses. */
  exits: number[];
  /** The glimpse count each image stopped at (1-based). */
  used: Int32Array;
}

/**
 * Early exit (methods.md 8.2: a prediction at every step): each image stops at the first glimpse whose
 * largest softmax probability reaches `threshold`, or after the last. Threshold 0 always stops after one
 * glimpse; a threshold above 1 never stops early. `logits` is [n, T, k].
 */
export function earlyExit(logits: Float32Array, labels: ArrayLike<number>, glimpses: number, classes: number, threshold: number): EarlyExit {
  const n = labels.length;
  const used = new Int32Array(n);
  const exits = new Array<number>(glimpses).fill(0);
  let hits = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    let arg = 0;
    for (; t < glimpses; t++) {
      const row = logits.subarray((i * glimpses + t) * classes, (i * glimpses + t + 1) * classes);
      let max = -Infinity;
      for (let j = 0; j < classes; j++) if (row[j]! > max) [max, arg] = [row[j]!, j];
      let z = 0;
      for (let j = 0; j < classes; j++) z += Math.exp(row[j]! - max);
      // The largest softmax probability is exp(max - max) / z.
      if (1 / z >= threshold || t === glimpses - 1) break;
    }
    used[i] = t + 1;
    exits[t]!++;
    total += t + 1;
    if (arg === labels[i]) hits++;
  }
  return { threshold, accuracy: n ? hits / n : NaN, meanGlimpses: n ? total / n : NaN, exits, used };
}

/**
 * A glimpse box from the sampler's coordinates (align corners: -1 and +1 the centres of the first and last
 * pixel) to canvas pixels on pixel edges, the coordinates of Dataset.boxes.
 */
export function glimpseBoxToPixels(box: ArrayLike<number>, width: number, height: number): Box {
  return normalizedToBox([box[0]!, box[1]!, box[2]!, box[3]!], width, height, { alignCorners: true });
}

export interface GlimpseEvaluation {
  count: number;
  glimpses: number;
  /** Accuracy of the prediction after t glimpses (index t - 1). */
  accuracyAfter: number[];
  exit: EarlyExit;
  /** Mean IoU of glimpse t's box with the recorded object box (index t - 1); absent without boxes. */
  iouAfter?: number[];
  /** Every glimpse box in canvas pixels (edges), [count, T, 4]. */
  boxes: Float32Array;
  /** The glimpses of the first `samples` images as 8-bit pixels, [samples, T, c, gh, gw]. */
  samplePixels: Uint8Array;
  glimpseShape: [number, number, number];
}

export interface GlimpseEvaluateOptions extends EvaluateOptions {
  /** Early exit threshold on the largest softmax probability (default 0.9). */
  exitConfidence?: number;
  /** Keep the glimpses of this many images as pixels (default 0). */
  samples?: number;
}

export async function evaluateGlimpses(model: Model, data: Dataset, options: GlimpseEvaluateOptions = {}): Promise<GlimpseEvaluation> {
  const k = model.meta.classes.length;
  const [, h, w] = model.meta.inputShape;
  const batch = Math.max(1, Math.min(options.batchSize ?? 256, data.count));
  const g = new GraphBuilder({ training: false });
  const { outputs } = buildModelGraph(model, g, { batch, training: false });
  const { glimpse_logits: logitsT, boxes: boxesT, glimpses: glimpsesT } = outputs;
  if (!logitsT || !boxesT || !glimpsesT) throw new Error(`${model.name} does not predict after every glimpse`);
  const glimpses = logitsT.shape[1]!;
  const glimpseShape = glimpsesT.shape.slice(2) as [number, number, number];
  const glimpseSize = glimpseShape[0] * glimpseShape[1] * glimpseShape[2];
  const fn = await CompiledFunction.compile(g, { logits: logitsT, boxes: boxesT, glimpses: glimpsesT }, options);
  const state = initialState(g);
  const input = asModelInput(model, data);
  const allLogits = new Float32Array(data.count * glimpses * k);
  const boxes = new Float32Array(data.count * glimpses * 4);
  const kept = Math.min(options.samples ?? 0, data.count);
  const samplePixels = new Uint8Array(kept * glimpses * glimpseSize);
  for (const { start, real, indices, done, total } of fixedSizeBatches(data.count, batch)) {
    options.signal?.throwIfAborted();
    const out = await fn.run(state, { input: classifyBatch(input, indices).images });
    allLogits.set((out.logits!.values as Float32Array).subarray(0, real * glimpses * k), start * glimpses * k);
    const nb = out.boxes!.values as Float32Array;
    for (let i = 0; i < real * glimpses; i++) boxes.set(glimpseBoxToPixels(nb.subarray(4 * i, 4 * i + 4), w, h), 4 * (start * glimpses + i));
    // The kept images' glimpses back to pixels with the model's normalisation.
    const shown = Math.max(0, Math.min(real, kept - start));
    if (shown > 0) {
      const unit = toUnit((out.glimpses!.values as Float32Array).subarray(0, shown * glimpses * glimpseSize), glimpseShape, model.meta.normalize);
      samplePixels.set(Uint8Array.from(unit, (v) => Math.round(v * 255)), start * glimpses * glimpseSize);
    }
    options.onBatch?.(done, total);
  }
  const accuracyAfter = Array.from({ length: glimpses }, (_, t) => accuracyAfterGlimpse(allLogits, data.labels, glimpses, k, t));
  let iouAfter: number[] | undefined;
  if (data.boxes) {
    iouAfter = new Array<number>(glimpses).fill(0);
    for (let i = 0; i < data.count; i++) {
      const object = Array.from(data.boxes.subarray(4 * i, 4 * i + 4)) as Box;
      for (let t = 0; t < glimpses; t++) iouAfter[t]! += boxIoU(Array.from(boxes.subarray(4 * (i * glimpses + t), 4 * (i * glimpses + t) + 4)) as Box, object);
    }
    iouAfter = iouAfter.map((v) => (data.count ? v / data.count : NaN));
  }
  return {
    count: data.count,
    glimpses,
    accuracyAfter,
    exit: earlyExit(allLogits, data.labels, glimpses, k, options.exitConfidence ?? 0.9),
    ...(iouAfter && { iouAfter }),
    boxes,
    samplePixels,
    glimpseShape,
  };
}

/** Accuracy of the prediction after glimpse t (0-based) of [n, T, k] logits. */
function accuracyAfterGlimpse(logits: Float32Array, labels: ArrayLike<number>, glimpses: number, classes: number, t: number): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray((i * glimpses + t) * classes, (i * glimpses + t + 1) * classes);
    let arg = 0;
    for (let j = 1; j < classes; j++) if (row[j]! > row[arg]!) arg = j;
    if (arg === labels[i]) hits++;
  }
  return labels.length ? hits / labels.length : NaN;
}

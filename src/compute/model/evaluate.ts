// Classification evaluation of a Model on a Dataset: one compiled eval-mode function at a fixed
// batch size; the last partial batch is padded (its extra rows ignored), so one session serves all.

import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { classifyBatch } from '../ort/batches.ts';
import type { SessionOptions } from '../ort/session.ts';
import { buildModelGraph, type Model } from './model.ts';

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
  const total = Math.ceil(data.count / batch);
  for (let b = 0; b < total; b++) {
    options.signal?.throwIfAborted();
    const start = b * batch;
    const real = Math.min(batch, data.count - start);
    const indices = Int32Array.from({ length: batch }, (_, i) => start + Math.min(i, real - 1));
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
    options.onBatch?.(b + 1, total);
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

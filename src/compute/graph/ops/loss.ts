// Losses and metrics. All losses reduce to a scalar (shape []) so they can seed autodiff.

import type { Tensor } from '../graph-builder.ts';
import { add, cast, equal, mul, neg, sub } from './elementwise.ts';
import { logSoftmax } from './nn.ts';
import { argmax, mean, sum } from './reduce.ts';
import { unsqueeze } from './shape.ts';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(x: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return x;
  return reduction === 'mean' ? mean(x) : sum(x);
}

/**
 * One-hot of int64 class indices [N] into [N, classes]. Built as a comparison against 0..K-1
 * rather than ONNX OneHot, which onnxruntime's CPU provider lacks for float64 outputs.
 */
export function oneHot(labels: Tensor, classes: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const g = labels.graph;
  const range = g.constant(Array.from({ length: classes }, (_, i) => i), [1, classes], 'int64');
  return cast(equal(unsqueeze(labels, [1]), range), dtype);
}

/** Softmax cross-entropy from logits [N, K] and int64 labels [N]. */
export function crossEntropy(logits: Tensor, labels: Tensor, options: { reduction?: Reduction; labelSmoothing?: number } = {}): Tensor {
  if (logits.rank !== 2) throw new Error(`crossEntropy expects logits [N, K], got [${logits.shape}]`);
  if (labels.dtype !== 'int64' || labels.rank !== 1 || labels.shape[0] !== logits.shape[0])
    throw new Error(`crossEntropy expects int64 labels [${logits.shape[0]}], got ${labels}`);
  const classes = logits.shape[1]!;
  const logp = logSoftmax(logits, 1);
  let target = oneHot(labels, classes, logits.dtype as 'float32' | 'float64');
  const smoothing = options.labelSmoothing ?? 0;
  if (smoothing > 0) target = add(mul(target, 1 - smoothing), smoothing / classes);
  const nll = neg(sum(mul(logp, target), [1]));
  return reduce(nll, options.reduction ?? 'mean');
}

export function mseLoss(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const d = sub(prediction, target);
  return reduce(mul(d, d), options.reduction ?? 'mean');
}

/** Fraction of rows whose argmax equals the label (a metric; no gradient). */
export function accuracy(logits: Tensor, labels: Tensor): Tensor {
  const hits = cast(equal(argmax(logits, 1), labels), logits.dtype);
  return mean(hits);
}

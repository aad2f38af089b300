// Losses and metrics. All losses reduce to a scalar (shape []) so they can seed autodiff.

import type { Tensor } from '../graph-builder.ts';
import { abs, add, cast, equal, exp, log, mul, neg, relu, sub } from './elementwise.ts';
import { logSoftmax } from './nn.ts';
import { argmax, mean, sum } from './reduce.ts';
import { gatherElements, squeeze, unsqueeze } from './shape.ts';

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

/**
 * Negative log-likelihood of log-probabilities [N, K, ...] (e.g. a LogSoftmax over axis 1) at
 * int64 labels [N, ...]: the log-probability of each label is picked with GatherElements along
 * the class axis, so per-pixel labels of a segmentation map work as well.
 */
export function nllLoss(logProbs: Tensor, labels: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const expected = [logProbs.shape[0], ...logProbs.shape.slice(2)];
  if (logProbs.rank < 2) throw new Error(`nllLoss expects log-probabilities [N, K, ...], got [${logProbs.shape}]`);
  if (labels.dtype !== 'int64' || labels.rank !== expected.length || labels.shape.some((d, i) => d !== expected[i]))
    throw new Error(`nllLoss expects int64 labels [${expected.join(', ')}], got ${labels}`);
  const picked = squeeze(gatherElements(logProbs, unsqueeze(labels, [1]), 1), [1]);
  return reduce(neg(picked), options.reduction ?? 'mean');
}

function sameShapeOrThrow(op: string, a: Tensor, b: Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) throw new Error(`${op}: shapes [${a.shape}] and [${b.shape}] differ`);
}

/** Mean (or sum) absolute error. */
export function l1Loss(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShapeOrThrow('l1Loss', prediction, target);
  return reduce(abs(sub(prediction, target)), options.reduction ?? 'mean');
}

/**
 * Binary cross-entropy of a sigmoid from logits, in the form that cannot overflow:
 * max(x, 0) - x t + log(1 + exp(-|x|)). Targets may be soft (any value in [0, 1]).
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShapeOrThrow('bceWithLogits', logits, targets);
  const softplusOfMinusAbs = log(add(exp(neg(abs(logits))), 1));
  return reduce(add(sub(relu(logits), mul(logits, targets)), softplusOfMinusAbs), options.reduction ?? 'mean');
}

/**
 * Least-squares GAN loss (Mao et al. 2017): mean((pred - 1)^2) against real, mean(pred^2) against
 * fake.
 */
export function lsganLoss(prediction: Tensor, targetIsReal: boolean): Tensor {
  const d = targetIsReal ? sub(prediction, 1) : prediction;
  return mean(mul(d, d));
}

/** Fraction of rows whose argmax equals the label (a metric; no gradient). */
export function accuracy(logits: Tensor, labels: Tensor): Tensor {
  const hits = cast(equal(argmax(logits, 1), labels), logits.dtype);
  return mean(hits);
}

// Adversarial accuracy under L-inf attacks: FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018).
// The attack works on pixels in [0, 1] (eps 8/255 means eight grey levels), so the model's own
// normalisation is recorded in front of it: x -> (x - mean) / std -> model. The gradient of the
// cross-entropy with respect to those pixels comes from the compute core's autodiff on the eval-mode
// graph (batch norm with running statistics, no dropout), compiled once per batch size.
//
//   FGSM: x' = clip01(x + eps sign(grad))
//   PGD:  x_0 = x (+ U(-eps, eps) with random start); x_{t+1} = clip01(proj_eps(x_t + alpha sign(grad_t)))
//
// Adversarial images stay in float: they are not rounded to 8 bits.

import type { Dataset } from '../data/dataset.ts';
import { grad } from '../autodiff/grad.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { CompiledFunction, initialState, type ModelState } from '../ort/compiled-graph.ts';
import type { SessionOptions } from '../ort/session.ts';
import { buildModelGraph, type Model } from '../model/model.ts';

export type AttackName = 'fgsm' | 'pgd';

export interface AttackOptions {
  attack: AttackName;
  /** L-inf radius in pixel units of [0, 1]. */
  eps: number;
  /** PGD step (alpha); default 2.5 eps / steps (Madry et al.). */
  stepSize?: number;
  /** PGD iterations. */
  steps?: number;
  /** PGD: start from a uniform point of the eps-ball instead of the clean image. */
  randomStart?: boolean;
  seed?: number;
}

/** Why the attack options are unusable (a negative eps, no steps), naming the option, or undefined. */
export function attackProblem(o: AttackOptions): { option: 'eps' | 'stepSize' | 'steps'; message: string } | undefined {
  if (!Number.isFinite(o.eps) || o.eps < 0) return { option: 'eps', message: `eps must be a number >= 0 (pixels in [0, 1]), got ${o.eps}` };
  if (o.eps > 1) return { option: 'eps', message: `eps ${o.eps} is larger than the whole pixel range [0, 1]; write 8/255 as ${(8 / 255).toFixed(4)}` };
  if (o.attack === 'pgd') {
    if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps < 1)) return { option: 'steps', message: `PGD needs at least one step, got ${o.steps}` };
    if (o.eps > 0 && o.stepSize !== undefined && !(o.stepSize > 0)) return { option: 'stepSize', message: `the PGD step size must be > 0, got ${o.stepSize}` };
  }
  return undefined;
}

/**
 * The model behind a pixel-space input with the gradient of the summed cross-entropy w.r.t. the pixels:
 * one compiled session for a fixed batch size.
 */
export class InputGradient {
  private constructor(
    private readonly fn: CompiledFunction,
    private readonly state: ModelState,
    readonly batch: number,
    readonly classes: number,
    private readonly imageShape: readonly [number, number, number],
  ) {}

  static async compile(model: Model, batch: number, options: SessionOptions = {}): Promise<InputGradient> {
    if (model.meta.task !== 'classify') throw new Error(`${model.name} is an ${model.meta.task} model; adversarial accuracy needs a classifier`);
    const [c, h, w] = model.meta.inputShape;
    const g = new GraphBuilder({ training: false });
    const pixels = g.input('pixels', [batch, c, h, w]);
    const labels = g.input('labels', [batch], 'int64');
    const { mean, std } = model.meta.normalize;
    const meanT = g.constant(Float32Array.from({ length: c }, (_, i) => mean[i] ?? mean[0] ?? 0), [1, c, 1, 1]);
    const stdT = g.constant(Float32Array.from({ length: c }, (_, i) => std[i] ?? std[0] ?? 1), [1, c, 1, 1]);
    const { logits } = buildModelGraph(model, g, { batch, training: false, input: F.div(F.sub(pixels, meanT), stdT) });
    // The summed loss: each image's gradient is its own loss's, whatever the batch size.
    const loss = F.crossEntropy(logits, labels, { reduction: 'sum' });
    const [dx] = grad(g, loss, [pixels]);
    const fn = await CompiledFunction.compile(g, { logits, grad: dx! }, options);
    return new InputGradient(fn, initialState(g), batch, model.meta.classes.length, [c, h, w]);
  }

  /** Logits [batch, K] and d loss / d pixels [batch, c, h, w] at `pixels`. */
  async run(pixels: Float32Array, labels: BigInt64Array): Promise<{ logits: Float32Array; grad: Float32Array }> {
    const [c, h, w] = this.imageShape;
    const out = await this.fn.run(this.state, {
      pixels: { dtype: 'float32', shape: [this.batch, c, h, w], values: pixels },
      labels: { dtype: 'int64', shape: [this.batch], values: labels },
    });
    return { logits: out.logits!.values as Float32Array, grad: out.grad!.values as Float32Array };
  }
}

/** Attacks one batch of pixels in [0, 1] (left unchanged); returns the adversarial images. */
export async function attackBatch(fn: InputGradient, clean: Float32Array, labels: BigInt64Array, o: AttackOptions, rng: () => number): Promise<Float32Array> {
  const eps = o.eps;
  const x = clean.slice();
  if (eps === 0) return x;
  if (o.attack === 'fgsm') {
    const { grad: g } = await fn.run(x, labels);
    for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, clean[i]! + eps * Math.sign(g[i]!)));
    return x;
  }
  const steps = o.steps ?? 10;
  const alpha = o.stepSize ?? (2.5 * eps) / steps;
  if (o.randomStart) for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, clean[i]! + eps * (2 * rng() - 1)));
  for (let t = 0; t < steps; t++) {
    const { grad: g } = await fn.run(x, labels);
    for (let i = 0; i < x.length; i++) {
      const lo = Math.max(0, clean[i]! - eps);
      const hi = Math.min(1, clean[i]! + eps);
      x[i] = Math.min(hi, Math.max(lo, x[i]! + alpha * Math.sign(g[i]!)));
    }
  }
  return x;
}

export interface AdversarialOptions extends SessionOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

/** Accuracy of the model on `data` under the attack (eps 0: clean accuracy). */
export async function adversarialAccuracy(model: Model, data: Dataset, attack: AttackOptions, options: AdversarialOptions = {}): Promise<number> {
  const problem = attackProblem(attack);
  if (problem) throw new Error(problem.message);
  if (data.count === 0) throw new Error(`${data.name} is empty`);
  const batch = Math.max(1, Math.min(options.batchSize ?? 128, data.count));
  const fn = await InputGradient.compile(model, batch, options);
  const [c, h, w] = data.shape;
  const size = c * h * w;
  const rng = createRng(attack.seed ?? 0);
  const pixels = new Float32Array(batch * size);
  const labels = new BigInt64Array(batch);
  const total = Math.ceil(data.count / batch);
  let hits = 0;
  for (let b = 0; b < total; b++) {
    options.signal?.throwIfAborted();
    const start = b * batch;
    const real = Math.min(batch, data.count - start);
    // A fixed batch size: the last batch repeats its last image, whose extra rows are not counted.
    for (let i = 0; i < batch; i++) {
      const n = start + Math.min(i, real - 1);
      for (let k = 0; k < size; k++) pixels[i * size + k] = data.pixels[n * size + k]! / 255;
      labels[i] = BigInt(data.labels[n]!);
    }
    const adversarial = await attackBatch(fn, pixels, labels, attack, rng);
    const { logits } = await fn.run(adversarial, labels);
    for (let i = 0; i < real; i++) {
      const row = logits.subarray(i * fn.classes, (i + 1) * fn.classes);
      let arg = 0;
      for (let j = 1; j < fn.classes; j++) if (row[j]! > row[arg]!) arg = j;
      if (arg === Number(labels[i])) hits++;
    }
    options.onBatch?.(b + 1, total);
  }
  return hits / data.count;
}

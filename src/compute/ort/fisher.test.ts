import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { initialState, TrainStep } from './compiled-graph.ts';
import { empiricalFisher } from './fisher.ts';
import type { HostTensor } from './session.ts';

// Linear regression y = x w with loss mean_i (x_i . w - t_i)^2 over a batch of n: its gradient is
// (2 / n) X^T (X w - t), per sample 2 x_i (x_i . w - t_i).
const d = 3;
const w0 = [0.5, -1, 0.25];

async function linearStep(n: number) {
  const g = new GraphBuilder({ seed: 1, training: true });
  const x = g.input('x', [n, d]);
  const t = g.input('t', [n, 1]);
  const w = g.param('w', [d, 1], Float32Array.from(w0));
  return { step: await TrainStep.compile({ graph: g, loss: F.mseLoss(F.matmul(x, w), t) }), state: initialState(g) };
}

function makeBatches(count: number, n: number): { x: Float32Array; t: Float32Array }[] {
  const rng = createRng(9);
  return Array.from({ length: count }, () => ({
    x: Float32Array.from({ length: n * d }, () => 2 * rng() - 1),
    t: Float32Array.from({ length: n }, () => 2 * rng() - 1),
  }));
}

const feeds = (b: { x: Float32Array; t: Float32Array }, n: number): Record<string, HostTensor> => ({
  x: { dtype: 'float32', shape: [n, d], values: b.x },
  t: { dtype: 'float32', shape: [n, 1], values: b.t },
});

/** Closed-form gradient of the mean squared error over rows [from, to) of a batch. */
function gradient(b: { x: Float32Array; t: Float32Array }, from: number, to: number): number[] {
  const out = new Array<number>(d).fill(0);
  for (let i = from; i < to; i++) {
    let r = -b.t[i]!;
    for (let j = 0; j < d; j++) r += b.x[i * d + j]! * w0[j]!;
    for (let j = 0; j < d; j++) out[j]! += (2 / (to - from)) * b.x[i * d + j]! * r;
  }
  return out;
}

describe('empiricalFisher', () => {
  const n = 4;
  const batches = makeBatches(3, n);

  it('is the mean over batches of scale * g^2 with the batch gradient', async () => {
    const { step, state } = await linearStep(n);
    const fisher = await empiricalFisher(
      step,
      state,
      batches.map((b) => feeds(b, n)),
      { scale: 20 },
    );
    const expected = new Array<number>(d).fill(0);
    for (const b of batches) gradient(b, 0, n).forEach((g, j) => (expected[j]! += (20 * g * g) / batches.length));
    const got = Array.from(fisher.get('w')!);
    got.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 4));
    expect(Array.from(state.params.get('w')!)).toEqual(w0);
  });

  it('squares per-sample gradients with a batch-1 step', async () => {
    const { step, state } = await linearStep(1);
    const fisher = await empiricalFisher(
      step,
      state,
      batches.map((b) => feeds(b, n)),
      { perSample: true },
    );
    const expected = new Array<number>(d).fill(0);
    const samples = batches.length * n;
    for (const b of batches)
      for (let i = 0; i < n; i++) gradient(b, i, i + 1).forEach((g, j) => (expected[j]! += (g * g) / samples));
    Array.from(fisher.get('w')!).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 4));
    // The per-sample Fisher is not the batch one: squaring before averaging keeps the variance.
    const batchFisher = new Array<number>(d).fill(0);
    for (const b of batches) gradient(b, 0, n).forEach((g, j) => (batchFisher[j]! += (g * g) / batches.length));
    expect(Math.abs(fisher.get('w')![0]! - batchFisher[0]!)).toBeGreaterThan(1e-2);
  });

  it('rejects an empty data set and inconsistent batch sizes', async () => {
    const { step, state } = await linearStep(1);
    await expect(empiricalFisher(step, state, [])).rejects.toThrow(/at least one batch/);
    const bad = { ...feeds(batches[0]!, n), t: { dtype: 'float32' as const, shape: [2, 1], values: new Float32Array(2) } };
    await expect(empiricalFisher(step, state, [bad], { perSample: true })).rejects.toThrow(/disagree on the batch size: 4 and 2/);
  });
});

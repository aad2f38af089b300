import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { encodeModel } from '../onnx/model.ts';
import { NCHWC_DOMAIN, nchwcBlockSize, rewriteConvsToNchwc } from './nchwc.ts';
import { createSession, runSession, type HostTensor } from './session.ts';

interface Case {
  label: string;
  x: number[];
  w: number[];
  bias: boolean;
  stride?: number;
  padding?: number;
  dilation?: number;
}

const cases: Case[] = [
  // At least MIN_POSITIONS (1024) output positions each, so the rewrite applies.
  { label: 'NCHWc input, 3x3, pad 1', x: [4, 16, 16, 18], w: [32, 16, 3, 3], bias: false, padding: 1 },
  { label: 'NCHW input (3 channels), bias', x: [4, 3, 16, 16], w: [16, 3, 3, 3], bias: true, padding: 1 },
  { label: 'NCHW input (1 channel), 5x5', x: [4, 1, 16, 16], w: [16, 1, 5, 5], bias: true, padding: 2 },
  { label: 'stride 2, 1x1', x: [4, 32, 32, 32], w: [16, 32, 1, 1], bias: false, stride: 2 },
  { label: 'stride 2, 3x3, 6 -> 32 channels', x: [4, 6, 33, 33], w: [32, 6, 3, 3], bias: true, stride: 2, padding: 1 },
  { label: 'dilation 2', x: [4, 16, 16, 16], w: [16, 16, 3, 3], bias: false, dilation: 2, padding: 2 },
];

function random(shape: number[], rng: () => number): HostTensor {
  return { dtype: 'float32', shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1) };
}

describe('NCHWc rewrite of convolutions with fed weights', () => {
  it('computes what the plain Conv computes', { timeout: 60_000 }, async () => {
    const block = await nchwcBlockSize();
    if (block === 0) return; // No blocked kernels on this CPU: the rewrite is never applied.
    const rng = createRng(3);
    for (const c of cases) {
      const g = new GraphBuilder({ training: false });
      const x = g.input('x', c.x);
      const w = g.input('w', c.w);
      const b = c.bias ? g.input('b', [c.w[0]!]) : null;
      // The weight is computed (as a flipped input-gradient kernel is): a Mul keeps it out of the inputs.
      const y = F.conv2d(x, F.mul(w, 1), b, { stride: c.stride ?? 1, padding: c.padding ?? 0, dilation: c.dilation ?? 1 });
      const model = g.toModel({ outputs: { y } });
      const rewritten = rewriteConvsToNchwc(model, (n) => (g.has(n) ? g.tensor(n) : undefined), block);
      expect(rewritten.graph.node.some((n) => n.domain === NCHWC_DOMAIN), c.label).toBe(true);
      const feeds: Record<string, HostTensor> = { x: random(c.x, rng), w: random(c.w, rng) };
      if (c.bias) feeds.b = random([c.w[0]!], rng);
      const plain = await createSession(model, { intraOpThreads: 1 });
      const blocked = await createSession(encodeModel(rewritten), { intraOpThreads: 1 });
      const want = (await runSession(plain, feeds)).y!;
      const got = (await runSession(blocked, feeds)).y!;
      expect(got.shape, c.label).toEqual(want.shape);
      let maxDiff = 0;
      for (let i = 0; i < want.values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(Number(got.values[i]) - Number(want.values[i])));
      expect(maxDiff, c.label).toBeLessThan(1e-4);
      await plain.release();
      await blocked.release();
    }
  });

  it('keeps convolutions with few output positions or partial channel blocks', async () => {
    const block = await nchwcBlockSize();
    if (block === 0) return;
    for (const [x, w] of [
      [[1, 16, 8, 8], [16, 16, 3, 3]],
      [[8, 16, 16, 16], [6, 16, 3, 3]],
    ] as const) {
      const g = new GraphBuilder({ training: false });
      const y = F.conv2d(g.input('x', [...x]), g.input('w', [...w]), null, { padding: 1 });
      const model = g.toModel({ outputs: { y } });
      expect(rewriteConvsToNchwc(model, (n) => (g.has(n) ? g.tensor(n) : undefined), block)).toBe(model);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createSession, runSession, type HostTensor } from '../../ort/session.ts';
import { attr, GraphBuilder, type Tensor } from '../graph-builder.ts';
import { createRng } from '../init.ts';
import * as F from './index.ts';

async function evaluate(g: GraphBuilder, outputs: Record<string, Tensor>, feeds: Record<string, HostTensor>): Promise<Record<string, number[]>> {
  const session = await createSession(g.toModel({ outputs }), { intraOpThreads: 1 });
  const out = await runSession(session, feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.values as Float32Array, Number)]));
}

function random(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
}

const sumSquares = (v: number[]) => v.reduce((s, x) => s + x * x, 0);

describe('haarDwt', () => {
  it('gives the band shapes per level and drops an odd last row', () => {
    const g = new GraphBuilder();
    const d = F.haarDwt(g.input('x', [2, 3, 9, 8]), 2);
    expect(d.levels.map((l) => [l.lh.shape, l.hl.shape, l.hh.shape])).toEqual([
      [[2, 3, 4, 4], [2, 3, 4, 4], [2, 3, 4, 4]],
      [[2, 3, 2, 2], [2, 3, 2, 2], [2, 3, 2, 2]],
    ]);
    expect(d.ll.shape).toEqual([2, 3, 2, 2]);
    expect(() => F.haarDwt(g.input('small', [1, 1, 2, 2]), 2)).toThrow(/level 2 needs at least 2x2/);
  });

  it('preserves energy over all bands for even sizes', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 8, 12]);
    const d = F.haarDwt(x, 2);
    const outputs: Record<string, Tensor> = { ll: d.ll };
    d.levels.forEach((l, i) => Object.assign(outputs, { [`lh${i}`]: l.lh, [`hl${i}`]: l.hl, [`hh${i}`]: l.hh }));
    const values = random(2 * 3 * 8 * 12, 3);
    const out = await evaluate(g, outputs, { x: { dtype: 'float32', shape: x.shape, values } });
    const bandEnergy = Object.values(out).reduce((s, v) => s + sumSquares(v), 0);
    const inputEnergy = sumSquares(Array.from(values));
    expect(Math.abs(bandEnergy - inputEnergy) / inputEnergy).toBeLessThan(1e-5);
  });

  it('puts a constant image entirely into the low-pass band', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 4, 4]);
    const d = F.haarDwt(x, 2);
    const out = await evaluate(g, { ll: d.ll, lh: d.levels[0]!.lh, hl: d.levels[0]!.hl, hh: d.levels[0]!.hh, hh1: d.levels[1]!.hh }, {
      x: { dtype: 'float32', shape: x.shape, values: new Float32Array(32).fill(0.75) },
    });
    for (const band of ['lh', 'hl', 'hh', 'hh1']) expect(out[band]!.every((v) => Math.abs(v) < 1e-6), band).toBe(true);
    // Each level doubles a constant: (4 c) / 2.
    expect(out.ll).toEqual([3, 3]);
  });
});

describe('gridSample and affineGrid', () => {
  it('agree with onnxruntime GridSample (bilinear, zeros, align_corners=0)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 5, 6]);
    const grid = g.input('grid', [2, 4, 7, 2]);
    const ours = F.gridSample(x, grid);
    const theirs = g.op('GridSample', [x, grid], { mode: attr.string('bilinear'), padding_mode: attr.string('zeros'), align_corners: attr.int(0) });
    const out = await evaluate(g, { ours, theirs }, {
      x: { dtype: 'float32', shape: x.shape, values: random(2 * 3 * 5 * 6, 5) },
      grid: { dtype: 'float32', shape: grid.shape, values: random(2 * 4 * 7 * 2, 6, 1.3) },
    });
    expect(out.ours).toHaveLength(2 * 3 * 4 * 7);
    out.ours!.forEach((v, i) => expect(v).toBeCloseTo(out.theirs![i]!, 5));
  });

  it('agree with onnxruntime GridSample with align_corners=1, and keep a free batch size', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 5, 6]);
    const grid = g.input('grid', [2, 4, 7, 2]);
    const ours = F.gridSample(x, grid, { alignCorners: true });
    const theirs = g.op('GridSample', [x, grid], { mode: attr.string('bilinear'), padding_mode: attr.string('zeros'), align_corners: attr.int(1) });
    const feeds = (n: number) => ({
      x: { dtype: 'float32' as const, shape: [n, 3, 5, 6], values: random(n * 3 * 5 * 6, 5) },
      grid: { dtype: 'float32' as const, shape: [n, 4, 7, 2], values: random(n * 4 * 7 * 2, 6, 1.3) },
    });
    const out = await evaluate(g, { ours, theirs }, feeds(2));
    out.ours!.forEach((v, i) => expect(v).toBeCloseTo(out.theirs![i]!, 5));
    // Recorded at batch 2, run at batch 3 with the batch dimension left free (as an export does).
    const session = await createSession(g.toModel({ outputs: { ours, theirs }, dynamicBatch: 'N' }), { intraOpThreads: 1 });
    const three = await runSession(session, feeds(3));
    await session.release();
    expect(three.ours!.shape).toEqual([3, 3, 4, 7]);
    const [a, b] = [three.ours!.values as Float32Array, three.theirs!.values as Float32Array];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
  });

  it('with align corners, the identity transform at another size keeps the corner pixels and interpolates between them', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 1, 3, 5]);
    const theta = g.input('theta', [1, 2, 3]);
    const y = F.gridSample(x, F.affineGrid(theta, [1, 1, 2, 3], { alignCorners: true }), { alignCorners: true });
    // A ramp a + 10 b over row b and column a: bilinear sampling reproduces it exactly.
    const values = Float32Array.from({ length: 15 }, (_, i) => (i % 5) + 10 * Math.floor(i / 5));
    const out = await evaluate(g, { y }, {
      x: { dtype: 'float32', shape: x.shape, values },
      theta: { dtype: 'float32', shape: [1, 2, 3], values: new Float32Array([1, 0, 0, 0, 1, 0]) },
    });
    // Output columns at input columns 0, 2, 4; rows at input rows 0 and 2.
    [0, 2, 4, 20, 22, 24].forEach((v, i) => expect(out.y![i]).toBeCloseTo(v, 5));
  });

  it('reproduces the image under the identity transform', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 3, 4]);
    const theta = g.input('theta', [1, 2, 3]);
    const y = F.gridSample(x, F.affineGrid(theta, [1, 2, 3, 4]));
    const values = random(24, 8);
    const out = await evaluate(g, { y }, {
      x: { dtype: 'float32', shape: x.shape, values },
      theta: { dtype: 'float32', shape: [1, 2, 3], values: new Float32Array([1, 0, 0, 0, 1, 0]) },
    });
    out.y!.forEach((v, i) => expect(v).toBeCloseTo(values[i]!, 5));
  });

  it('rejects mismatched shapes', () => {
    const g = new GraphBuilder();
    expect(() => F.affineGrid(g.input('t', [2, 3, 2]), [2, 1, 4, 4])).toThrow(/theta \[2, 2, 3\]/);
    expect(() => F.gridSample(g.input('x', [1, 1, 4, 4]), g.input('grid', [1, 4, 4, 3]))).toThrow(/grid \[1, Ho, Wo, 2\]/);
  });
});

describe('upsampleBilinear', () => {
  it('keeps a linear ramp linear inside and clamps at the border (half-pixel centres)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 1, 1, 3]);
    const y = F.upsampleBilinear(x, 2);
    expect(y.shape).toEqual([1, 1, 2, 6]);
    const out = await evaluate(g, { y }, { x: { dtype: 'float32', shape: x.shape, values: new Float32Array([0, 4, 8]) } });
    expect(out.y!.slice(0, 6)).toEqual([0, 1, 3, 5, 7, 8]);
  });
});

describe('instanceNorm', () => {
  it('normalises each sample and channel over its spatial positions', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 4, 5]);
    const y = F.instanceNorm(x, { eps: 0 });
    const values = random(120, 10, 3).map((v, i) => v + (i % 7));
    const out = await evaluate(g, { y }, { x: { dtype: 'float32', shape: x.shape, values } });
    for (let p = 0; p < 6; p++) {
      const part = out.y!.slice(p * 20, (p + 1) * 20);
      const m = part.reduce((s, v) => s + v, 0) / 20;
      expect(m).toBeCloseTo(0, 5);
      expect(sumSquares(part) / 20).toBeCloseTo(1, 4);
    }
  });

  it('agrees with onnxruntime InstanceNormalization', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 4, 5]);
    const w = g.input('w', [3]);
    const b = g.input('b', [3]);
    const ours = F.instanceNorm(x, { weight: w, bias: b, eps: 1e-3 });
    const theirs = g.op('InstanceNormalization', [x, w, b], { epsilon: attr.float(1e-3) });
    const out = await evaluate(g, { ours, theirs }, {
      x: { dtype: 'float32', shape: x.shape, values: random(120, 11, 2) },
      w: { dtype: 'float32', shape: [3], values: new Float32Array([0.5, -1, 2]) },
      b: { dtype: 'float32', shape: [3], values: new Float32Array([0.1, 0, -0.3]) },
    });
    out.ours!.forEach((v, i) => expect(v).toBeCloseTo(out.theirs![i]!, 4));
  });

  it('checks the affine parameter shapes', () => {
    const g = new GraphBuilder();
    expect(() => F.instanceNorm(g.input('x', [1, 3, 2, 2]), { weight: g.input('w', [4]) })).toThrow(/weight must be \[3\]/);
  });
});

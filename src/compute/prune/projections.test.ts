import { describe, expect, it } from 'vitest';
import { applyMask, globalTopKMasks, gridLevels, maxLevelFor, quantizationStep, snapToGrid, structuredMask, structuredUnits, topKMask, weightsKept } from './projections';

function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}
const sum = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
const dist2 = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

describe('pruning projections', () => {
  it('top-k keeps exactly the k largest magnitudes: the closest k-sparse point', () => {
    const w = random(200, 1);
    const mask = topKMask(w, 30);
    expect(sum(mask)).toBe(30);
    const keptMin = Math.min(...[...w].filter((_, i) => mask[i]).map(Math.abs));
    const droppedMax = Math.max(...[...w].filter((_, i) => !mask[i]).map(Math.abs));
    expect(keptMin).toBeGreaterThanOrEqual(droppedMax);
    // Any other 30-sparse support is farther from w.
    const other = topKMask(random(200, 2), 30);
    expect(dist2(w, applyMask(w, mask))).toBeLessThan(dist2(w, applyMask(w, other)));
    expect(weightsKept(200, 0.85)).toBe(30);
  });

  it('a global budget spans layers: a layer of small weights loses more', () => {
    const big = random(100, 3).map((v) => v * 10);
    const small = random(100, 4);
    const [mb, ms] = globalTopKMasks([big, small], 50);
    expect(sum(mb!) + sum(ms!)).toBe(50);
    expect(sum(mb!)).toBeGreaterThan(sum(ms!));
  });

  it('structured projections keep whole filters (rows) or whole GEMM columns of largest norm', () => {
    const shape = [4, 2, 3, 3];
    const w = random(72, 5);
    for (let i = 18; i < 36; i++) w[i] = w[i]! * 10; // filter 1 is the strongest
    const filters = structuredMask(w, shape, 'filters', 1);
    expect([...filters].map((v, i) => (v ? Math.floor(i / 18) : -1)).filter((f) => f >= 0)).toEqual(Array(18).fill(1));
    const cols = structuredMask(w, shape, 'columns', 5);
    expect(structuredUnits(shape, 'columns')).toBe(18);
    expect(sum(cols)).toBe(5 * 4);
    for (let c = 0; c < 18; c++) {
      const column = [0, 1, 2, 3].map((r) => cols[r * 18 + c]);
      expect(new Set(column).size).toBe(1);
    }
  });

  it('quantisation snaps kept weights to the nearest of +-q..+-Mq and leaves pruned ones at 0', () => {
    const w = Float32Array.from([0, 0.26, -0.74, 2.0, 0.01, -0.3]);
    const mask = Uint8Array.from([0, 1, 1, 1, 1, 1]);
    const snapped = snapToGrid(w, 0.25, 3, mask);
    expect([...snapped]).toEqual([0, 0.25, -0.75, 0.75, 0.25, -0.25]);
    expect([...gridLevels(w, 0.25, 3, mask)]).toEqual([0, 1, -3, 3, 1, -1]);
    expect(maxLevelFor(4)).toBe(7);
  });

  it('finds a grid step at least as good as max|w| / M by a scan', () => {
    const w = random(500, 6);
    w[0] = 8; // one outlier: a finer step that clips it serves the rest better
    const m = maxLevelFor(3);
    const q = quantizationStep(w, m);
    const err = (step: number) => dist2(w, snapToGrid(w, step, m));
    expect(err(q)).toBeLessThan(err(8 / m));
    expect(q).toBeLessThan(8 / m);
  });
});

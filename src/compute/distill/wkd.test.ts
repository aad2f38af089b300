import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import { haarDwt2d } from '../model/image-metrics.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { distillTerm, pixelKdLoss, waveletLevelProblem, wkdLoss } from './wkd.ts';

const shape = [2, 1, 16, 16];
const size = 2 * 16 * 16;

async function evaluate(build: (s: ReturnType<GraphBuilder['input']>, t: ReturnType<GraphBuilder['input']>) => ReturnType<typeof wkdLoss>, s: Float32Array, t: Float32Array): Promise<number> {
  const g = new GraphBuilder({ training: false });
  const si = g.input('s', shape);
  const ti = g.input('t', shape);
  const fn = await CompiledFunction.compile(g, { out: build(si, ti) });
  const out = await fn.run(initialState(g), { s: { dtype: 'float32', shape, values: s }, t: { dtype: 'float32', shape, values: t } });
  return Number(out.out!.values[0]);
}

/** The loss written out from the orthonormal Haar of image-metrics.ts. */
function reference(s: Float32Array, t: Float32Array, levels: number, alpha: number): number {
  let total = 0;
  const per = Array.from({ length: levels }, () => ({ sum: 0, n: 0 }));
  for (let i = 0; i < 2; i++) {
    const a = haarDwt2d(s.subarray(i * 256, (i + 1) * 256), 16, 16, levels);
    const b = haarDwt2d(t.subarray(i * 256, (i + 1) * 256), 16, 16, levels);
    a.forEach((la, j) => {
      for (const band of ['lh', 'hl', 'hh'] as const)
        la[band].forEach((v, k) => {
          per[j]!.sum += (v - b[j]![band][k]!) ** 2;
          per[j]!.n++;
        });
    });
  }
  for (const p of per) total += p.sum / p.n;
  return alpha * total;
}

describe('wavelet knowledge distillation loss', () => {
  const rng = createRng(3);
  const s = Float32Array.from({ length: size }, () => rng() * 2 - 1);
  const t = Float32Array.from({ length: size }, () => rng() * 2 - 1);

  it('is alpha times the sum over levels of the mean squared LH/HL/HH difference (orthonormal Haar)', async () => {
    for (const levels of [1, 3, 4]) {
      const got = await evaluate((a, b) => wkdLoss(a, b, levels, 0.4), s, t);
      expect(got).toBeCloseTo(reference(s, t, levels, 0.4), 5);
    }
  });

  it('ignores the low band: a student off by a constant (all LL) has no WKD loss but a pixel-KD loss', async () => {
    const shifted = t.map((v) => v + 0.3);
    expect(await evaluate((a, b) => wkdLoss(a, b, 3, 1), shifted, t)).toBeCloseTo(0, 6);
    expect(await evaluate((a, b) => pixelKdLoss(a, b, 1), shifted, t)).toBeCloseTo(0.09, 5);
  });

  it('picks the term by method and names a J that does not fit the images', () => {
    expect(distillTerm('wkd', { levels: 3, alpha: 0.4 })?.name).toBe('wkd');
    expect(distillTerm('pixel-kd', { levels: 3, alpha: 0.4 })?.name).toBe('pixel_kd');
    expect(distillTerm('none', { levels: 3, alpha: 0.4 })).toBeUndefined();
    expect(waveletLevelProblem(5, 32, 32)).toBeUndefined();
    expect(waveletLevelProblem(6, 32, 32)).toMatch(/at most 5/);
  });
});

import { describe, expect, it } from 'vitest';
import { createSession, runSession, type HostTensor } from '../../ort/session.ts';
import { GraphBuilder, type Tensor } from '../graph-builder.ts';
import * as F from './index.ts';

async function evaluate(g: GraphBuilder, outputs: Record<string, Tensor>, feeds: Record<string, HostTensor>): Promise<Record<string, number[]>> {
  const session = await createSession(g.toModel({ outputs }), { intraOpThreads: 1 });
  const out = await runSession(session, feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.values as Float32Array, Number)]));
}

const f32 = (shape: number[], values: number[]): HostTensor => ({ dtype: 'float32', shape, values: new Float32Array(values) });

describe('losses', () => {
  it('nllLoss of logSoftmax equals crossEntropy', async () => {
    const g = new GraphBuilder();
    const z = g.input('z', [3, 4]);
    const y = g.input('y', [3], 'int64');
    const out = await evaluate(g, { nll: F.nllLoss(F.logSoftmax(z, 1), y), ce: F.crossEntropy(z, y), none: F.nllLoss(F.logSoftmax(z, 1), y, { reduction: 'none' }) }, {
      z: f32([3, 4], [0.1, -1, 2, 0.5, 3, 0, -2, 1, 0, 0, 0, 0]),
      y: { dtype: 'int64', shape: [3], values: BigInt64Array.from([2n, 0n, 3n]) },
    });
    expect(out.nll![0]).toBeCloseTo(out.ce![0]!, 6);
    expect(out.none![2]).toBeCloseTo(Math.log(4), 6);
  });

  it('nllLoss rejects labels of the wrong shape or type', () => {
    const g = new GraphBuilder();
    const lp = g.input('lp', [2, 3, 4, 4]);
    expect(() => F.nllLoss(lp, g.input('y', [2, 4], 'int64'))).toThrow(/labels \[2, 4, 4\]/);
    expect(() => F.nllLoss(lp, g.input('yf', [2, 4, 4]))).toThrow(/int64 labels/);
  });

  it('l1Loss and lsganLoss', async () => {
    const g = new GraphBuilder();
    const a = g.input('a', [2, 2]);
    const b = g.input('b', [2, 2]);
    const out = await evaluate(g, { l1: F.l1Loss(a, b), l1sum: F.l1Loss(a, b, { reduction: 'sum' }), real: F.lsganLoss(a, true), fake: F.lsganLoss(a, false) }, {
      a: f32([2, 2], [1, -1, 0.5, 2]),
      b: f32([2, 2], [0, 1, 0.5, -1]),
    });
    expect(out.l1![0]).toBeCloseTo(6 / 4, 6);
    expect(out.l1sum![0]).toBeCloseTo(6, 6);
    expect(out.real![0]).toBeCloseTo((0 + 4 + 0.25 + 1) / 4, 6);
    expect(out.fake![0]).toBeCloseTo((1 + 1 + 0.25 + 4) / 4, 6);
  });

  it('bceWithLogits matches -t log s(x) - (1-t) log(1-s(x)) and stays finite for large logits', async () => {
    const g = new GraphBuilder();
    const z = g.input('z', [6]);
    const t = g.input('t', [6]);
    const logits = [-2, 0.5, 3, 0, 100, -100];
    const targets = [0, 1, 0.3, 0.5, 0, 1];
    const out = await evaluate(g, { each: F.bceWithLogits(z, t, { reduction: 'none' }) }, { z: f32([6], logits), t: f32([6], targets) });
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    for (let i = 0; i < 4; i++) {
      const s = sig(logits[i]!);
      expect(out.each![i]).toBeCloseTo(-targets[i]! * Math.log(s) - (1 - targets[i]!) * Math.log(1 - s), 5);
    }
    // log(1 - sigmoid(100)) overflows naively; the stable form gives 100.
    expect(out.each![4]).toBeCloseTo(100, 4);
    expect(out.each![5]).toBeCloseTo(100, 4);
  });
});

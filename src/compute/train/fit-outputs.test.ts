import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { init } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { Sgd } from '../ort/optimizers.ts';
import type { HostTensor } from '../ort/session.ts';
import { fit } from './fit.ts';
import { generatedStream } from './streams.ts';

// An objective hands a tensor it computed to a later objective of the same loop step (a generator's
// fakes to the discriminator through an image pool):
//
//   x ──> W ──> y ──> loss A (mean y^2)        fetches y, afterStep keeps a copy
//   kept y ──> input `pooled` ──> V ──> loss B (mean (V pooled)^2)
describe('fit: fetched outputs and objective inputs', () => {
  it("feeds a later objective the tensor an earlier one fetched in the same step; a missing input still fails", async () => {
    const g = new GraphBuilder({ seed: 1, training: true });
    const x = g.input('x', [4, 3]);
    const w = g.param('A.weight', [3, 3], init.kaimingUniform());
    const y = F.linear(x, w);
    const pooled = g.input('pooled', [4, 3]);
    const v = g.param('B.weight', [3, 3], init.kaimingUniform());
    const lossA = F.mean(F.square(y));
    const lossB = F.mean(F.square(F.linear(pooled, v)));
    let kept: Float32Array | undefined;
    const seenByB: number[] = [];
    const pooledTensor: HostTensor = { dtype: 'float32', shape: [4, 3], values: new Float32Array(12) };
    const objectives = [
      { name: 'A', loss: lossA, params: ['A.weight'], optimizer: new Sgd({ learningRate: 0.01 }), outputs: { y }, afterStep: (out: Record<string, HostTensor>) => (kept = Float32Array.from(out.y!.values as Float32Array)) },
      {
        name: 'B',
        loss: lossB,
        params: ['B.weight'],
        optimizer: new Sgd({ learningRate: 0.01 }),
        inputs: {
          names: ['pooled'],
          make: () => {
            (pooledTensor.values as Float32Array).set(kept!);
            seenByB.push(kept![0]!);
            return { pooled: pooledTensor };
          },
        },
      },
    ];
    let counter = 0;
    const stream = generatedStream({ x: { shape: [4, 3] } }, (_, values) => values.forEach((_, i) => (values[i] = Math.sin(++counter))), 3);
    const r = await fit({ graph: g, objectives, streams: { x: stream }, epochs: 2 });
    expect(r.steps).toBe(6);
    expect(seenByB).toHaveLength(6);
    // B saw this step's y (a fresh stream value every step, so no two are the same).
    expect(new Set(seenByB).size).toBe(6);
    expect(seenByB.at(-1)).toBe(kept![0]);

    const withoutInputs = objectives.map(({ inputs: _inputs, ...o }) => o);
    await expect(fit({ graph: g, objectives: withoutInputs, streams: { x: stream }, epochs: 1 })).rejects.toThrow(/objective B reads the graph input pooled/);
  });
});

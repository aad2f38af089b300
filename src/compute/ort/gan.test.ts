import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng, init, normalSample } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { initialState, TrainStep, type ModelState } from './compiled-graph.ts';
import { Adam } from './optimizers.ts';
import type { HostTensor } from './session.ts';

// Two models and two optimizers in one loop: a GAN on 2-D points.
//
//   z ──> G ──> fake ──┐
//                      ├──> D ──> logits ──> D loss (real 1, fake 0)   params of D only
//   real ──────────────┘
//   z ──> G ──> fake ──> D ──> logits ──> G loss (fake 1)              params of G only
//
// Both steps are compiled from one GraphBuilder; D's parameters are shared tensors used on both
// the real and the fake batch. Each step differentiates only its own model's parameters, so the
// G step back-propagates through D without producing (or applying) gradients for D.

const n = 32;
const realMean = [2, -1];

function sample(rng: () => number, count: number, mean: number[], std: number): Float32Array {
  return Float32Array.from({ length: count * 2 }, (_, i) => mean[i % 2]! + std * normalSample(rng));
}

const snapshot = (state: ModelState, names: readonly string[]) => new Map(names.map((name) => [name, state.params.get(name)!.slice()]));

function expectUnchanged(state: ModelState, before: Map<string, Float32Array>) {
  for (const [name, values] of before) expect(state.params.get(name), name).toEqual(values);
}

describe('GAN: two models, two optimizers, one loop', () => {
  it('alternates D and G steps; D separates at first, G moves towards the data, each step leaves the other model alone', { timeout: 60_000 }, async () => {
    const g = new GraphBuilder({ seed: 4, training: true });
    const z = g.input('z', [n, 2]);
    const real = g.input('real', [n, 2]);
    const generator = (x: Tensor) => F.linear(x, g.param('G.weight', [2, 2], init.kaimingUniform()), g.param('G.bias', [2], init.zeros()));
    const d1 = g.param('D.fc1.weight', [16, 2], init.kaimingUniform());
    const b1 = g.param('D.fc1.bias', [16], init.zeros());
    const d2 = g.param('D.fc2.weight', [1, 16], init.kaimingUniform());
    const b2 = g.param('D.fc2.bias', [1], init.zeros());
    const discriminator = (x: Tensor) => F.linear(F.leakyRelu(F.linear(x, d1, b1), 0.2), d2, b2);

    const fake = generator(z);
    const ones = g.constant(new Float32Array(n).fill(1), [n, 1]);
    const zeros = g.constant(new Float32Array(n), [n, 1]);
    const realLogits = discriminator(real);
    const fakeLogits = discriminator(fake);
    const dLoss = F.add(F.bceWithLogits(realLogits, ones), F.bceWithLogits(fakeLogits, zeros));
    const gLoss = F.bceWithLogits(fakeLogits, ones);

    const dParams = [...g.params.keys()].filter((p) => p.startsWith('D.'));
    const gParams = [...g.params.keys()].filter((p) => p.startsWith('G.'));
    const dStep = await TrainStep.compile({
      graph: g,
      loss: dLoss,
      params: dParams,
      metrics: { realScore: F.mean(F.sigmoid(realLogits)), fakeScore: F.mean(F.sigmoid(fakeLogits)) },
    });
    const gStep = await TrainStep.compile({ graph: g, loss: gLoss, params: gParams });
    expect(dStep.batchInputs.sort()).toEqual(['real', 'z']);
    expect(gStep.batchInputs).toEqual(['z']);

    const state = initialState(g);
    const dOpt = new Adam({ learningRate: 0.01, beta1: 0.5 });
    const gOpt = new Adam({ learningRate: 0.01, beta1: 0.5 });
    const rng = createRng(21);
    const fakeMeanDistance = () => {
      const b = state.params.get('G.bias')!;
      // z has zero mean, so the mean of the fake points is G's bias.
      return Math.hypot(b[0]! - realMean[0]!, b[1]! - realMean[1]!);
    };
    const startDistance = fakeMeanDistance();
    const dLosses: number[] = [];
    const gaps: number[] = [];

    for (let it = 0; it < 300; it++) {
      const batch: Record<string, HostTensor> = {
        z: { dtype: 'float32', shape: [n, 2], values: sample(rng, n, [0, 0], 1) },
        real: { dtype: 'float32', shape: [n, 2], values: sample(rng, n, realMean, 0.5) },
      };
      const gBefore = snapshot(state, gParams);
      const d = await dStep.run(state, batch);
      expect([...d.grads.keys()].sort()).toEqual([...dParams].sort());
      dOpt.step(state.params, d.grads);
      expectUnchanged(state, gBefore);
      dLosses.push(d.loss);
      gaps.push(d.metrics.realScore! - d.metrics.fakeScore!);

      const dBefore = snapshot(state, dParams);
      const r = await gStep.run(state, { z: batch.z! });
      expect([...r.grads.keys()].sort()).toEqual([...gParams].sort());
      gOpt.step(state.params, r.grads);
      expectUnchanged(state, dBefore);
    }

    // At first D wins: its loss falls from about 2 log 2 and it scores real above fake.
    expect(dLosses[0]).toBeGreaterThan(1.2);
    expect(Math.min(...dLosses.slice(0, 40))).toBeLessThan(dLosses[0]! - 0.2);
    expect(Math.max(...gaps.slice(5, 40))).toBeGreaterThan(0.2);
    // Then G, trained only through D's judgement, moves its samples onto the data.
    expect(fakeMeanDistance()).toBeLessThan(0.3 * startDistance);
  });
});

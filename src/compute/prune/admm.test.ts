import { describe, expect, it } from 'vitest';
import { Admm, type AdmmConstraint } from './admm';
import { applyMask, topKMask } from './projections';

describe('ADMM', () => {
  it('drives W into the constraint set: residual ||W - Z|| / ||W|| falls towards 0 as rho grows', async () => {
    // f(W) = ||W - A||^2 subject to at most 3 non-zeros: the solution is A's top-3 projection.
    const a = Float32Array.from([3, -0.2, 0.5, -2.5, 0.1, 1.5, -0.05, 0.3]);
    const sparse: AdmmConstraint = { name: 'sparsity', layers: ['w'], project: (v) => new Map([['w', applyMask(v.get('w')!, topKMask(v.get('w')!, 3))]]) };
    const w = a.slice();
    const admm = new Admm({ w }, [sparse], { rho: 0.05, growth: 1.5, interval: 1 });
    const hooks = admm.hooks();
    const params = new Map([['w', w]]);
    const residuals: number[] = [];
    for (let epoch = 1; epoch <= 15; epoch++) {
      for (let step = 0; step < 50; step++) {
        const grads = new Map([['w', w.map((v, i) => 2 * (v - a[i]!))]]);
        hooks.beforeUpdate!(params, grads, step);
        const g = grads.get('w')!;
        for (let i = 0; i < w.length; i++) w[i]! -= 0.05 * g[i]!;
      }
      const extra = await hooks.onEpoch!(epoch, { params: { w: w.slice() }, buffers: {} });
      residuals.push(extra!['admm_sparsity/w']!);
    }
    expect(residuals.at(-1)!).toBeLessThan(0.02);
    expect(residuals.at(-1)!).toBeLessThan(residuals[0]!);
    expect(admm.rho).toBeCloseTo(0.05 * 1.5 ** 15, 6);
    // The pruned entries went to about 0, the kept ones stayed near A.
    for (const i of [1, 2, 4, 6, 7]) expect(Math.abs(w[i]!)).toBeLessThan(0.05);
    for (const i of [0, 3, 5]) expect(w[i]!).toBeCloseTo(a[i]!, 1);
  });

  it('adds rho (W - Z + U) to the gradient for every constraint', () => {
    const w = Float32Array.from([1, 2]);
    const zero: AdmmConstraint = { name: 'zero', layers: ['w'], project: (v) => new Map([['w', new Float32Array(v.get('w')!.length)]]) };
    const admm = new Admm({ w }, [zero, zero], { rho: 0.5, growth: 1, interval: 1 });
    const grads = new Map([['w', Float32Array.from([0, 0])]]);
    admm.addProximalGradient(new Map([['w', w]]), grads);
    expect([...grads.get('w')!]).toEqual([1, 2]); // 2 constraints x 0.5 x (W - 0 + 0)
  });

  it('with intervalSteps updates Z and U every N optimizer steps (rho grows per update), not per epoch', async () => {
    const a = Float32Array.from([3, -0.2, 0.5, -2.5, 0.1, 1.5, -0.05, 0.3]);
    const sparse: AdmmConstraint = { name: 'sparsity', layers: ['w'], project: (v) => new Map([['w', applyMask(v.get('w')!, topKMask(v.get('w')!, 3))]]) };
    const w = a.slice();
    const admm = new Admm({ w }, [sparse], { rho: 0.05, growth: 1.5, interval: 1, intervalSteps: 50 });
    const hooks = admm.hooks();
    const params = new Map([['w', w]]);
    for (let step = 0; step < 750; step++) {
      const grads = new Map([['w', w.map((v, i) => 2 * (v - a[i]!))]]);
      hooks.beforeUpdate!(params, grads, step);
      const g = grads.get('w')!;
      for (let i = 0; i < w.length; i++) w[i]! -= 0.05 * g[i]!;
    }
    // Updates before steps 50, 100, ..., 700: 14, and none from the epoch hook.
    expect(admm.rho).toBeCloseTo(0.05 * 1.5 ** 14, 6);
    const extra = await hooks.onEpoch!(1, { params: { w: w.slice() }, buffers: {} });
    expect(admm.rho).toBeCloseTo(0.05 * 1.5 ** 14, 6);
    expect(extra!['admm_sparsity/w']!).toBeLessThan(0.05);
    for (const i of [1, 2, 4, 6, 7]) expect(Math.abs(w[i]!)).toBeLessThan(0.05);
  });
});

import { describe, expect, it } from 'vitest';
import { Adam, Sgd, type GroupOptions, type Optimizer } from './optimizers.ts';

const one = (v: number[]) => new Map([['w', new Float32Array(v)]]);

describe('Sgd', () => {
  it('plain SGD with weight decay', () => {
    const p = one([1, -2]);
    new Sgd({ learningRate: 0.1, weightDecay: 0.5 }).step(p, one([1, 1]));
    // p - lr (g + wd p)
    expect(Array.from(p.get('w')!)).toEqual([1 - 0.1 * 1.5, -2 - 0.1 * 0].map(Math.fround));
  });

  it('momentum accumulates velocity like PyTorch (first step uses the gradient itself)', () => {
    const p = one([0]);
    const opt = new Sgd({ learningRate: 1, momentum: 0.9 });
    opt.step(p, one([1])); // v = 1, p = -1
    opt.step(p, one([1])); // v = 1.9, p = -2.9
    expect(p.get('w')![0]).toBeCloseTo(-2.9, 6);
  });

  it('Nesterov momentum', () => {
    const p = one([0]);
    const opt = new Sgd({ learningRate: 1, momentum: 0.5, nesterov: true });
    opt.step(p, one([1])); // v = 1, step g + mu v = 1.5
    opt.step(p, one([1])); // v = 1.5, step 1 + 0.75 = 1.75
    expect(p.get('w')![0]).toBeCloseTo(-3.25, 6);
  });

  it('rejects gradients for unknown parameters', () => {
    expect(() => new Sgd({ learningRate: 1 }).step(one([0]), new Map([['x', new Float32Array(1)]]))).toThrow(/unknown parameter x/);
  });
});

describe('Adam', () => {
  it('first step moves each weight by about the learning rate against the gradient sign', () => {
    const p = one([1, 1, 1]);
    new Adam({ learningRate: 0.01 }).step(p, one([3, -0.001, 50]));
    const w = Array.from(p.get('w')!);
    expect(w[0]).toBeCloseTo(0.99, 5);
    expect(w[1]).toBeCloseTo(1.01, 4);
    expect(w[2]).toBeCloseTo(0.99, 5);
  });

  it('minimises a quadratic', () => {
    const p = one([5, -3]);
    const opt = new Adam({ learningRate: 0.1 });
    for (let i = 0; i < 500; i++) {
      const w = p.get('w')!;
      opt.step(p, one([2 * (w[0]! - 1), 2 * (w[1]! + 2)]));
    }
    expect(p.get('w')![0]).toBeCloseTo(1, 2);
    expect(p.get('w')![1]).toBeCloseTo(-2, 2);
  });

  it('decoupled weight decay (AdamW) shrinks weights even with zero gradient', () => {
    const p = one([2]);
    new Adam({ learningRate: 0.1, weightDecay: 0.5, decoupledWeightDecay: true }).step(p, one([0]));
    expect(p.get('w')![0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 6);
  });
});

describe('parameter groups and frozen parameters', () => {
  const params = () =>
    new Map([
      ['backbone.w', new Float32Array([1, 1])],
      ['head.w', new Float32Array([1, 1])],
      ['head.b', new Float32Array([1])],
    ]);
  const grads = () =>
    new Map([
      ['backbone.w', new Float32Array([1, 1])],
      ['head.w', new Float32Array([1, 1])],
      ['head.b', new Float32Array([1])],
    ]);

  it('SGD: each group moves at its own rate and decay, the rest at the defaults', () => {
    const p = params();
    const opt = new Sgd({
      learningRate: 0.1,
      groups: [
        { match: (n) => n.startsWith('backbone.'), learningRate: 0.01 },
        { match: (n) => n.startsWith('head.'), weightDecay: 1 },
        { match: (n) => n === 'head.b', learningRate: 0.5 },
      ],
    });
    opt.step(p, grads());
    expect(p.get('backbone.w')![0]).toBeCloseTo(1 - 0.01, 6);
    // head.b matches the second group first: default rate, that group's decay.
    expect(p.get('head.w')![0]).toBeCloseTo(1 - 0.1 * 2, 6);
    expect(p.get('head.b')![0]).toBeCloseTo(1 - 0.1 * 2, 6);
  });

  it("a group's rate follows the optimizer's rate when a schedule changes it", () => {
    const p = params();
    const opt = new Sgd({ learningRate: 0.1, groups: [{ match: (n) => n.startsWith('backbone.'), learningRate: 0.01 }] });
    opt.learningRate = 0.05;
    opt.step(p, grads());
    expect(p.get('backbone.w')![0]).toBeCloseTo(1 - 0.005, 6);
    expect(p.get('head.w')![0]).toBeCloseTo(1 - 0.05, 6);
  });

  it('Adam: two groups move at their own rates', () => {
    const p = params();
    const opt = new Adam({ learningRate: 0.01, groups: [{ match: (n) => n.startsWith('head.'), learningRate: 0.1 }] });
    for (let i = 0; i < 3; i++) opt.step(p, grads());
    // A constant gradient makes every Adam step about lr long.
    expect(1 - p.get('backbone.w')![0]!).toBeCloseTo(0.03, 4);
    expect(1 - p.get('head.w')![0]!).toBeCloseTo(0.3, 3);
  });

  const frozenCases: [string, (o: GroupOptions) => Optimizer][] = [
    ['SGD with momentum and decay', (o) => new Sgd({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.1, ...o })],
    ['AdamW', (o) => new Adam({ learningRate: 0.1, weightDecay: 0.1, decoupledWeightDecay: true, ...o })],
  ];
  for (const [label, make] of frozenCases)
    it(`frozen parameters stay bit-identical (${label}), by set or by a group with learning rate 0`, () => {
      const p = params();
      const byGroup = params();
      const frozenSet = make({ frozen: ['head.w'] });
      const frozenGroup = make({ groups: [{ match: (n) => n === 'head.w', learningRate: 0 }] });
      const start = p.get('head.w')!.slice();
      for (let i = 0; i < 4; i++) {
        frozenSet.step(p, grads());
        frozenGroup.step(byGroup, grads());
      }
      for (const q of [p, byGroup]) {
        expect(q.get('head.w')).toEqual(start);
        expect(q.get('backbone.w')![0]).toBeLessThan(1);
        expect(q.get('head.b')![0]).toBeLessThan(1);
      }
    });
});

// FGSM and PGD on a small trained LeNet-5: the input gradient matches finite differences, accuracy
// falls as eps grows, PGD is at least as strong as FGSM, and eps 0 is the clean accuracy.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated';
import type { Dataset } from '../data/dataset';
import { evaluateClassifier } from '../model/evaluate';
import { createZooModel, type Model } from '../model/model';
import { trainClassifier } from '../model/train';
import { adversarialAccuracy, attackProblem, InputGradient } from './adversarial';
import { corruptionErrors, evaluateRobustness } from './robustness';

let test: Dataset;
let model: Model;

beforeAll(async () => {
  const train = generateDataset({ classes: 4, count: 256, size: 16, channels: 1, seed: 3, stream: 1, name: 'shapes (train)' });
  test = generateDataset({ classes: 4, count: 64, size: 16, channels: 1, seed: 3, stream: 2, name: 'shapes (test)' });
  const created = createZooModel(train, { architecture: 'lenet5', seed: 1 });
  const r = await trainClassifier(created, train, { epochs: 3, batchSize: 32, optimizer: 'adam', lr: 3e-3, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1 });
  model = { ...created, params: r.params, buffers: r.buffers };
}, 60_000);

describe('adversarial accuracy', () => {
  it('the input gradient is the derivative of the summed cross-entropy (central differences)', async () => {
    const fn = await InputGradient.compile(model, 2);
    const x = Float32Array.from(test.pixels.subarray(0, 2 * 256), (p) => p / 255);
    const labels = BigInt64Array.from([BigInt(test.labels[0]!), BigInt(test.labels[1]!)]);
    const { grad } = await fn.run(x, labels);
    const lossAt = async (v: Float32Array): Promise<number> => {
      const { logits } = await fn.run(v, labels);
      let s = 0;
      for (let i = 0; i < 2; i++) {
        const row = Array.from(logits.subarray(i * 4, i * 4 + 4));
        const m = Math.max(...row);
        s += Math.log(row.reduce((a, b) => a + Math.exp(b - m), 0)) + m - row[Number(labels[i])]!;
      }
      return s;
    };
    const picks = [...grad.keys()].sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!)).slice(0, 4);
    for (const i of picks) {
      const h = 1e-2;
      const up = x.slice();
      up[i]! += h;
      const down = x.slice();
      down[i]! -= h;
      const numeric = ((await lossAt(up)) - (await lossAt(down))) / (2 * h);
      expect(numeric).toBeCloseTo(grad[i]!, 1);
    }
  });

  it('eps 0 is the clean accuracy; accuracy falls with eps; PGD is at least as strong as FGSM', async () => {
    const clean = (await evaluateClassifier(model, test)).accuracy;
    expect(await adversarialAccuracy(model, test, { attack: 'pgd', eps: 0, steps: 3 })).toBeCloseTo(clean, 6);
    const fgsm = await adversarialAccuracy(model, test, { attack: 'fgsm', eps: 0.1 });
    const pgd = await adversarialAccuracy(model, test, { attack: 'pgd', eps: 0.1, steps: 5, randomStart: true, seed: 2 });
    const strong = await adversarialAccuracy(model, test, { attack: 'pgd', eps: 0.3, steps: 5 });
    expect(fgsm).toBeLessThan(clean);
    expect(pgd).toBeLessThanOrEqual(fgsm + 1 / 64);
    expect(strong).toBeLessThan(pgd + 1e-9);
  });

  it('rejects eps < 0 and eps > 1, and PGD without steps', () => {
    expect(attackProblem({ attack: 'fgsm', eps: -0.1 })).toMatchObject({ option: 'eps' });
    expect(attackProblem({ attack: 'fgsm', eps: 8 })?.message).toMatch(/larger than the whole pixel range/);
    expect(attackProblem({ attack: 'pgd', eps: 0.1, steps: 0 })).toMatchObject({ option: 'steps' });
    expect(attackProblem({ attack: 'pgd', eps: 0.1, steps: 3 })).toBeUndefined();
  });

  it('robustness of two models shares the corrupted images; the reference has CE 1 against itself', async () => {
    const [a, b] = await evaluateRobustness([model, model], test, { corruptions: ['gaussian-noise', 'contrast'], severities: [1, 5], attacks: ['fgsm'], eps: [0, 0.05], pgdSteps: 2, randomStart: false, seed: 1 });
    expect(a).toEqual(b);
    expect(a!.corruption['gaussian-noise']).toHaveLength(2);
    expect(a!.adversarial.map((r) => r.eps)).toEqual([0, 0.05]);
    expect(a!.adversarial[0]!.accuracy).toBeCloseTo(a!.clean, 6);
    const ce = corruptionErrors(a!, b!);
    expect(ce.mce).toBeCloseTo(1, 6);
    expect(ce.ce.contrast).toBeCloseTo(1, 6);
  });
});

// Frequency-controlled training through the fit loop: a strong penalty lowers the first layer's
// high-frequency share below plain training's; the modulation learns m and bakes LP + m HP into a
// plain model whose accuracy the evaluation reproduces; an MLP is refused naming its first layer.
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated';
import { evaluateClassifier } from '../model/evaluate';
import { createZooModel } from '../model/model';
import { firstConvLayer, trainFrequencyControlled, type FrequencyTrainOptions } from './frequency-training';
import { kernelSpectra } from './spectrum';

const train = generateDataset({ classes: 4, count: 256, size: 16, channels: 1, seed: 3, stream: 1, name: 'shapes (train)' });
const test = generateDataset({ classes: 4, count: 64, size: 16, channels: 1, seed: 3, stream: 2, name: 'shapes (test)' });
const base: FrequencyTrainOptions = {
  control: 'none', beta: 0, modulationPenalty: 0, modulationInit: 0.95, perturbation: 0, epochs: 2, batchSize: 32,
  optimizer: 'adam', lr: 3e-3, momentum: 0.9, weightDecay: 0, schedule: 'constant', seed: 1,
};

describe('frequency-controlled training', () => {
  it('the penalty lowers the high-frequency share; the curve is streamed', { timeout: 60_000 }, async () => {
    const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
    const metrics: string[] = [];
    const plain = await trainFrequencyControlled(model, train, base);
    const penalised = await trainFrequencyControlled(model, train, { ...base, control: 'penalty', beta: 5 }, { metric: (n) => metrics.push(n) });
    expect(metrics).toContain('high_frequency_proportion');
    expect(metrics).toContain('high_frequency_energy');
    expect(penalised.curve[0]!.step).toBe(0);
    expect(penalised.curve.at(-1)!.step).toBe(16);
    const share = (m: typeof plain.model) => kernelSpectra(m.params['conv1.weight']!, [6, 1, 5, 5]).meanHighShare;
    expect(share(penalised.model)).toBeLessThan(share(plain.model) - 0.02);
    expect(penalised.curve.at(-1)!.meanShare).toBeLessThan(penalised.curve[0]!.meanShare);
    expect(penalised.curve.at(-1)!.meanShare).toBeCloseTo(share(penalised.model), 5);
  });

  it('the modulation learns m per kernel and bakes it into a plain model', { timeout: 60_000 }, async () => {
    const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
    const r = await trainFrequencyControlled(model, train, { ...base, control: 'modulation', modulationPenalty: 1, perturbation: 0.3, validation: test });
    expect(r.modulation).toHaveLength(6);
    expect(Math.max(...r.modulation!)).toBeLessThan(0.95);
    expect(Object.keys(r.model.params)).toEqual(Object.keys(model.params));
    const acc = (await evaluateClassifier(r.model, test)).accuracy;
    expect(acc).toBeCloseTo(r.epochs.at(-1)!.valAccuracy!, 6);
    expect(acc).toBeGreaterThan(0.4);
  });

  it('refuses a model without a conv first layer, naming the layer found', () => {
    const mlp = createZooModel(train, { architecture: 'mlp', seed: 1 });
    const r = firstConvLayer(mlp);
    expect('problem' in r && r.problem).toMatch(/first weight layer is fc1\.weight \(linear \[256, 256\]\), not a 2-D convolution/);
  });
});

// The node run directly on generated shapes: penalty and modulation train through the fit loop, the
// high-frequency proportion streams, the output is a plain model whose first layer the analyzer reads.
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/compute/data/generated';
import { kernelSpectra } from '../../src/compute/frequency/spectrum';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { createZooModel } from '../../src/compute/model/model';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const train = generateDataset({ classes: 4, count: 256, size: 16, channels: 1, seed: 3, stream: 1, name: 'shapes (train)' });
const test = generateDataset({ classes: 4, count: 64, size: 16, channels: 1, seed: 3, stream: 2, name: 'shapes (test)' });

describe('condense.train.frequency', () => {
  it('modulation: streams the proportion, learns m, outputs a plain model with its lineage', { timeout: 60_000 }, async () => {
    const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
    const { outputs, ctx } = await runNode(node, { inputs: { model, train, validation: test }, params: { epochs: 2, batchSize: 32, lr: 3e-3, modulationPenalty: 1 } });
    const v = outputs.metrics.values;
    const curve = ctx.recorded.metrics.filter((m) => m.name === 'high_frequency_proportion');
    expect(curve.length).toBeGreaterThan(3);
    expect(curve[0]!.step).toBe(0);
    expect(ctx.recorded.metrics.some((m) => m.name === 'mean_modulation')).toBe(true);
    expect(v.mean_modulation).toBeLessThan(0.95);
    expect(v.mean_high_share).toBeLessThan(v.mean_high_share_before!);
    expect(v.mean_high_share).toBeCloseTo(kernelSpectra(outputs.model.params['conv1.weight']!, [6, 1, 5, 5]).meanHighShare, 4);
    expect(v.val_accuracy).toBeCloseTo((await evaluateClassifier(outputs.model, test)).accuracy, 4);
    expect(Object.keys(outputs.model.params)).toEqual(Object.keys(model.params));
    expect(outputs.model.meta.lineage.at(-1)).toMatchObject({ node: 'condense.train.frequency', params: { control: 'modulation' } });
    expect(outputs.report.images.map((i) => i.name)).toEqual(['high-frequency-curve.png', 'kernel-spectra.png']);
  });

  it('penalty: the high-frequency energy is fetched and the share falls', { timeout: 60_000 }, async () => {
    const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
    const { outputs, ctx } = await runNode(node, { inputs: { model, train, validation: undefined }, params: { control: 'penalty', beta: 5, epochs: 2, batchSize: 32, lr: 3e-3 } });
    expect(ctx.recorded.metrics.some((m) => m.name === 'high_frequency_energy')).toBe(true);
    expect(outputs.metrics.values.mean_high_share).toBeLessThan(outputs.metrics.values.mean_high_share_before!);
    expect(outputs.metrics.values.mean_modulation).toBeUndefined();
  });

  it('refuses a model without a conv first layer', async () => {
    const mlp = createZooModel(train, { architecture: 'mlp', seed: 1 });
    const err = await runNode(node, { inputs: { model: mlp, train, validation: undefined } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).detail).toEqual({ port: 'model' });
    expect((err as NodeError).message).toMatch(/fc1\.weight \(linear/);
  });
});

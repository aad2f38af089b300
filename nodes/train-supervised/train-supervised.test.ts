import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { generateDataset } from '../../src/compute/data/generated';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { createZooModel } from '../../src/compute/model/model';
import { NodeError } from '../../src/shared/node-sdk';
import { makeTestContext, runNode } from '../../tests/helpers/node-context';
import node from './index';

const shapes = (count: number, stream: number, size = 16): Dataset =>
  generateDataset({ classes: 4, count, size, channels: 1, seed: 3, stream, name: stream === 1 ? 'shapes (train)' : 'shapes (test)' });

describe('condense.train.supervised', () => {
  it('trains, streams curves and progress, and appends a lineage stage', { timeout: 60_000 }, async () => {
    const train = shapes(512, 1);
    const test = shapes(200, 2);
    const model = createZooModel(train, { architecture: 'lenet5', seed: 2 });
    const { outputs, ctx } = await runNode(node, {
      inputs: { model, train, validation: test },
      params: { epochs: 3, batchSize: 32, lr: 0.003, schedule: 'one-cycle' },
    });
    const metricNames = new Set(ctx.recorded.metrics.map((m) => m.name));
    expect([...metricNames].sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(ctx.recorded.metrics.filter((m) => m.name === 'accuracy').map((m) => m.step)).toEqual([1, 2, 3]);
    expect(ctx.recorded.progress.some((p) => /^epoch 2\/3, step \d+\/16, loss /.test(p.message ?? ''))).toBe(true);
    expect(ctx.recorded.progress.at(-1)).toEqual({ fraction: 1, message: 'trained 3 epochs' });

    const trained = outputs.model;
    const ev = await evaluateClassifier(trained, test);
    expect(ev.accuracy).toBeGreaterThan(0.8);
    expect(outputs.metrics.values.val_accuracy).toBeCloseTo(ev.accuracy, 4);
    expect(outputs.metrics.values.epochs).toBe(3);
    expect(outputs.metrics.tables[0]!.rows).toHaveLength(3);
    const stage = trained.meta.lineage.at(-1)!;
    expect(stage.node).toBe('condense.train.supervised');
    expect(stage.params).toMatchObject({ epochs: 3, batchSize: 32, optimizer: 'adam', train: 'shapes (train)' });
    expect(stage.metrics.accuracy).toBe(outputs.metrics.values.accuracy);
    // The input model is left as it was.
    expect((await evaluateClassifier(model, test)).accuracy).toBeLessThan(0.5);
  });

  it('refuses data that does not fit the model before training', async () => {
    const train = shapes(64, 1);
    const model = createZooModel(shapes(8, 1, 28), { architecture: 'lenet5' });
    const error = await runNode(node, { inputs: { model, train, validation: undefined } }).catch((e) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.message).toMatch(/images of 1x16x16 .* the model expects 1x28x28/);
    expect(error.detail).toEqual({ port: 'train' });
    await expect(runNode(node, { inputs: { model: createZooModel(train, { architecture: 'mlp' }), train, validation: undefined }, params: { patience: 2 } })).rejects.toThrow(
      /early stopping needs validation data/,
    );
  });

  it('fails on a diverging loss with the step and a hint, and cancels between steps', async () => {
    const train = shapes(128, 1);
    const model = createZooModel(train, { architecture: 'mlp' });
    // Weights near the float32 limit overflow the logits, as a diverged run's would.
    const blownUp = { ...model, params: { ...model.params, 'fc1.weight': model.params['fc1.weight']!.map((v) => Math.sign(v) * 3e38) } };
    const error = await runNode(node, { inputs: { model: blownUp, train, validation: undefined }, params: { lr: 0.5 } }).catch((e) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.message).toBe('the loss became NaN at step 1 (epoch 1) with learning rate 0.5; training diverged. Try a lower learning rate (for example 0.05).');
    expect(error.detail).toEqual({ param: 'lr' });

    const ctx = makeTestContext<typeof node.inputs, ReturnType<typeof node.params.parse>>({
      inputs: { model, train, validation: undefined },
      params: node.params.parse({ epochs: 50, batchSize: 8 }),
    });
    const originalMetric = ctx.metric;
    ctx.metric = (name, value, step) => {
      originalMetric(name, value, step);
      if (step >= 3) ctx.abort();
    };
    await expect(node.execute(ctx)).rejects.toThrow(/abort/i);
    expect(ctx.recorded.metrics.filter((m) => m.name === 'loss').length).toBeLessThan(10);
  });

  it('holds out a validation split when no validation input is connected', async () => {
    const train = shapes(200, 1);
    const model = createZooModel(train, { architecture: 'mlp', width: 0.25 });
    const { outputs, ctx } = await runNode(node, { inputs: { model, train, validation: undefined }, params: { epochs: 1, validationSplit: 0.2, batchSize: 16 } });
    expect(ctx.recorded.logs[0]!.message).toBe('held out 40 of 200 train images for validation');
    expect(outputs.metrics.values.steps).toBe(10);
    expect(outputs.metrics.values.val_accuracy).toBeGreaterThanOrEqual(0);
  });
});

// The node run directly on a small trained LeNet-5 (generated shapes): corruption table and heatmap,
// CE relative to a reference, FGSM/PGD per eps, and the bad inputs that must fail naming the param.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { generateDataset } from '../../src/compute/data/generated';
import { decodeImage } from '../../src/compute/image/codec';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { createZooModel, type Model } from '../../src/compute/model/model';
import { trainClassifier } from '../../src/compute/model/train';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node, { robustnessChoice, robustnessParams } from './index';

let train: Dataset;
let test: Dataset;
let trained: Model;
let weak: Model;

beforeAll(async () => {
  train = generateDataset({ classes: 4, count: 256, size: 16, channels: 1, seed: 3, stream: 1, name: 'shapes (train)' });
  test = generateDataset({ classes: 4, count: 80, size: 16, channels: 1, seed: 3, stream: 2, name: 'shapes (test)' });
  const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
  const opts = { batchSize: 32, optimizer: 'adam', lr: 3e-3, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1 } as const;
  const r = await trainClassifier(model, train, { ...opts, epochs: 3 });
  trained = { ...model, name: 'lenet5 (3 epochs)', params: r.params, buffers: r.buffers };
  const w = await trainClassifier(model, train, { ...opts, epochs: 1 });
  weak = { ...model, name: 'lenet5 (1 epoch)', params: w.params, buffers: w.buffers };
}, 60_000);

const small = { corruptions: 'gaussian-noise,contrast,jpeg', severities: '1,5', count: 40, eps: '0,0.05,0.2', pgdSteps: 3, adversarialCount: 40 };

describe('condense.eval.robustness', () => {
  it('measures corruption and attack accuracy, CE against the reference, and draws the report', { timeout: 60_000 }, async () => {
    const { outputs, ctx } = await runNode(node, { inputs: { model: trained, test, reference: weak }, params: small });
    const v = outputs.metrics.values;
    expect(v.clean_accuracy).toBeCloseTo((await evaluateClassifier(trained, test)).accuracy, 4);
    expect(v.corruption_images).toBe(40);
    for (const k of ['acc_gaussian-noise_s1', 'acc_gaussian-noise_s5', 'acc_contrast_s5', 'acc_jpeg_s1', 'mce', 'relative_mce', 'ce_jpeg', 'pgd_eps_0.05', 'fgsm_eps_0.2', 'reference_pgd_eps_0.05']) expect(v[k], k).toBeTypeOf('number');
    expect(v['acc_gaussian-noise_s5']).toBeLessThanOrEqual(v['acc_gaussian-noise_s1']! + 0.05);
    const mean = (['gaussian-noise', 'contrast', 'jpeg'] as const).reduce((s, n) => s + v[`acc_${n}`]!, 0) / 3;
    expect(v.mean_corruption_accuracy).toBeCloseTo(mean, 3);
    // eps 0 is the clean accuracy on the attacked images; stronger eps never helps PGD.
    expect(v['pgd_eps_0']).toBeCloseTo(v.clean_accuracy_corruption_images!, 4);
    expect(v['pgd_eps_0.2']).toBeLessThanOrEqual(v['pgd_eps_0.05']!);
    expect(v['pgd_eps_0.2']).toBeLessThan(v['pgd_eps_0']!);
    // CE: the model's summed errors over the severities over the reference's, i.e. (1 - mean) / (1 - reference mean).
    const ceRow = outputs.metrics.tables[1]!.rows.find((r) => r[0] === 'contrast')!;
    expect(v.ce_contrast).toBeCloseTo((1 - (ceRow[3] as number)) / (1 - (ceRow[4] as number)), 3);
    expect(ceRow[3]).toBeCloseTo(v.acc_contrast!, 4);
    expect(outputs.report.images.map((i) => i.name)).toEqual(['corruption-heatmap.png', 'corrupted-samples.png', 'accuracy-vs-eps.png']);
    const heat = decodeImage(ctx.recorded.artifacts.get('corruption-heatmap.png')!.data, 'heat.png');
    expect(heat.colour).toBe(true);
    const strip = decodeImage(ctx.recorded.artifacts.get('corrupted-samples.png')!.data, 'strip.png');
    expect(strip.image.height).toBeGreaterThan(3 * 16);
    expect(outputs.metrics.tables.map((t) => t.columns[0])).toEqual(['corruption', 'corruption', 'attack']);
    expect(ctx.recorded.progress.at(-1)!.fraction).toBe(1);
  });

  it('the same seed corrupts the same way: two runs agree exactly', { timeout: 60_000 }, async () => {
    const p = { ...small, attacks: 'none' as const };
    const a = await runNode(node, { inputs: { model: trained, test, reference: undefined }, params: p });
    const b = await runNode(node, { inputs: { model: trained, test, reference: undefined }, params: p });
    const { seconds: _a, ...va } = a.outputs.metrics.values;
    const { seconds: _b, ...vb } = b.outputs.metrics.values;
    expect(va).toEqual(vb);
    expect(va.mce).toBeUndefined();
  });

  it('bad input fails naming the param: eps < 0, unknown corruptions, images too small for pixelate, bad severities', async () => {
    const fails = async (params: Record<string, unknown>, data: Dataset, model: Model, param: string, message: RegExp) => {
      const err = await runNode(node, { inputs: { model, test: data, reference: undefined }, params }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeError);
      expect((err as NodeError).detail).toEqual({ param });
      expect((err as NodeError).message).toMatch(message);
    };
    await fails({ eps: '0,-0.1' }, test, trained, 'eps', /eps must be a number >= 0/);
    await fails({ corruptions: 'contrast,fog' }, test, trained, 'corruptions', /unknown corruption "fog"; known: all, gaussian-noise/);
    await fails({ severities: '0,6' }, test, trained, 'severities', /severities are integers 1..5/);
    const tinyTrain = generateDataset({ classes: 4, count: 16, size: 6, channels: 1, seed: 3, stream: 1, name: 'tiny' });
    const tinyModel = createZooModel(tinyTrain, { architecture: 'mlp', seed: 1 });
    await fails({ corruptions: 'contrast,pixelate' }, tinyTrain, tinyModel, 'corruptions', /pixelate needs images of at least 8x8 pixels; these are 6x6/);
    // The same checks run before the run, on the facts.
    expect(robustnessChoice(robustnessParams.parse({ corruptions: 'pixelate' }), [1, 6, 6])).toMatchObject({ param: 'corruptions' });
    const issues = node.infer!(robustnessParams.parse({ eps: '-1' }), {}).issues;
    expect(issues).toEqual([{ param: 'eps', message: expect.stringMatching(/eps must be/) }]);
  });
});

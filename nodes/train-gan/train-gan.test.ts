import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/compute/data/generated';
import { imageTaskDataset } from '../../src/compute/data/image-tasks';
import { NO_SHIFT } from '../../src/compute/data/transforms';
import { createZooModel } from '../../src/compute/model/model';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const task = (kind: 'edges' | 'unpaired', count: number, stream: number, shuffleTargets = false) =>
  imageTaskDataset(generateDataset({ classes: 3, count, size: 16, channels: 1, seed: 2, stream, name: 'shapes' }), kind, { noise: 0, shift: NO_SHIFT, shuffleTargets, seed: 1, stream });
const small = { ndf: 4, dLayers: 2, batchSize: 8, epochs: 2, decayEpochs: 1, lr: 2e-3, samples: 3 };

describe('condense.train.gan', () => {
  it('pix2pix: streams every loss, writes a sample strip per epoch, scores the generator and records the stage', { timeout: 120_000 }, async () => {
    const train = task('edges', 48, 1);
    const test = task('edges', 12, 2);
    const generator = createZooModel(train, { architecture: 'unet-small', seed: 1, options: { ngf: 4, depth: 2 } });
    const { outputs, ctx } = await runNode(node, { inputs: { generator, train, test }, params: small });
    const curves = new Set(ctx.recorded.metrics.map((m) => m.name));
    for (const name of ['G_loss', 'D_loss', 'G_gan', 'G_l1', 'test_psnr']) expect(curves).toContain(name);
    expect([...ctx.recorded.artifacts.keys()]).toEqual(['samples-epoch-1.png', 'samples-epoch-2.png']);
    expect(outputs.report.images[0]!.name).toBe('samples-epoch-2.png');
    expect(outputs.metrics.values.psnr).toBeGreaterThan(0);
    expect(outputs.metrics.values.steps).toBe(12);
    expect(outputs.model.meta.lineage.at(-1)).toMatchObject({ node: 'condense.train.gan', params: { mode: 'pix2pix', ganLoss: 'vanilla' } });
    expect(outputs.reverse).toBe(outputs.model);
  });

  it('cycle: trains the B -> A generator too (lsgan by default)', { timeout: 120_000 }, async () => {
    const train = task('unpaired', 32, 1, true);
    const generator = createZooModel(train, { architecture: 'resnet-generator', seed: 1, options: { ngf: 4, blocks: 1 } });
    const { outputs } = await runNode(node, { inputs: { generator, train, test: task('unpaired', 8, 2) }, params: { ...small, mode: 'cycle', epochs: 1, decayEpochs: 0 } });
    expect(outputs.reverse.name).toMatch(/B->A/);
    expect(outputs.metrics.values.G_cycle).toBeGreaterThan(0);
    expect(outputs.model.meta.lineage.at(-1)!.params.ganLoss).toBe('lsgan');
  });

  it('bad input: a classifier as generator, classification data, decay longer than training', async () => {
    const p = node.params.parse({ epochs: 2, decayEpochs: 3 });
    const inferred = node.infer!(p, { generator: { task: 'classify', modelName: 'lenet5', shape: [1, 16, 16] }, train: { task: 'paired', shape: [1, 32, 32] } });
    expect(inferred.issues).toEqual(
      expect.arrayContaining([
        { port: 'generator', message: expect.stringMatching(/lenet5 is a classify model; a generator/) },
        { param: 'decayEpochs', message: expect.stringMatching(/cannot exceed epochs/) },
        { port: 'train', message: expect.stringMatching(/takes 1x16x16 images but this dataset has 1x32x32/) },
      ]),
    );
    const classes = generateDataset({ classes: 3, count: 16, size: 16, channels: 1, seed: 2, stream: 1, name: 'shapes' });
    const generator = createZooModel(task('edges', 8, 1), { architecture: 'unet-small', options: { ngf: 4, depth: 2 } });
    await expect(runNode(node, { inputs: { generator, train: classes, test: undefined }, params: small })).rejects.toMatchObject({ detail: { port: 'train' }, message: expect.stringMatching(/classification dataset/) });
    const classifier = createZooModel(classes, { architecture: 'lenet5' });
    await expect(runNode(node, { inputs: { generator: classifier, train: task('edges', 8, 1), test: undefined }, params: small })).rejects.toMatchObject({ detail: { port: 'generator' } });
  });
});

import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated.ts';
import { imageTaskDataset } from '../data/image-tasks.ts';
import { NO_SHIFT } from '../data/transforms.ts';
import { distillTerm } from '../distill/wkd.ts';
import { createZooModel } from '../model/model.ts';
import { GAN_DEFAULTS, type GanConfig, type SampleRows } from './gan-training.ts';
import { trainGan } from './train-gan.ts';

const shapes = (count: number, stream: number) => generateDataset({ classes: 3, count, size: 16, channels: 1, seed: 2, stream, name: 'shapes' });
const task = (kind: 'edges' | 'unpaired', count: number, stream: number, shuffleTargets = false) =>
  imageTaskDataset(shapes(count, stream), kind, { noise: 0, shift: NO_SHIFT, shuffleTargets, seed: 1, stream });
const small: GanConfig = { ...GAN_DEFAULTS, ndf: 4, dLayers: 2, batchSize: 8, epochs: 4, decayEpochs: 2, lr: 2e-3 };

describe('GAN recipes on the fit loop', () => {
  it('pix2pix: G and D train in turn, the L1 to the target falls, samples and test PSNR come every epoch', { timeout: 120_000 }, async () => {
    const train = task('edges', 64, 1);
    const test = task('edges', 16, 2);
    const generator = createZooModel(train, { architecture: 'unet-small', seed: 1, options: { ngf: 4, depth: 2 } });
    const strips: SampleRows[] = [];
    const metrics = new Set<string>();
    const r = await trainGan({ config: small, train, test, generator, samples: 4, onSamples: (_, s) => void strips.push(s) }, { metric: (n) => metrics.add(n) });
    expect(r.steps).toBe(4 * 8);
    expect(r.epochs.at(-1)!.metrics.G_l1!).toBeLessThan(0.8 * r.epochs[0]!.metrics.G_l1!);
    for (const m of ['G_loss', 'D_loss', 'G_gan', 'G_l1', 'D_real', 'D_fake', 'test_psnr']) expect(metrics).toContain(m);
    expect(strips).toHaveLength(4);
    expect(strips[0]!.columns.map((c) => c.title)).toEqual(['input', 'target', 'generated']);
    expect(r.epochs.at(-1)!.extra.test_psnr).toBeGreaterThan(r.epochs[0]!.extra.test_psnr! - 0.5);
    expect(r.generator.params['head.weight']).not.toEqual(generator.params['head.weight']);
    expect(r.discriminator.meta.inputShape).toEqual([2, 16, 16]);
  });

  it('CycleGAN: two generators and two pooled discriminators on unpaired domains; a frozen teacher pair adds the WKD term', { timeout: 120_000 }, async () => {
    const train = task('unpaired', 32, 1, true);
    const test = task('unpaired', 8, 2);
    const generator = createZooModel(train, { architecture: 'resnet-generator', seed: 1, options: { ngf: 4, blocks: 1 } });
    const teacher = createZooModel(train, { architecture: 'resnet-generator', seed: 5, options: { ngf: 8, blocks: 1 } });
    const teacherBA = createZooModel(train, { architecture: 'resnet-generator', seed: 6, options: { ngf: 8, blocks: 1 } });
    const config: GanConfig = { ...small, mode: 'cycle', ganLoss: 'lsgan', epochs: 2, decayEpochs: 1, poolSize: 8 };
    const r = await trainGan({ config, train, test, generator, distill: { teacher, teacherBA, term: distillTerm('wkd', { levels: 2, alpha: 0.4 })! } });
    const last = r.epochs.at(-1)!;
    for (const m of ['G_gan', 'G_cycle', 'G_identity', 'wkd', 'D_A', 'D_B']) expect(Number.isFinite(last.metrics[m]), m).toBe(true);
    expect(last.metrics.wkd).toBeGreaterThan(0);
    expect(r.generatorBA!.name).toMatch(/B->A/);
    expect(r.discriminatorA).toBeDefined();
    expect(Number.isFinite(last.extra.test_psnr)).toBe(true);
  });
});

// The GAN training params the GAN trainer and the wavelet distiller share (pix2pix and CycleGAN's own
// settings as defaults), and their translation into the recipe's config.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { encodePng } from '../../src/compute/image/codec';
import { renderImageColumns } from '../../src/compute/image/image-columns';
import { GAN_DEFAULTS, GAN_MODES, type GanConfig, type SampleRows } from '../../src/compute/gan/gan-training';
import type { Artifacts } from '../../src/shared/node-sdk';
import { seedParam } from '../../src/shared/training-params';
import type { ArtifactRef } from '../../src/shared/values';

const cycleOnly = { mode: ['cycle'] as ('pix2pix' | 'cycle')[] };

export const ganParams = {
  mode: z.enum(GAN_MODES).default('pix2pix').meta({ help: 'pix2pix: paired training (G + conditional PatchGAN, GAN + lambda L1). cycle: CycleGAN on unpaired domains (two generators, two discriminators, cycle and identity losses).' }),
  ganLoss: z
    .enum(['auto', 'vanilla', 'lsgan'])
    .default('auto')
    .meta({ help: 'The adversarial loss. vanilla: binary cross-entropy (pix2pix). lsgan: least squares (CycleGAN). auto: vanilla for pix2pix, lsgan for cycle.' }),
  lambdaL1: z.number().min(0).max(1000).default(GAN_DEFAULTS.lambdaL1).meta({ help: 'pix2pix: weight of the L1 distance to the target (100 in pix2pix).', appliesWhen: { mode: ['pix2pix'] } }),
  lambdaCycle: z.number().min(0).max(100).default(GAN_DEFAULTS.lambdaCycle).meta({ help: 'cycle: weight of each direction\'s L1 cycle loss (10 in CycleGAN).', appliesWhen: cycleOnly }),
  lambdaIdentity: z.number().min(0).max(10).default(GAN_DEFAULTS.lambdaIdentity).meta({ help: 'cycle: identity loss weight as a fraction of lambdaCycle (0.5: an L1 weight of 5).', appliesWhen: cycleOnly }),
  poolSize: z.number().int().min(0).max(1000).default(GAN_DEFAULTS.poolSize).meta({ help: 'cycle: fakes kept in each discriminator\'s image pool (50 in CycleGAN); 0 shows only the newest.', unit: 'images', appliesWhen: cycleOnly }),
  ndf: z.number().int().min(1).max(512).default(GAN_DEFAULTS.ndf).meta({ help: 'Discriminator (PatchGAN) filters in its first layer (64 in pix2pix and CycleGAN).' }),
  dLayers: z.number().int().min(1).max(5).default(GAN_DEFAULTS.dLayers).meta({ help: 'Discriminator stride-2 layers (3: 70x70 patches at 256 px; fewer for small images).' }),
  epochs: z.number().int().min(1).max(1000).default(GAN_DEFAULTS.epochs).meta({ help: 'Training epochs (passes over the train images, or stepsPerEpoch steps).', unit: 'epochs' }),
  decayEpochs: z.number().int().min(0).max(1000).default(GAN_DEFAULTS.decayEpochs).meta({ help: 'The last this many epochs decay the learning rate linearly towards 0 (pix2pix / CycleGAN: 100 of 200).', unit: 'epochs' }),
  batchSize: z.number().int().min(1).max(1024).default(GAN_DEFAULTS.batchSize).meta({ help: 'Images per step (the papers use 1; 16 keeps a CPU busy).', unit: 'images' }),
  stepsPerEpoch: z.number().int().min(0).max(1_000_000).default(0).meta({ help: 'Steps per epoch; 0: one pass over the train images.', unit: 'steps' }),
  lr: z.number().positive().max(1).default(GAN_DEFAULTS.lr).meta({ help: 'Adam learning rate of generators and discriminators (2e-4).' }),
  beta1: z.number().min(0).max(0.999).default(GAN_DEFAULTS.beta1).meta({ help: 'Adam beta1 (0.5 in pix2pix and CycleGAN).' }),
  beta2: z.number().min(0).max(0.9999).default(GAN_DEFAULTS.beta2).meta({ help: 'Adam beta2.' }),
  samples: z.number().int().min(1).max(32).default(8).meta({ help: 'Test images in the sample strip drawn every epoch.', unit: 'images' }),
  seed: seedParam('Seed of the weights of new models (discriminators, the B -> A generator, a student), the data order and the image pools.'),
};

const ganSchema = z.object(ganParams);
export type GanParams = z.infer<typeof ganSchema>;

export function ganConfigOf(p: GanParams): GanConfig {
  const ganLoss = p.ganLoss === 'auto' ? (p.mode === 'cycle' ? 'lsgan' : 'vanilla') : p.ganLoss;
  return { ...GAN_DEFAULTS, ...p, ganLoss };
}

/** Problems of the params alone, on their param. */
export function ganParamIssues(p: GanParams): { param: string; message: string }[] {
  return p.decayEpochs > p.epochs ? [{ param: 'decayEpochs', message: `decayEpochs (${p.decayEpochs}) cannot exceed epochs (${p.epochs})` }] : [];
}

/** Why `data` cannot train a generator (`port` names it), or undefined. */
export function pairedProblem(data: Dataset): string | undefined {
  if (data.task !== 'paired' || !data.targets) return `${data.name} is a classification dataset; GAN training needs image pairs or two domains (set imageTask on the Dataset node)`;
  if (data.count === 0) return `${data.name} is empty`;
  return undefined;
}

/** Writes the epoch's sample strip as a PNG; the list keeps every epoch's. */
export async function writeSampleStrip(artifacts: Artifacts, epoch: number, rows: SampleRows, into: ArtifactRef[]): Promise<void> {
  into.push(await artifacts.write(`samples-epoch-${epoch}.png`, encodePng(renderImageColumns(rows.columns, rows.shape, rows.count)), 'image/png'));
}

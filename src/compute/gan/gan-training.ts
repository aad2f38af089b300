// What the two GAN recipes (pix2pix.ts, cycle-gan.ts) share: the config, the discriminators, Adam with
// pix2pix/CycleGAN's linear decay, the epoch hook that draws samples and measures test PSNR, and the
// optional distillation term (src/compute/distill) that the distiller adds to the generator loss.
//
// Both recipes are objectives on the shared fit loop: G first, then D (as in CycleGAN), G's fetched
// fakes handed to D through fit's objective inputs (and CycleGAN's image pool), so D never
// recomputes the generator.
import type { Dataset } from '../data/dataset.ts';
import type { Tensor } from '../graph/graph-builder.ts';
import { psnr } from '../model/image-metrics.ts';
import { createZooModel, type Model } from '../model/model.ts';
import { Adam } from '../ort/optimizers.ts';
import type { Schedule } from '../ort/schedules.ts';
import type { EpochHook, FitEpoch, FitHooks } from '../train/fit.ts';
import { toUnit } from '../ort/batches.ts';
import { ModelRunner, normalizedPixels } from './generator-runner.ts';
import type { GanLossKind } from './losses.ts';

export const GAN_MODES = ['pix2pix', 'cycle'] as const;
export type GanMode = (typeof GAN_MODES)[number];

export interface GanConfig {
  mode: GanMode;
  ganLoss: GanLossKind;
  /** pix2pix: weight of the L1 distance to the target (100 in pix2pix). */
  lambdaL1: number;
  /** CycleGAN: weight of each direction's L1 cycle loss (10). */
  lambdaCycle: number;
  /** CycleGAN: identity loss weight as a fraction of lambdaCycle (0.5). */
  lambdaIdentity: number;
  /** CycleGAN: images kept in each discriminator's pool (50); 0 shows the newest fakes. */
  poolSize: number;
  /** Discriminator (PatchGAN) width and stride-2 layers. */
  ndf: number;
  dLayers: number;
  epochs: number;
  /** The last this many epochs decay the learning rate linearly towards 0 (pix2pix/CycleGAN's n_epochs_decay). */
  decayEpochs: number;
  batchSize: number;
  /** Steps per epoch; 0: one pass over the train images. */
  stepsPerEpoch: number;
  lr: number;
  beta1: number;
  beta2: number;
  seed: number;
}

export const GAN_DEFAULTS: GanConfig = {
  mode: 'pix2pix',
  ganLoss: 'vanilla',
  lambdaL1: 100,
  lambdaCycle: 10,
  lambdaIdentity: 0.5,
  poolSize: 50,
  ndf: 64,
  dLayers: 3,
  epochs: 10,
  decayEpochs: 5,
  batchSize: 16,
  stepsPerEpoch: 0,
  lr: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  seed: 0,
};

/** A loss on a student output and the frozen teacher's output for the same input (WKD, pixel KD). */
export interface DistillTerm {
  name: string;
  loss: (student: Tensor, teacher: Tensor) => Tensor;
}

export interface Distillation {
  /** Teacher of the A -> B direction (and of pix2pix). */
  teacher: Model;
  /** CycleGAN: teacher of B -> A; without it only A -> B is distilled. */
  teacherBA?: Model;
  term: DistillTerm;
}

export interface GanRun {
  config: GanConfig;
  /** Paired data (pix2pix), or the two domains as inputs (A) and targets (B) (cycle; the order is not used). */
  train: Dataset;
  /** Images for the per-epoch sample strip and test PSNR (targets aligned). */
  test?: Dataset;
  generator: Model;
  /** CycleGAN: the B -> A generator; default the generator's architecture with fresh weights. */
  generatorBA?: Model;
  distill?: Distillation;
  /** Images in the per-epoch sample strip and test PSNR (the first of the test set). Default 8 / 64. */
  samples?: number;
  psnrImages?: number;
  /** After each epoch: the sample rows (input | target | generated), [n, c, h, w] pixels each. */
  onSamples?: (epoch: number, samples: SampleRows) => void | Promise<void>;
  epochHooks?: readonly EpochHook[];
}

export interface SampleRows {
  shape: [number, number, number];
  count: number;
  columns: { title: string; pixels: Uint8Array }[];
}

export interface GanResult {
  generator: Model;
  generatorBA?: Model;
  discriminator: Model;
  discriminatorA?: Model;
  epochs: FitEpoch[];
  steps: number;
  seconds: number;
}

export type GanHooks = FitHooks;

/** A PatchGAN for images of `shape` (pix2pix's conditional D reads input and image stacked: 2c channels). */
export function createDiscriminator(shape: readonly [number, number, number], config: Pick<GanConfig, 'ndf' | 'dLayers'>, seed: number): Model {
  return createZooModel({ shape: [...shape] as [number, number, number], classes: [], normalize: { mean: [0.5], std: [0.5] } }, { architecture: 'patchgan', seed, options: { ndf: config.ndf, layers: config.dLayers } });
}

/**
 * Adam as pix2pix and CycleGAN use it, the rate constant, then over the last `decayEpochs` epochs
 * decaying linearly (CycleGAN's lambda rule 1 - max(0, e + 1 - n) / (n_decay + 1), taken per step so the
 * rate falls smoothly within an epoch instead of once at its start).
 */
export function ganOptimizer(config: GanConfig, stepsPerEpoch: number): { optimizer: Adam; schedule: Schedule } {
  const optimizer = new Adam({ learningRate: config.lr, beta1: config.beta1, beta2: config.beta2 });
  const constantEpochs = Math.max(0, config.epochs - config.decayEpochs);
  const schedule: Schedule = (update) => {
    const epoch = update / Math.max(1, stepsPerEpoch);
    return config.lr * (1 - Math.max(0, epoch - constantEpochs) / (config.decayEpochs + 1));
  };
  return { optimizer, schedule };
}

/** Checks a config before building anything, naming the param. */
export function ganConfigProblems(config: GanConfig): { param: keyof GanConfig; message: string }[] {
  const out: { param: keyof GanConfig; message: string }[] = [];
  if (config.decayEpochs > config.epochs) out.push({ param: 'decayEpochs', message: `decayEpochs (${config.decayEpochs}) cannot exceed epochs (${config.epochs})` });
  return out;
}

/**
 * The epoch hook of both recipes: runs the generator (its state under `scope`) on the first test
 * images, reports test PSNR against the aligned targets and hands the sample rows to `onSamples`.
 */
export async function samplesHook(run: GanRun, scope: string, signal?: AbortSignal): Promise<EpochHook | undefined> {
  const test = run.test;
  if (!test || !test.targets || !test.targetShape || test.count === 0) return undefined;
  const count = Math.min(test.count, Math.max(run.samples ?? 8, run.psnrImages ?? 64));
  const shown = Math.min(count, run.samples ?? 8);
  const runner = await ModelRunner.create(run.generator, Math.min(count, 32));
  const inputs = normalizedPixels(test.pixels, test.shape, count, run.generator.meta.normalize);
  const shape = test.targetShape;
  const size = shape[0] * shape[1] * shape[2];
  return async (epoch, state) => {
    runner.loadParams(state.params, scope);
    const out = toUnit(await runner.run(inputs, count, signal), shape, run.generator.meta.normalize);
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const target = Float32Array.from(test.targets!.subarray(i * size, (i + 1) * size), (v) => v / 255);
      sum += psnr(out.subarray(i * size, (i + 1) * size), target);
    }
    if (run.onSamples) {
      const generated = Uint8Array.from(out.subarray(0, shown * size), (v) => Math.round(v * 255));
      await run.onSamples(epoch, {
        shape: [...shape],
        count: shown,
        columns: [
          { title: 'input', pixels: test.pixels.subarray(0, shown * test.shape[0] * test.shape[1] * test.shape[2]) },
          { title: 'target', pixels: test.targets!.subarray(0, shown * size) },
          { title: 'generated', pixels: generated },
        ],
      });
    }
    return { test_psnr: sum / count };
  };
}

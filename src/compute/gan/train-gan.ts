// The GAN trainer's entry point: pix2pix for paired data, CycleGAN for unpaired.
import { trainCycleGan } from './cycle-gan.ts';
import type { GanHooks, GanResult, GanRun } from './gan-training.ts';
import { trainPix2pix } from './pix2pix.ts';

export function trainGan(run: GanRun, hooks: GanHooks = {}): Promise<GanResult> {
  return run.config.mode === 'cycle' ? trainCycleGan(run, hooks) : trainPix2pix(run, hooks);
}

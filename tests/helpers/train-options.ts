// Training options for tests: small, deterministic, one intra-op thread (tests run side by side).
import type { TrainOptions } from '../../src/compute/model/train';

export const quickTrainOptions = (o: Partial<TrainOptions> = {}): TrainOptions => ({
  epochs: 2,
  batchSize: 32,
  optimizer: 'adam',
  lr: 3e-3,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'constant',
  augmentation: 'none',
  patience: 0,
  seed: 3,
  intraOpThreads: 1,
  ...o,
});

// Learning-rate schedules: functions from the step index (0-based) to a learning rate. Set
// `optimizer.learningRate = schedule(step)` before each step.

export type Schedule = (step: number) => number;

export const schedules = {
  constant:
    (lr: number): Schedule =>
    () =>
      lr,
  /** Multiplies by `gamma` every `every` steps. */
  step:
    (lr: number, every: number, gamma = 0.1): Schedule =>
    (step) =>
      lr * gamma ** Math.floor(step / every),
  /** Cosine annealing (Loshchilov & Hutter 2017, without restarts) from lr to minLr over totalSteps. */
  cosine:
    (lr: number, totalSteps: number, minLr = 0): Schedule =>
    (step) =>
      minLr + 0.5 * (lr - minLr) * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps)),
  /** Linear warm-up over `warmupSteps`, then the wrapped schedule (shifted to start after it). */
  warmup:
    (inner: Schedule, warmupSteps: number): Schedule =>
    (step) =>
      step < warmupSteps ? (inner(0) * (step + 1)) / warmupSteps : inner(step - warmupSteps),
};

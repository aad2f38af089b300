// Where a training step's time goes: the fit loop and the compiled step add the milliseconds of each
// phase (data, feeds, session run, fetch, optimiser, metrics, hooks) to one StepProfile when asked,
// and `bench/train-vs-pytorch.mjs --profile` prints the breakdown per step.

export type StepPhase = 'data' | 'feeds' | 'run' | 'fetch' | 'optimizer' | 'metrics' | 'hooks';

export class StepProfile {
  private readonly totals = new Map<StepPhase, number>();
  steps = 0;

  /** Adds the time since `since` (a performance.now() reading) to `phase`; returns now, to chain phases. */
  lap(phase: StepPhase, since: number): number {
    const now = performance.now();
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + (now - since));
    return now;
  }

  add(phase: StepPhase, ms: number): void {
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + ms);
  }

  /** Milliseconds per step of each phase that was timed, and their sum. */
  perStep(): Record<StepPhase | 'total', number> {
    const n = Math.max(1, this.steps);
    const out = {} as Record<StepPhase | 'total', number>;
    let total = 0;
    for (const [phase, ms] of this.totals) {
      out[phase] = ms / n;
      total += ms;
    }
    out.total = total / n;
    return out;
  }
}

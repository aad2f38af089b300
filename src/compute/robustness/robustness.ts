// Robustness of classifiers: accuracy on the clean test set, under every chosen corruption and
// severity (corruptions.ts, the same seeded images for every model compared), and under FGSM / PGD
// at each eps (adversarial.ts); corruption error relative to a reference model as in the -C
// benchmarks (Hendrycks & Dietterich 2019):
//
//   CE_c = sum_s E(f, c, s) / sum_s E(ref, c, s)                     mCE = mean_c CE_c
//   relative CE_c = sum_s (E(f, c, s) - E(f, clean)) / sum_s (E(ref, c, s) - E(ref, clean))
//
// with E the top-1 error. Several models are evaluated on one corrupted copy per (corruption, severity).

import type { Dataset } from '../data/dataset.ts';
import { firstSamples } from '../data/transforms.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import type { Model } from '../model/model.ts';
import { adversarialAccuracy, type AttackName } from './adversarial.ts';
import { corruptDataset, type CorruptionName } from './corruptions.ts';

export interface RobustnessSpec {
  corruptions: readonly CorruptionName[];
  /** Severities 1..5 to apply. */
  severities: readonly number[];
  /** Attacks to run at each eps (pixels in [0, 1]); none when empty. */
  attacks: readonly AttackName[];
  eps: readonly number[];
  pgdSteps: number;
  /** PGD step size; default 2.5 eps / steps. */
  pgdStepSize?: number;
  randomStart: boolean;
  /** Seeds the corruptions and PGD's random start. */
  seed: number;
  /** Test images the attacks run on (the first n); all when absent. PGD costs steps + 1 passes per image. */
  adversarialCount?: number;
  batchSize?: number;
}

export interface ModelRobustness {
  clean: number;
  /** accuracy[corruption][severity index], in the order of spec.severities. */
  corruption: Record<string, number[]>;
  /** Mean over corruptions of the mean over severities. */
  meanCorruption: number;
  adversarial: { attack: AttackName; eps: number; accuracy: number }[];
}

export interface CorruptionErrors {
  /** CE_c and relative CE_c per corruption. */
  ce: Record<string, number>;
  relativeCe: Record<string, number>;
  mce: number;
  relativeMce: number;
}

export interface RobustnessHooks {
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** Robustness of each model on `data`, the corrupted copies shared between them. */
export async function evaluateRobustness(models: readonly Model[], data: Dataset, spec: RobustnessSpec, hooks: RobustnessHooks = {}): Promise<ModelRobustness[]> {
  const evalOptions = { batchSize: spec.batchSize ?? 256, signal: hooks.signal };
  const adversarialData = spec.adversarialCount !== undefined && spec.adversarialCount < data.count ? firstSamples(data, spec.adversarialCount) : data;
  const cornerCount = spec.corruptions.length * spec.severities.length;
  const attackRuns = spec.attacks.length * spec.eps.length;
  // Progress weighted by work: a corrupted evaluation is one pass; a PGD run is steps + 1 passes of fewer images.
  const attackWeight = (a: AttackName): number => ((a === 'pgd' ? spec.pgdSteps + 1 : 2) * adversarialData.count) / Math.max(1, data.count);
  const totalWork = models.length * (1 + cornerCount + spec.attacks.reduce((s, a) => s + attackWeight(a) * spec.eps.length, 0)) + cornerCount * 0.5;
  let done = 0;
  const report = (work: number, message: string): void => {
    done += work;
    hooks.progress?.(Math.min(1, done / totalWork), message);
  };
  const results: ModelRobustness[] = [];
  for (const model of models) {
    results.push({ clean: (await evaluateClassifier(model, data, evalOptions)).accuracy, corruption: {}, meanCorruption: NaN, adversarial: [] });
    report(1, `${model.name}: clean accuracy`);
  }
  for (const name of spec.corruptions) {
    for (const r of results) r.corruption[name] = [];
    for (const severity of spec.severities) {
      hooks.signal?.throwIfAborted();
      const corrupted = corruptDataset(data, name, severity, spec.seed);
      report(0.5, `${name} ${severity}: corrupting`);
      for (let m = 0; m < models.length; m++) {
        results[m]!.corruption[name]!.push((await evaluateClassifier(models[m]!, corrupted, evalOptions)).accuracy);
        report(1, `${name} ${severity}: ${models[m]!.name}`);
      }
    }
  }
  for (const r of results) r.meanCorruption = cornerCount > 0 ? mean(Object.values(r.corruption).map(mean)) : NaN;
  if (attackRuns > 0)
    for (let m = 0; m < models.length; m++)
      for (const attack of spec.attacks)
        for (const eps of spec.eps) {
          const accuracy = await adversarialAccuracy(
            models[m]!,
            adversarialData,
            { attack, eps, steps: spec.pgdSteps, stepSize: spec.pgdStepSize, randomStart: spec.randomStart, seed: spec.seed },
            { batchSize: Math.min(128, spec.batchSize ?? 128), signal: hooks.signal },
          );
          results[m]!.adversarial.push({ attack, eps, accuracy });
          report(attackWeight(attack), `${models[m]!.name}: ${attack.toUpperCase()} eps ${eps}`);
        }
  return results;
}

/** CE and relative CE of `model` against `reference` (same corruptions and severities). */
export function corruptionErrors(model: ModelRobustness, reference: ModelRobustness): CorruptionErrors {
  const ce: Record<string, number> = {};
  const relativeCe: Record<string, number> = {};
  for (const [name, accuracies] of Object.entries(model.corruption)) {
    const ref = reference.corruption[name];
    if (!ref) continue;
    const errors = accuracies.map((a) => 1 - a);
    const refErrors = ref.map((a) => 1 - a);
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    ce[name] = sum(errors) / Math.max(1e-12, sum(refErrors));
    relativeCe[name] = sum(errors.map((e) => e - (1 - model.clean))) / Math.max(1e-12, Math.abs(sum(refErrors.map((e) => e - (1 - reference.clean)))));
  }
  return { ce, relativeCe, mce: mean(Object.values(ce)), relativeMce: mean(Object.values(relativeCe)) };
}

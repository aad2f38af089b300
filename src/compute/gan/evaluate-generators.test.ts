import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated.ts';
import { imageTaskDataset, padImages } from '../data/image-tasks.ts';
import { NO_SHIFT } from '../data/transforms.ts';
import { createRng, normalSample } from '../graph/init.ts';
import { createZooModel } from '../model/model.ts';
import { classifierProblem, evaluateGenerators, modelCost, radialSpectrum } from './evaluate-generators.ts';
import { frechetDistance, gaussianOf, symmetricEigen } from './frechet.ts';

describe('Frechet distance', () => {
  it('is |mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)): zero for one Gaussian, the closed form for diagonal ones', () => {
    const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 9), expect.closeTo(3, 9)]);
    const a = { mean: Float64Array.from([0, 0]), cov: Float64Array.from([4, 0, 0, 1]) };
    const b = { mean: Float64Array.from([1, 2]), cov: Float64Array.from([1, 0, 0, 9]) };
    // 5 + (4 + 1 - 2 * 2) + (1 + 9 - 2 * 3)
    expect(frechetDistance(a, b)).toBeCloseTo(5 + 1 + 4, 8);
    expect(frechetDistance(a, a)).toBeCloseTo(0, 8);
    const rng = createRng(1);
    const x = Float32Array.from({ length: 4000 * 3 }, () => normalSample(rng));
    const g = gaussianOf(x, 4000, 3);
    expect(g.cov[0]).toBeCloseTo(1, 1);
    expect(g.cov[1]).toBeCloseTo(0, 1);
  });
});

describe('evaluateGenerators', () => {
  const test = imageTaskDataset(generateDataset({ classes: 3, count: 24, size: 16, channels: 1, seed: 4, stream: 2, name: 'shapes' }), 'super-resolution', { noise: 0, shift: NO_SHIFT, shuffleTargets: false, seed: 1 });

  it('scores student and teacher against the target and each other; a generator against itself has zero error and ratio 1', { timeout: 60_000 }, async () => {
    const student = createZooModel(test, { architecture: 'unet-small', seed: 1, options: { ngf: 4, depth: 2 } });
    const teacher = createZooModel(test, { architecture: 'unet-small', seed: 2, options: { ngf: 8, depth: 2 } });
    const classify = padImages(generateDataset({ classes: 3, count: 24, size: 16, channels: 1, seed: 4, stream: 3, name: 'c' }), [1, 16, 16]);
    const classifier = createZooModel(classify, { architecture: 'lenet5', seed: 3 });
    const ev = await evaluateGenerators(student, test, { teacher, classifier, levels: 2 });
    expect(ev.count).toBe(24);
    expect(ev.student.bands).toHaveLength(2);
    expect(ev.student.spectrum).toHaveLength(9);
    expect(ev.hfErrorVsTeacher).toBeGreaterThan(0);
    expect(ev.student.frechet).toBeGreaterThan(0);
    expect(ev.inputFrechet).toBeGreaterThan(0);
    const self = await evaluateGenerators(student, test, { teacher: student, levels: 2 });
    expect(self.hfErrorVsTeacher).toBe(0);
    expect(self.hfEnergyRatio).toBeCloseTo(1, 9);
    expect(self.student.psnr).toBeCloseTo(ev.student.psnr, 9);
    expect(classifierProblem(student, [1, 16, 16])).toMatch(/image-to-image model/);
    expect(classifierProblem(classifier, [1, 32, 32])).toMatch(/reads 1x16x16/);
    const cost = await modelCost(student, { latencyRuns: 2 });
    expect(cost.parameters).toBeGreaterThan(0);
    expect(cost.macs).toBeGreaterThan(cost.parameters);
    expect(cost.latencyMs).toBeGreaterThan(0);
  });

  it('the spectrum of a flat image has all its power at frequency 0', () => {
    const s = radialSpectrum(new Float32Array(64).fill(0.5), 1, [1, 8, 8]);
    expect(s[0]).toBeGreaterThan(0);
    for (const v of s.slice(1)) expect(v).toBeLessThan(-10);
  });
});

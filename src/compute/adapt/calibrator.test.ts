import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated.ts';
import { applyShift, NO_SHIFT } from '../data/transforms.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import { createZooModel } from '../model/model.ts';
import { trainClassifier } from '../model/train.ts';
import { adaptBatchNorm } from './adabn.ts';
import { calibrate } from './calibrator-net.ts';
import { CALIBRATOR_DEFAULTS, CalibratedEvaluator, calibratorConfigProblems, combinedModel, inferenceMacs, trainCalibrator } from './calibrator.ts';
import { drawPatchIndex } from './discriminators.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';

const source = generateDataset({ classes: 4, count: 256, size: 16, channels: 1, seed: 1, name: 'gen', stream: 1 });
const target = applyShift(source, { ...NO_SHIFT, contrast: 0.5, noise: 8 }, { seed: 2 });

async function trainedClassifier() {
  const model = createZooModel(source, { architecture: 'vgg-small', width: 0.25, seed: 3 });
  const r = await trainClassifier(model, source, { epochs: 2, batchSize: 32, optimizer: 'adam', lr: 3e-3, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 0 });
  return { ...model, params: r.params, buffers: r.buffers };
}

describe('calibrator', () => {
  const norm = { mean: [0.3], std: [0.4] };
  const values = Float32Array.from({ length: 3 * 64 }, (_, i) => ((i % 17) / 16 - 0.3) / 0.4);
  const runCalibrator = async (perturbation: 'signed' | 'paper', weights?: Record<string, Float32Array>) => {
    const g = new GraphBuilder({ seed: 5, training: false });
    const x = g.input('x', [3, 1, 8, 8]);
    const net = { width: 2, blocks: 1, dropout: 0, perturbation };
    const out = calibrate(g, x, net, { training: false, eps: 0.3, normalize: norm, values: weights });
    const fn = await CompiledFunction.compile(g, { calibrated: out.calibrated, perturbation: out.perturbation });
    const r = await fn.run(initialState(g), { x: { dtype: 'float32', shape: [3, 1, 8, 8], values } });
    return { p: r.perturbation!.values as Float32Array, z: r.calibrated!.values as Float32Array };
  };
  // x' = clamp(x + p) in [-1, 1] is clamp((x + 1) / 2 + p / 2) in [0, 1], read back in the classifier's normalisation.
  const expectCalibrated = (p: Float32Array, z: Float32Array) => {
    for (let i = 0; i < z.length; i++) {
      const unit = z[i]! * 0.4 + 0.3;
      const raw = values[i]! * 0.4 + 0.3;
      expect(unit).toBeGreaterThanOrEqual(-1e-5);
      expect(unit).toBeLessThanOrEqual(1 + 1e-5);
      expect(unit).toBeCloseTo(Math.max(0, Math.min(1, raw + p[i]! / 2)), 4);
    }
  };
  const headBias = (v: number) => ({ 'head.bias': Float32Array.of(v) });

  it('signed: starts as the identity (p = 0 on every pixel) and bounds the perturbation to [-eps, eps]', async () => {
    const fresh = await runCalibrator('signed');
    expect(Math.max(...fresh.p.map(Math.abs))).toBe(0);
    fresh.z.forEach((v, i) => expect(v).toBeCloseTo(values[i]!, 5));
    // A large head bias drives tanh to its limits: p reaches +-eps, never beyond.
    for (const bias of [40, -40]) {
      const { p, z } = await runCalibrator('signed', headBias(bias));
      expect(Math.max(...p.map(Math.abs))).toBeLessThanOrEqual(0.3 + 1e-6);
      expect(Math.abs(p[0]!)).toBeCloseTo(0.3, 5);
      p.forEach((v) => expect(Math.sign(v)).toBe(Math.sign(bias)));
      expectCalibrated(p, z);
    }
  });

  it("paper: p = clamp((tanh + 1) / 2, 0, eps), at eps on most pixels from the start, never negative", async () => {
    const fresh = await runCalibrator('paper');
    expect(Math.min(...fresh.p)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...fresh.p)).toBeLessThanOrEqual(0.3 + 1e-6);
    // (tanh + 1) / 2 starts around 0.5, above eps = 0.3: most pixels sit at the bound before training.
    expect(fresh.p.filter((v) => v > 0.3 - 1e-6).length).toBeGreaterThan(fresh.p.length / 2);
    expectCalibrated(fresh.p, fresh.z);
    const low = await runCalibrator('paper', headBias(-40));
    expect(Math.max(...low.p)).toBe(0);
    expectCalibrated(low.p, low.z);
  });

  it('draws a patch of distinct in-image indices, shuffled', () => {
    const out = new BigInt64Array(2 * 16);
    drawPatchIndex([2, 10, 10], 4, createRng(1), out);
    const idx = [...out].map(Number);
    expect(new Set(idx).size).toBe(32);
    expect(idx.every((i) => i >= 0 && i < 200)).toBe(true);
    expect(idx.filter((i) => i >= 100).length).toBe(16);
    expect([...idx].sort((a, b) => a - b)).not.toEqual(idx);
  });

  it('rejects eps outside (0, 2] and patches larger than the image', () => {
    expect(calibratorConfigProblems({ ...CALIBRATOR_DEFAULTS, eps: 0 }).map((p) => p.param)).toEqual(['eps']);
    expect(calibratorConfigProblems({ ...CALIBRATOR_DEFAULTS, eps: 2.5 }).map((p) => p.param)).toEqual(['eps']);
    expect(calibratorConfigProblems({ ...CALIBRATOR_DEFAULTS, eps: 2 })).toEqual([]);
    expect(calibratorConfigProblems({ ...CALIBRATOR_DEFAULTS, patch: 8 }, [1, 6, 6]).map((p) => p.param)).toContain('patch');
  });

  it('trains in both classifier modes without touching the classifier weights; the combined ONNX matches the evaluator', async () => {
    const classifier = await trainedClassifier();
    const config = { ...CALIBRATOR_DEFAULTS, width: 2, blocks: 1, batchSize: 32, epochs: 1, stepsPerEpoch: 4, lr: 1e-3 };
    for (const classifierMode of ['eval', 'train'] as const) {
      const seen: string[] = [];
      const r = await trainCalibrator({ classifier, sourceTrain: source, targetTrain: target, config: { ...config, classifierMode } }, { metric: (name) => seen.push(name) });
      expect(r.steps).toBe(4);
      expect(seen).toContain('feature_d_accuracy_calibrated_target');
      expect(seen).toContain('pixel_d_accuracy_source');
      expect(seen).toContain('calibrator_loss');
      for (const [name, w] of Object.entries(classifier.params)) expect(r.classifier.params[name]).toEqual(w);
      const bn = Object.keys(classifier.buffers).find((n) => n.endsWith('running_mean'))!;
      if (classifierMode === 'eval') expect(r.classifier.buffers[bn]).toEqual(classifier.buffers[bn]);
      else expect(r.classifier.buffers[bn]).not.toEqual(classifier.buffers[bn]);
      // A calibrator that changed something: its weights moved from their seeded start.
      const combined = combinedModel(r.classifier, r.calibrator, config);
      expect(combined.architecture.kind).toBe('onnx');
      const viaOnnx = await evaluateClassifier(combined, target);
      const evaluator = await CalibratedEvaluator.create(r.classifier, config, 64);
      const direct = await evaluator.evaluate(CalibratedEvaluator.stateOf(r.calibrator, r.classifier), target);
      expect(Array.from(viaOnnx.predictions)).toEqual(Array.from(direct.predictions));
      expect(direct.linf).toBeGreaterThan(0);
      expect(direct.linf).toBeLessThanOrEqual(config.eps + 1e-6);
      expect(direct.l2).toBeGreaterThanOrEqual(direct.linf);
    }
    const macs = inferenceMacs(classifier, {}, config);
    expect(macs.combined).toBeGreaterThan(macs.classifier);
  }, 120_000);

  it('AdaBN re-estimates batch-norm statistics on the target images only', async () => {
    const classifier = await trainedClassifier();
    const r = await adaptBatchNorm(classifier, target, { batchSize: 32 });
    expect(r.layers).toBeGreaterThan(0);
    expect(r.batches).toBeGreaterThanOrEqual(50);
    const name = Object.keys(classifier.buffers).find((n) => n.endsWith('running_mean'))!;
    expect(r.model.buffers[name]).not.toEqual(classifier.buffers[name]);
    for (const [n, w] of Object.entries(classifier.params)) expect(r.model.params[n]).toBe(w);
    // The first layer's running mean is the mean of the conv output over target images: a darker,
    // lower-contrast target gives a different one, and re-running on the source gives back (close to) the source's.
    const back = await adaptBatchNorm(r.model, source, { batchSize: 32 });
    const a = Array.from(back.model.buffers[name]!);
    const b = Array.from((await adaptBatchNorm(classifier, source, { batchSize: 32 })).model.buffers[name]!);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 2));
    const mlp = createZooModel(source, { architecture: 'mlp', seed: 1 });
    expect((await adaptBatchNorm(mlp, target)).layers).toBe(0);
  }, 60_000);
});

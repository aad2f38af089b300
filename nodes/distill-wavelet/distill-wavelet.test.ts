import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/compute/data/generated';
import { imageTaskDataset, padImages } from '../../src/compute/data/image-tasks';
import { NO_SHIFT } from '../../src/compute/data/transforms';
import { createZooModel } from '../../src/compute/model/model';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const shapes = (count: number, stream: number) => generateDataset({ classes: 3, count, size: 16, channels: 1, seed: 2, stream, name: 'shapes' });
const task = (count: number, stream: number) => imageTaskDataset(shapes(count, stream), 'super-resolution', { noise: 0, shift: NO_SHIFT, shuffleTargets: false, seed: 1, stream });
const train = task(48, 1);
const test = task(12, 2);
const teacher = createZooModel(train, { architecture: 'unet-small', seed: 1, options: { ngf: 8, depth: 2 } });
// Optional inputs left unwired.
const unwired = { student: undefined, teacherReverse: undefined, classifier: undefined };
const small = { ndf: 4, dLayers: 2, batchSize: 8, epochs: 1, decayEpochs: 0, lr: 2e-3, levels: 2, latencyRuns: 2, samples: 2 };

describe('condense.distill.wavelet', () => {
  it('distils a student at a quarter of the teacher width with WKD and reports scores, ratios and plots', { timeout: 120_000 }, async () => {
    const classifier = createZooModel(padImages(shapes(24, 3), [1, 16, 16]), { architecture: 'lenet5', seed: 2 });
    const { outputs, ctx } = await runNode(node, { inputs: { ...unwired, teacher, train, test, classifier }, params: small });
    const v = outputs.metrics.values;
    expect(v.param_ratio).toBeGreaterThan(8);
    expect(v.mac_ratio).toBeGreaterThan(8);
    expect(v.speedup).toBeGreaterThan(0);
    for (const k of ['psnr', 'teacher_psnr', 'hf_error_vs_teacher', 'hf_energy_ratio', 'frechet', 'teacher_frechet', 'input_frechet']) expect(Number.isFinite(v[k]), k).toBe(true);
    expect(ctx.recorded.metrics.map((m) => m.name)).toContain('wkd');
    expect(outputs.report.images.map((i) => i.name)).toEqual(['teacher-student-grid.png', 'band-errors.png', 'spectra.png', 'samples-epoch-1.png']);
    expect(outputs.model.name).toMatch(/x0.25 student/);
    expect(outputs.model.meta.lineage.at(-1)).toMatchObject({ node: 'condense.distill.wavelet', params: { method: 'wkd', levels: 2 } });
  });

  it('runs the baselines in the same node: pixel-kd streams its term, none has none', { timeout: 120_000 }, async () => {
    const pixel = await runNode(node, { inputs: { ...unwired, teacher, train, test }, params: { ...small, method: 'pixel-kd', latencyRuns: 0 } });
    expect(pixel.ctx.recorded.metrics.map((m) => m.name)).toContain('pixel_kd');
    const none = await runNode(node, { inputs: { ...unwired, teacher, train, test }, params: { ...small, method: 'none', latencyRuns: 0 } });
    const names = new Set(none.ctx.recorded.metrics.map((m) => m.name));
    expect(names.has('wkd') || names.has('pixel_kd')).toBe(false);
    expect(none.outputs.metrics.values.speedup).toBeUndefined();
  });

  it('bad input before training: a classifier as teacher, teacher and student of different shapes, J too large', async () => {
    const p = node.params.parse({ levels: 6 });
    const { issues } = node.infer!(p, {
      teacher: { task: 'classify', modelName: 'lenet5', shape: [1, 32, 32] },
      student: { task: 'image-to-image', modelName: 'unet-small', shape: [1, 16, 16] },
      train: { task: 'paired', shape: [1, 32, 32] },
      classifier: { task: 'image-to-image', modelName: 'unet-small' },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { port: 'teacher', message: expect.stringMatching(/lenet5 is a classify model; a generator/) },
        { port: 'student', message: expect.stringMatching(/student takes 1x16x16 images but the teacher 1x32x32/) },
        { param: 'levels', message: expect.stringMatching(/levels 6 is too many for 32x32 images/) },
        { port: 'classifier', message: expect.stringMatching(/needs a classifier/) },
      ]),
    );
    await expect(runNode(node, { inputs: { ...unwired, teacher, train, test }, params: { ...small, levels: 5 } })).rejects.toMatchObject({ detail: { param: 'levels' } });
    const rgb = imageTaskDataset(generateDataset({ classes: 3, count: 8, size: 16, channels: 3, seed: 2, stream: 1, name: 'rgb' }), 'edges', { noise: 0, shift: NO_SHIFT, shuffleTargets: false, seed: 1 });
    const otherStudent = createZooModel(rgb, { architecture: 'unet-small', options: { ngf: 2, depth: 2 } });
    await expect(runNode(node, { inputs: { ...unwired, teacher, train, test, student: otherStudent }, params: small })).rejects.toMatchObject({ detail: { port: 'student' }, message: expect.stringMatching(/must match/) });
    const classifier = createZooModel(shapes(8, 1), { architecture: 'lenet5' });
    await expect(runNode(node, { inputs: { ...unwired, teacher: classifier, train, test }, params: small })).rejects.toMatchObject({ detail: { port: 'teacher' } });
  });
});

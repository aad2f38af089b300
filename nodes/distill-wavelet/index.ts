// The wavelet distiller: trains a small student generator from a frozen teacher with its GAN objective
// plus wavelet knowledge distillation on the high-frequency Haar bands (src/compute/distill/wkd.ts), or
// plain pixel distillation, or no distillation, so the baselines run here with the same budget. Then
// scores student and teacher (src/compute/gan/evaluate-generators.ts) and exports the student.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { DISTILL_METHODS, distillTerm, WKD_DEFAULTS, waveletLevelProblem } from '../../src/compute/distill/wkd';
import { classifierProblem, evaluateGenerators, modelCost, type GeneratorEvaluation } from '../../src/compute/gan/evaluate-generators';
import { trainGan } from '../../src/compute/gan/train-gan';
import { encodePng } from '../../src/compute/image/codec';
import { renderImageColumns } from '../../src/compute/image/image-columns';
import { renderGroupedBars, renderLineChart } from '../../src/compute/image/series-charts';
import { createZooModel, dataMismatch, withStage, type Model } from '../../src/compute/model/model';
import { NonFiniteLossError } from '../../src/compute/train/fit';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';
import { generatorIssues } from '../train-gan/index';
import { ganConfigOf, ganParamIssues, ganParams, pairedProblem, writeSampleStrip } from '../train-gan/gan-params';

export const distillWaveletParams = z.object({
  method: z
    .enum(DISTILL_METHODS)
    .default('wkd')
    .meta({ help: 'wkd: distil the LH, HL, HH Haar bands of the teacher output (never LL). pixel-kd: MSE on whole images. none: the student alone (baseline).' }),
  alpha: z.number().min(0).max(100).default(WKD_DEFAULTS.alpha).meta({ help: 'Weight of the distillation term (0.4 in the released WKD run).', appliesWhen: { method: ['wkd', 'pixel-kd'] } }),
  levels: z.number().int().min(1).max(8).default(WKD_DEFAULTS.levels).meta({ help: 'wkd: Haar levels J distilled (4 in the released run; each halves the size).', appliesWhen: { method: ['wkd'] } }),
  width: z.number().min(0.05).max(1).default(0.25).meta({ help: 'Student width as a fraction of the teacher\'s (0.25: ngf 32 -> 8). Ignored when a student is wired in.' }),
  evalImages: z.number().int().min(0).max(100000).default(0).meta({ help: 'Score on the first this many test images; 0: all.', unit: 'images' }),
  latencyRuns: z.number().int().min(0).max(1000).default(20).meta({ help: 'Timed onnxruntime runs of teacher and student (batch 1, median reported); 0 skips latency.' }),
  ...ganParams,
});

const round = (v: number | undefined, digits = 4): number => (v !== undefined && Number.isFinite(v) ? Number(v.toFixed(digits)) : NaN);

/** The student: the teacher's zoo architecture at `width` of its width, fresh weights. */
export function studentOf(teacher: Model, train: Dataset, width: number, seed: number): Model {
  const arch = teacher.architecture;
  if (arch.kind !== 'zoo') throw new NodeError(`${teacher.name} is an imported model; wire a student Model in, or use a zoo teacher`, { port: 'student' });
  const student = createZooModel(train, { architecture: arch.name, width: arch.width * width, seed: seed + 31, options: arch.options });
  return { ...student, name: `${arch.name} x${width} student` };
}

export default defineNode({
  type: 'condense.distill.wavelet',
  version: 1,
  title: 'Wavelet distiller',
  category: 'Compress',
  description: 'Distils a small generator from a trained teacher GAN on the high-frequency wavelet bands (WKD, CVPR 2022), or by pixel MSE, or not at all; pix2pix or CycleGAN objective. Scores PSNR, SSIM, band errors, HF energy, Frechet distance, size and speed.',
  inputs: {
    teacher: { type: 'Model', required: true, constraints: { task: 'image-to-image' }, description: 'The trained teacher generator (A -> B), kept frozen.' },
    train: { type: 'Dataset', required: true, constraints: { task: 'paired' }, description: 'The data the teacher was trained on (pairs, or two domains for cycle).' },
    test: { type: 'Dataset', required: true, constraints: { task: 'paired' }, description: 'Aligned pairs (the ground truth) for the scores.' },
    student: { type: 'Model', constraints: { task: 'image-to-image' }, description: 'A student generator to start from; default the teacher architecture at `width`.' },
    teacherReverse: { type: 'Model', constraints: { task: 'image-to-image' }, description: 'cycle: the teacher B -> A generator, so both directions are distilled.' },
    classifier: { type: 'Model', constraints: { task: 'classify' }, description: 'A classifier of the target images, for the Frechet distance in its feature space.' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'image-to-image' }, description: 'The trained student, this stage (method, scores, ratios) in its lineage.' },
    metrics: { type: 'Metrics', description: 'Student and teacher PSNR, SSIM, high-band error (vs target, vs teacher), HF energy ratio, Frechet distances, params, MACs, latency, ratios; band and per-epoch tables.' },
    report: { type: 'Report', description: 'Image grid (input | target | teacher | student), band-error bars, spectra, sample strips of every epoch.' },
  },
  params: distillWaveletParams,
  infer: (p, inputs): InferResult => {
    const issues: NonNullable<InferResult['issues']> = [...generatorIssues(inputs.teacher, 'teacher'), ...generatorIssues(inputs.student, 'student'), ...generatorIssues(inputs.teacherReverse, 'teacherReverse'), ...ganParamIssues(p)];
    if (inputs.classifier?.task && inputs.classifier.task !== 'classify')
      issues.push({ port: 'classifier', message: `${inputs.classifier.modelName ?? 'this model'} is a ${inputs.classifier.task} model; the Frechet distance needs a classifier` });
    const t = inputs.teacher?.shape;
    const s = inputs.student?.shape;
    if (t && s && t.join('x') !== s.join('x')) issues.push({ port: 'student', message: `the student takes ${s.join('x')} images but the teacher ${t.join('x')}; teacher and student must read and write the same images` });
    const shape = inputs.train?.shape ?? t;
    if (shape && p.method === 'wkd') {
      const problem = waveletLevelProblem(p.levels, shape[1], shape[2]);
      if (problem) issues.push({ param: 'levels', message: problem });
    }
    if (t && inputs.train?.shape && t.join('x') !== inputs.train.shape.join('x')) issues.push({ port: 'train', message: `the teacher takes ${t.join('x')} images but this dataset has ${inputs.train.shape.join('x')}` });
    if (inputs.classifier?.shape && shape && inputs.classifier.shape.join('x') !== shape.join('x'))
      issues.push({ port: 'classifier', message: `the classifier reads ${inputs.classifier.shape.join('x')} images but the generators make ${shape.join('x')} ones` });
    return { outputs: { model: inputs.student ?? inputs.teacher ?? {} }, issues };
  },
  async execute(ctx) {
    const { teacher, train, test, classifier, teacherReverse } = ctx.inputs;
    const p = ctx.params;
    const started = performance.now();
    for (const [port, m] of [['teacher', teacher], ['student', ctx.inputs.student], ['teacherReverse', teacherReverse]] as const)
      if (m && m.meta.task !== 'image-to-image') throw new NodeError(`${m.name} is a ${m.meta.task} model; a generator is expected`, { port });
    for (const [port, data] of [['train', train], ['test', test]] as const) {
      const problem = pairedProblem(data) ?? dataMismatch(teacher, data);
      if (problem) throw new NodeError(problem, { port });
    }
    for (const issue of ganParamIssues(p)) throw new NodeError(issue.message, { param: issue.param });
    const [, h, w] = train.shape;
    if (p.method === 'wkd') {
      const problem = waveletLevelProblem(p.levels, h, w);
      if (problem) throw new NodeError(problem, { param: 'levels' });
    }
    const student = ctx.inputs.student ?? studentOf(teacher, train, p.width, p.seed);
    const outShape = (m: Model) => (m.meta.outputShape ?? m.meta.inputShape).join('x');
    if (outShape(student) !== outShape(teacher) || student.meta.inputShape.join('x') !== teacher.meta.inputShape.join('x'))
      throw new NodeError(`the student maps ${student.meta.inputShape.join('x')} to ${outShape(student)} images, the teacher ${teacher.meta.inputShape.join('x')} to ${outShape(teacher)}; they must match`, { port: 'student' });
    if (classifier) {
      const problem = classifierProblem(classifier, test.targetShape!);
      if (problem) throw new NodeError(problem, { port: 'classifier' });
    }
    if (train.count < p.batchSize) throw new NodeError(`batchSize ${p.batchSize} is larger than the ${train.count} train images`, { param: 'batchSize' });

    const term = distillTerm(p.method, { levels: p.levels, alpha: p.alpha });
    const strips: ArtifactRef[] = [];
    const normalize = { mean: [...train.normalize.mean], std: [...train.normalize.std] };
    const start: Model = { ...student, meta: { ...student.meta, normalize } };
    let result;
    try {
      result = await trainGan(
        {
          config: ganConfigOf(p),
          train,
          test,
          generator: start,
          distill: term ? { teacher, teacherBA: p.mode === 'cycle' ? teacherReverse : undefined, term } : undefined,
          samples: p.samples,
          onSamples: (epoch, rows) => writeSampleStrip(ctx.artifacts, epoch, rows, strips),
        },
        { signal: ctx.signal, progress: (f, m) => ctx.progress(0.85 * f, m), metric: (n, v, s) => ctx.metric(n, v, s), log: (m) => ctx.log(m) },
      );
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
      throw e;
    }
    if (p.mode === 'cycle' && term && !teacherReverse) ctx.log('no teacherReverse wired: only the A -> B direction was distilled', 'warn');

    ctx.progress(0.87, 'scoring teacher and student');
    const ev = await evaluateGenerators(result.generator, test, { teacher, classifier, levels: Math.min(3, p.levels), maxImages: p.evalImages, signal: ctx.signal });
    ctx.progress(0.95, 'measuring size and latency');
    const [tc, sc] = [await modelCost(teacher, { latencyRuns: p.latencyRuns, signal: ctx.signal }), await modelCost(result.generator, { latencyRuns: p.latencyRuns, signal: ctx.signal })];
    const values = distillFigures(ev, tc, sc);
    values.seconds = round((performance.now() - started) / 1000, 1);
    values.train_seconds = round(result.seconds, 1);

    const stageParams = { method: p.method, mode: p.mode, alpha: p.alpha, levels: p.levels, ndf: p.ndf, epochs: p.epochs, width: ctx.inputs.student ? 'given' : p.width, teacher: teacher.name, train: train.name };
    const model = withStage(result.generator, { node: 'condense.distill.wavelet', params: stageParams, metrics: values });
    const { images, tables } = await reportOf(ctx.artifacts, ev, test, values);
    images.push(...[...strips].reverse());
    const text =
      `${p.method}: student PSNR ${values.psnr} dB (teacher ${values.teacher_psnr}), high-band error vs teacher ${values.hf_error_vs_teacher}, ` +
      `HF energy ratio ${values.hf_energy_ratio}, ${values.param_ratio}x fewer params, ${values.mac_ratio}x fewer MACs` + (Number.isFinite(values.speedup) ? `, ${values.speedup}x faster` : '');
    ctx.log(text);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables };
    const report: Report = { kind: 'report', title: `Wavelet distiller (${p.method}): ${teacher.name} -> ${model.name}`, images, tables, text };
    return { model, metrics, report };
  },
});

/** The node's figures from an evaluation and the two costs (also what the benchmark reads). */
export function distillFigures(ev: GeneratorEvaluation, teacher: { parameters: number; macs: number; latencyMs?: number }, student: { parameters: number; macs: number; latencyMs?: number }): Record<string, number> {
  const values: Record<string, number> = {
    count: ev.count,
    psnr: round(ev.student.psnr, 3),
    ssim: round(ev.student.ssim),
    l1: round(ev.student.l1),
    hf_error: round(ev.student.hfError, 6),
    hf_error_vs_teacher: round(ev.hfErrorVsTeacher, 6),
    hf_energy_ratio: round(ev.hfEnergyRatio),
    teacher_psnr: round(ev.teacher?.psnr, 3),
    teacher_ssim: round(ev.teacher?.ssim),
    teacher_hf_error: round(ev.teacher?.hfError, 6),
    params_teacher: teacher.parameters,
    params_student: student.parameters,
    param_ratio: round(teacher.parameters / student.parameters, 2),
    macs_teacher: teacher.macs,
    macs_student: student.macs,
    mac_ratio: round(teacher.macs / student.macs, 2),
  };
  if (ev.student.frechet !== undefined) values.frechet = round(ev.student.frechet, 3);
  if (ev.teacher?.frechet !== undefined) values.teacher_frechet = round(ev.teacher.frechet, 3);
  if (ev.inputFrechet !== undefined) values.input_frechet = round(ev.inputFrechet, 3);
  if (teacher.latencyMs !== undefined && student.latencyMs !== undefined) {
    values.latency_ms_teacher = round(teacher.latencyMs, 3);
    values.latency_ms_student = round(student.latencyMs, 3);
    values.speedup = round(teacher.latencyMs / student.latencyMs, 2);
  }
  return values;
}

async function reportOf(artifacts: Parameters<typeof writeSampleStrip>[0], ev: GeneratorEvaluation, test: Dataset, values: Record<string, number>): Promise<{ images: ArtifactRef[]; tables: Table[] }> {
  const shape = test.targetShape!;
  const size = shape[0] * shape[1] * shape[2];
  const n = Math.min(8, ev.count);
  const pixels = (unit: Float32Array) => Uint8Array.from(unit.subarray(0, n * size), (v) => Math.round(v * 255));
  const grid = renderImageColumns(
    [
      { title: 'input', pixels: test.pixels.subarray(0, n * test.shape[0] * test.shape[1] * test.shape[2]) },
      { title: 'target', pixels: test.targets!.subarray(0, n * size) },
      { title: 'teacher', pixels: pixels(ev.teacher!.outputs) },
      { title: 'student', pixels: pixels(ev.student.outputs) },
    ],
    shape,
    n,
  );
  const categories = ev.student.bands.flatMap((b) => [`${b.level}LH`, `${b.level}HL`, `${b.level}HH`]);
  const flat = (bands: { lh: number; hl: number; hh: number }[]) => bands.flatMap((b) => [b.lh, b.hl, b.hh]);
  const bars = renderGroupedBars(
    categories,
    [
      { name: 'student vs target', values: flat(ev.student.bands) },
      { name: 'teacher vs target', values: flat(ev.teacher!.bands) },
      { name: 'student vs teacher', values: flat(ev.bandsVsTeacher!) },
    ],
    'Haar band error (MSE of coefficients)',
  );
  const spectra = renderLineChart(
    [
      { name: 'target', values: ev.targetSpectrum },
      { name: 'teacher', values: ev.teacher!.spectrum },
      { name: 'student', values: ev.student.spectrum },
    ],
    'log10 power spectrum',
    'radial frequency ->',
  );
  const images = [
    await artifacts.write('teacher-student-grid.png', encodePng(grid), 'image/png'),
    await artifacts.write('band-errors.png', encodePng(bars), 'image/png'),
    await artifacts.write('spectra.png', encodePng(spectra), 'image/png'),
  ];
  const bandTable: Table = {
    title: 'Haar band errors per level (MSE of coefficients, images in [0, 1])',
    columns: ['level', 'band', 'student vs target', 'teacher vs target', 'student vs teacher'],
    rows: ev.student.bands.flatMap((b, l) =>
      (['lh', 'hl', 'hh', 'll'] as const).map((band) => [b.level, band.toUpperCase(), round(b[band], 6), round(ev.teacher!.bands[l]![band], 6), round(ev.bandsVsTeacher![l]![band], 6)]),
    ),
  };
  const spectrumTable: Table = {
    title: 'log10 radially averaged power spectrum',
    columns: ['radius', 'target', 'teacher', 'student'],
    rows: ev.targetSpectrum.map((v, r) => [r, round(v, 3), round(ev.teacher!.spectrum[r], 3), round(ev.student.spectrum[r], 3)]),
  };
  const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).map(([k, v]) => [k, v]) };
  return { images, tables: [summary, bandTable, spectrumTable] };
}

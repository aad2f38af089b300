// Frequency-controlled training (arXiv 1911.12044; methods.md section 9, step 2): trains a classifier
// with its first conv layer's high-frequency content controlled, either by a penalty beta * (energy
// above the cutoff) or by the learnable modulation w_k = LP(w_k) + m_k HP(w_k), m_k = sigmoid(g_k),
// with a penalty on mean(m) and a random perturbation of each kernel's power spectrum while training.
// The method is src/compute/frequency/frequency-training.ts, a recipe on the fit loop; the layer's
// high-frequency proportion streams as a curve.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { firstConvLayer, trainFrequencyControlled } from '../../src/compute/frequency/frequency-training';
import { kernelSpectra } from '../../src/compute/frequency/spectrum';
import { encodePng } from '../../src/compute/image/codec';
import { renderKernelSpectra, renderLineChart } from '../../src/compute/image/robustness-charts';
import { dataMismatch, withStage } from '../../src/compute/model/model';
import { NonFiniteLossError } from '../../src/compute/model/train';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataIssues } from '../../src/shared/port-facts';
import { seedParam, trainingParams } from '../../src/shared/training-params';
import type { Metrics, Report, Table } from '../../src/shared/values';
import { firstConvIssues, spectrumParams } from '../analyze-frequency/index';

const penaltyOnly = { control: ['penalty'] } as const;
const modulationOnly = { control: ['modulation'] } as const;

export const frequencyTrainParams = z.object({
  control: z
    .enum(['modulation', 'penalty'])
    .default('modulation')
    .meta({ help: 'modulation: learn m_k in LP(w_k) + m_k HP(w_k) with a penalty on mean(m) and a power-spectrum perturbation. penalty: add beta x the high-frequency energy of the first-layer kernels to the loss.' }),
  beta: z.number().min(0).max(1000).default(0.1).meta({ help: 'Weight of the first-layer high-frequency energy (in units of the squared weights) in the loss.', appliesWhen: penaltyOnly }),
  modulationPenalty: z.number().min(0).max(100).default(0.05).meta({ help: 'lambda of the penalty lambda x mean(m): larger keeps fewer high frequencies.', appliesWhen: modulationOnly }),
  perturbation: z.number().min(0).max(3).default(0.5).meta({ help: 'sigma of the random gains exp(sigma N(0,1)) on each kernel\'s low and high band every step (0: no perturbation).', appliesWhen: modulationOnly }),
  modulationInit: z.number().min(0.01).max(0.99).default(0.95).meta({ help: 'Initial m of every kernel.', appliesWhen: modulationOnly }),
  modulationLr: z.number().positive().max(10).default(0.05).meta({ help: 'Learning rate of the gates g_k (m = sigmoid(g)).', appliesWhen: modulationOnly }),
  ...spectrumParams,
  ...trainingParams({ defaults: { epochs: 2, optimizer: 'adam', lr: 1e-3, schedule: 'cosine' } }),
  seed: seedParam('Seed of the data order and of the power-spectrum perturbation.'),
});

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

export default defineNode({
  type: 'condense.train.frequency',
  version: 1,
  title: 'Train (frequency-controlled)',
  category: 'Train',
  description:
    "Trains a classifier with its first conv layer's high-frequency content controlled: a penalty on the energy above a cutoff, or a learned low/high-pass modulation with a power-spectrum perturbation; the layer's high-frequency proportion streams as a curve.",
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'A classifier whose first weight layer is a 2-D convolution (its weights are the starting point).' },
    train: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Training images.' },
    validation: { type: 'Dataset', constraints: { task: 'classify' }, description: 'Optional: accuracy after every epoch (an empty dataset counts as none).' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'The trained model; with modulation its first layer holds the baked LP(w) + m HP(w), so it is a plain model.' },
    metrics: { type: 'Metrics', description: 'loss, accuracy, val_accuracy, high_frequency_proportion (before and after), mean_high_share, mean_modulation; per-epoch and per-kernel tables.' },
    report: { type: 'Report', description: 'The high-frequency proportion over the steps, and the trained kernels beside their spectra.' },
  },
  params: frequencyTrainParams,
  infer: (p, inputs) => {
    const issues = [
      ...classifierIssues(inputs.model, 'Train (frequency-controlled)'),
      ...modelDataIssues(inputs, ['train', 'validation']),
      ...firstConvIssues(inputs.model, 'frequency-controlled training', p.pad),
    ] as NonNullable<InferResult['issues']>;
    return { outputs: { model: inputs.model ?? {} }, issues };
  },
  async execute(ctx) {
    const { model, train } = ctx.inputs;
    const p = ctx.params;
    const validation: Dataset | undefined = ctx.inputs.validation && ctx.inputs.validation.count > 0 ? ctx.inputs.validation : undefined;
    if (model.meta.task !== 'classify') throw new NodeError(`${model.name} is an ${model.meta.task} model; frequency-controlled training needs a classifier`, { port: 'model' });
    for (const [port, data] of [['train', train], ['validation', validation]] as const) {
      const problem = data && dataMismatch(model, data);
      if (problem) throw new NodeError(problem, { port });
    }
    if (train.count === 0) throw new NodeError(`${train.name} is empty`, { port: 'train' });
    const first = firstConvLayer(model);
    if ('problem' in first) throw new NodeError(first.problem, { port: 'model' });
    const [, , kh, kw] = first.layer.shape;
    if (p.pad < Math.max(kh!, kw!)) throw new NodeError(`pad ${p.pad} is smaller than ${first.layer.name}'s ${kh}x${kw} kernels`, { param: 'pad' });
    const before = kernelSpectra(model.params[first.layer.name]!, first.layer.shape, p);

    let r;
    try {
      r = await trainFrequencyControlled(
        model,
        train,
        { ...p, validation },
        { signal: ctx.signal, progress: (f, m) => ctx.progress(0.95 * f, m), metric: (n, v, s) => ctx.metric(n, v, s), log: (m) => ctx.log(m) },
      );
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
      throw e;
    }
    const layer = r.layer;
    const after = kernelSpectra(r.model.params[layer.name]!, layer.shape, p);
    const last = r.epochs.at(-1)!;
    const values: Record<string, number> = {
      loss: round(last.loss),
      accuracy: round(last.accuracy),
      ...(last.valAccuracy !== undefined && { val_accuracy: round(last.valAccuracy) }),
      high_frequency_proportion: round(after.highProportion),
      high_frequency_proportion_before: round(before.highProportion),
      mean_high_share: round(after.meanHighShare),
      mean_high_share_before: round(before.meanHighShare),
      ...(r.modulation && { mean_modulation: round(r.modulation.reduce((a, b) => a + b, 0) / r.modulation.length) }),
      epochs: r.epochs.length,
      seconds_per_epoch: round(r.epochs.reduce((s, e) => s + e.seconds, 0) / r.epochs.length, 2),
    };
    const tables: Table[] = [
      {
        title: 'Per epoch',
        columns: ['epoch', 'loss (with the frequency term)', 'train accuracy', 'val_accuracy', 'seconds'],
        rows: r.epochs.map((e) => [e.epoch, round(e.loss), round(e.accuracy), e.valAccuracy === undefined ? null : round(e.valAccuracy), round(e.seconds, 2)]),
      },
      {
        title: `${layer.name}: each kernel's high-frequency share before and after${r.modulation ? ', and its learned m' : ''}`,
        columns: ['kernel', 'share before', 'share after', ...(r.modulation ? ['m'] : [])],
        rows: after.highShare.map((s, k) => [k, round(before.highShare[k]!), round(s), ...(r.modulation ? [round(r.modulation[k]!)] : [])]),
      },
    ];
    const curve = renderLineChart(
      [
        { name: 'high-frequency proportion', points: r.curve.map((c) => [c.step, c.proportion] as const) },
        { name: 'mean high-frequency share', points: r.curve.map((c) => [c.step, c.meanShare] as const) },
      ],
      { title: `${layer.name} over training (${p.control})`, xLabel: 'step', yRange: [0, 1] },
    );
    const images = [
      await ctx.artifacts.write('high-frequency-curve.png', encodePng(curve), 'image/png'),
      await ctx.artifacts.write('kernel-spectra.png', encodePng(renderKernelSpectra(r.model.params[layer.name]!, layer.shape, after)), 'image/png'),
    ];
    const method = p.control === 'penalty' ? `penalty beta ${p.beta}` : `modulation (lambda ${p.modulationPenalty}, perturbation sigma ${p.perturbation})`;
    const text = `${method}, ${r.epochs.length} epochs: ${layer.name}'s high-frequency proportion ${values.high_frequency_proportion_before} -> ${values.high_frequency_proportion} (mean share ${values.mean_high_share_before} -> ${values.mean_high_share})${values.mean_modulation !== undefined ? `, mean m ${values.mean_modulation}` : ''}; train accuracy ${(100 * last.accuracy).toFixed(2)}%${last.valAccuracy !== undefined ? `, validation ${(100 * last.valAccuracy).toFixed(2)}%` : ''}.`;
    ctx.log(text);
    const trained = withStage(r.model, { node: 'condense.train.frequency', params: { control: p.control, beta: p.beta, modulationPenalty: p.modulationPenalty, perturbation: p.perturbation, epochs: p.epochs, lr: p.lr, train: train.name }, metrics: values });
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables };
    const report: Report = { kind: 'report', title: `Frequency-controlled training: ${model.name}`, images, tables: [{ title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values) }, ...tables], text };
    return { model: trained, metrics, report };
  },
});

// The GAN trainer: trains an image-to-image generator adversarially, pix2pix-style on paired data or
// CycleGAN-style on two unpaired domains (src/compute/gan), with live curves of every loss and a
// sample strip every epoch.
import { z } from 'zod';
import { evaluateGenerators } from '../../src/compute/gan/evaluate-generators';
import { trainGan } from '../../src/compute/gan/train-gan';
import { dataMismatch, withStage, type Model } from '../../src/compute/model/model';
import { NonFiniteLossError } from '../../src/compute/train/fit';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';
import { ganConfigOf, ganParamIssues, ganParams, pairedProblem, writeSampleStrip } from './gan-params';

export const trainGanParams = z.object(ganParams);

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

/** A generator on `port` that the facts say is something else (a classifier, a discriminator). */
export function generatorIssues(facts: { task?: string; modelName?: string } | undefined, port: string): { port: string; message: string }[] {
  if (!facts?.task || facts.task === 'image-to-image') return [];
  return [{ port, message: `${facts.modelName ?? 'this model'} is a ${facts.task} model; a generator (resnet-generator or unet-small) is expected here` }];
}

export default defineNode({
  type: 'condense.train.gan',
  version: 1,
  title: 'Train GAN',
  category: 'Train',
  description: 'Trains an image-to-image generator adversarially: pix2pix on paired images, or CycleGAN on two unpaired domains. Live loss curves, a sample strip every epoch.',
  inputs: {
    generator: { type: 'Model', required: true, constraints: { task: 'image-to-image' }, description: 'The generator to train (A -> B): resnet-generator or unet-small from the Model node.' },
    train: { type: 'Dataset', required: true, constraints: { task: 'paired' }, description: 'Paired images (pix2pix) or domain A as inputs and domain B as targets (cycle; their order is not used).' },
    test: { type: 'Dataset', constraints: { task: 'paired' }, description: 'Aligned pairs for the sample strip, test PSNR each epoch and the final scores.' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'image-to-image' }, description: 'The trained A -> B generator, this stage in its lineage.' },
    reverse: { type: 'Model', constraints: { task: 'image-to-image' }, description: 'cycle: the trained B -> A generator. pix2pix: the A -> B generator again.' },
    metrics: { type: 'Metrics', description: 'Final losses, test PSNR, SSIM and high-band error, seconds; the per-epoch table.' },
    report: { type: 'Report', description: 'Sample strips (input | target | generated) of every epoch.' },
  },
  params: trainGanParams,
  infer: (p, inputs): InferResult => {
    const issues: NonNullable<InferResult['issues']> = [...generatorIssues(inputs.generator, 'generator'), ...ganParamIssues(p)];
    if (inputs.generator?.shape && inputs.train?.shape && inputs.generator.shape.join('x') !== inputs.train.shape.join('x'))
      issues.push({ port: 'train', message: `the generator takes ${inputs.generator.shape.join('x')} images but this dataset has ${inputs.train.shape.join('x')}` });
    return { outputs: { model: inputs.generator ?? {}, reverse: inputs.generator ?? {} }, issues };
  },
  async execute(ctx) {
    const { generator, train, test } = ctx.inputs;
    const p = ctx.params;
    if (generator.meta.task !== 'image-to-image') throw new NodeError(`${generator.name} is a ${generator.meta.task} model; a generator is expected`, { port: 'generator' });
    for (const [port, data] of [['train', train], ['test', test]] as const) {
      if (!data) continue;
      const problem = pairedProblem(data) ?? dataMismatch(generator, data);
      if (problem) throw new NodeError(problem, { port });
    }
    for (const issue of ganParamIssues(p)) throw new NodeError(issue.message, { param: issue.param });
    if (train.count < p.batchSize) throw new NodeError(`batchSize ${p.batchSize} is larger than the ${train.count} train images`, { param: 'batchSize' });
    const config = ganConfigOf(p);
    const strips: ArtifactRef[] = [];
    const start: Model = { ...generator, meta: { ...generator.meta, normalize: { mean: [...train.normalize.mean], std: [...train.normalize.std] } } };
    let result;
    try {
      result = await trainGan(
        { config, train, test, generator: start, samples: p.samples, onSamples: (epoch, rows) => writeSampleStrip(ctx.artifacts, epoch, rows, strips) },
        { signal: ctx.signal, progress: (f, m) => ctx.progress(0.9 * f, m), metric: (n, v, s) => ctx.metric(n, v, s), log: (m) => ctx.log(m) },
      );
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
      throw e;
    }
    const last = result.epochs.at(-1)!;
    const values: Record<string, number> = { epochs: result.epochs.length, steps: result.steps, seconds: round(result.seconds, 1) };
    for (const [name, v] of Object.entries(last.losses)) values[`${name}_loss`] = round(v);
    for (const [name, v] of Object.entries(last.metrics)) values[name] = round(v);
    if (test) {
      ctx.progress(0.92, 'scoring the generator on the test images');
      const ev = await evaluateGenerators(result.generator, test, { signal: ctx.signal });
      Object.assign(values, { psnr: round(ev.student.psnr, 3), ssim: round(ev.student.ssim), l1: round(ev.student.l1), hf_error: round(ev.student.hfError, 6) });
    }
    const perEpoch: Table = {
      title: 'Per epoch',
      columns: ['epoch', ...Object.keys(last.losses).map((n) => `${n} loss`), ...Object.keys(last.metrics), ...Object.keys(last.extra), 'seconds'],
      rows: result.epochs.map((e) => [e.epoch, ...Object.values(e.losses).map((v) => round(v)), ...Object.values(e.metrics).map((v) => round(v)), ...Object.values(e.extra).map((v) => round(v, 3)), round(e.seconds, 2)]),
    };
    const stage = { node: 'condense.train.gan', params: { mode: p.mode, ganLoss: config.ganLoss, epochs: p.epochs, ndf: p.ndf, lr: p.lr, train: train.name }, metrics: values };
    const model = withStage(result.generator, stage);
    const reverse = result.generatorBA ? withStage(result.generatorBA, stage) : model;
    const text = `${p.mode} (${config.ganLoss}): ${result.steps} steps in ${values.seconds} s` + (values.psnr !== undefined ? `, test PSNR ${values.psnr} dB, SSIM ${values.ssim}` : '');
    ctx.log(text);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables: [perEpoch] };
    // Newest strip first, so the node's preview shows the latest epoch.
    const report: Report = { kind: 'report', title: `Train GAN (${p.mode}): ${generator.name}`, images: [...strips].reverse(), tables: [perEpoch], text };
    return { model, reverse, metrics, report };
  },
});

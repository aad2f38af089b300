// The supervised trainer: cross-entropy training of a classifier Model on a Dataset, with the usual
// optimisers, schedules, augmentation, validation and early stopping; loss and accuracy curves stream
// to the canvas while it runs.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { stratifiedSplit } from '../../src/compute/data/transforms';
import { dataMismatch, withStage } from '../../src/compute/model/model';
import { NonFiniteLossError, trainClassifier } from '../../src/compute/model/train';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataIssues } from '../../src/shared/port-facts';
import { seedParam, trainingParams } from '../../src/shared/training-params';
import type { Metrics, Table } from '../../src/shared/values';

export const trainParams = z.object({
  ...trainingParams(),
  augmentation: z
    .enum(['none', 'flip', 'shift-crop', 'flip+shift-crop'])
    .default('none')
    .meta({ help: 'flip: random horizontal flips. shift-crop: random shifts up to 1/8 of the size (padded crop).' }),
  validationSplit: z.number().min(0).max(0.5).default(0).meta({ help: 'Without a validation input: the fraction of each train class held out for validation. 0: none.' }),
  patience: z.number().int().min(0).max(1000).default(0).meta({ help: 'Early stopping: stop after this many epochs without a better validation accuracy and keep the best weights. 0: off.', unit: 'epochs' }),
  seed: seedParam('Seed of the data order, augmentation and validation split.'),
});

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

export default defineNode({
  type: 'condense.train.supervised',
  version: 1,
  title: 'Train (supervised)',
  category: 'Train',
  description: 'Trains a classifier with cross-entropy: SGD/Adam/AdamW, schedules, augmentation, validation and early stopping.',
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'The classifier to train (its weights are the starting point).' },
    train: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Training images.' },
    validation: { type: 'Dataset', constraints: { task: 'classify' }, description: 'Optional validation images (an empty dataset counts as none).' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'The trained model, with this stage appended to its lineage.' },
    metrics: { type: 'Metrics', description: 'Final loss and accuracy, validation accuracy, seconds per epoch; a table per epoch.' },
  },
  params: trainParams,
  infer: (p, inputs) => {
    const issues: NonNullable<InferResult['issues']> = [...classifierIssues(inputs.model, 'Train (supervised)'), ...modelDataIssues(inputs, ['train', 'validation'])];
    // Early stopping watches validation accuracy: with no validation input and no split there is none.
    if (p.patience > 0 && !('validation' in inputs) && p.validationSplit === 0)
      issues.push({ param: 'patience', message: 'early stopping needs validation data: connect a validation dataset or set validationSplit' });
    return { outputs: { model: inputs.model ?? {} }, issues };
  },
  async execute(ctx) {
    const { model } = ctx.inputs;
    const p = ctx.params;
    let train: Dataset = ctx.inputs.train;
    let validation: Dataset | undefined = ctx.inputs.validation && ctx.inputs.validation.count > 0 ? ctx.inputs.validation : undefined;
    for (const [port, data] of [['train', train], ['validation', validation]] as const) {
      const problem = data && dataMismatch(model, data);
      if (problem) throw new NodeError(problem, { port });
    }
    if (!validation && p.validationSplit > 0) {
      const { kept, moved } = stratifiedSplit(train, p.validationSplit, p.seed);
      train = kept;
      validation = moved;
      ctx.log(`held out ${moved.count} of ${moved.count + kept.count} train images for validation`);
    }
    if (train.count === 0) throw new NodeError(`${train.name} is empty`, { port: 'train' });
    if (p.patience > 0 && !validation) throw new NodeError('early stopping needs validation data: connect a validation dataset or set validationSplit', { param: 'patience' });
    if (p.batchSize > train.count) ctx.log(`batch size ${p.batchSize} is larger than the ${train.count} train images; using ${train.count}`, 'warn');

    // The model reads data as the train set is normalised; the output records it as its input contract.
    const start = { ...model, meta: { ...model.meta, normalize: { mean: [...train.normalize.mean], std: [...train.normalize.std] } } };
    let result;
    try {
      result = await trainClassifier(
        start,
        train,
        { ...p, validation },
        {
          signal: ctx.signal,
          progress: (fraction, message) => ctx.progress(fraction, message),
          metric: (name, value, step) => ctx.metric(name, value, step),
          log: (message) => ctx.log(message),
        },
      );
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NodeError(e.message, { param: 'lr' });
      throw e;
    }
    const last = result.epochs.at(-1)!;
    const values: Record<string, number> = {
      loss: round(last.loss),
      accuracy: round(last.accuracy),
      epochs: result.epochs.length,
      steps: result.steps,
      seconds_per_epoch: round(result.epochs.reduce((s, e) => s + e.seconds, 0) / result.epochs.length, 2),
    };
    const withVal = result.epochs.filter((e) => e.valAccuracy !== undefined);
    if (withVal.length > 0) {
      values.val_accuracy = round(p.patience > 0 ? Math.max(...withVal.map((e) => e.valAccuracy!)) : last.valAccuracy!);
      values.val_loss = round(last.valLoss!);
    }
    if (result.stoppedEarly) values.stopped_early = 1;
    const table: Table = {
      title: 'Per epoch',
      columns: ['epoch', 'loss', 'accuracy', 'val_accuracy', 'val_loss', 'seconds'],
      rows: result.epochs.map((e) => [
        e.epoch,
        round(e.loss),
        round(e.accuracy),
        e.valAccuracy === undefined ? null : round(e.valAccuracy),
        e.valLoss === undefined ? null : round(e.valLoss),
        round(e.seconds, 2),
      ]),
    };
    const trained = withStage(
      { ...start, params: result.params, buffers: result.buffers },
      { node: 'condense.train.supervised', params: { ...p, train: train.name }, metrics: values },
    );
    ctx.progress(1, `trained ${result.epochs.length} epochs`);
    const metrics: Metrics = { kind: 'metrics', values, tables: [table] };
    return { model: trained, metrics };
  },
});

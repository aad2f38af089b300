// The continual learner: AFEC (active forgetting with synaptic expansion-convergence, Wang et al. 2021,
// arXiv 2110.12187; methods.md section 6) and its baselines EWC and fine-tuning, on a sequence of tasks
// with one head per task on a zoo classifier's trunk. Reports the accuracy matrix a[t, u], A_T, BWT and
// the mean new-task accuracy, streams a row of the matrix after each task, and draws the matrix and the
// forgetting curves (beside another run's when its Metrics are wired into `compare`).
import { z } from 'zod';
import { CONTINUAL_METHODS, ContinualDivergedError, learnTasks, type ContinualMethod } from '../../src/compute/continual/afec';
import { matrixEntryName, type AccuracyMatrix } from '../../src/compute/continual/metrics';
import { createMultiHeadModel, trunkMismatch } from '../../src/compute/continual/multi-head';
import { renderAccuracyMatrix, renderForgettingCurves, sideBySide } from '../../src/compute/image/accuracy-matrix';
import { encodePng } from '../../src/compute/image/codec';
import { withStage } from '../../src/compute/model/model';
import { defineNode, NodeError } from '../../src/shared/node-sdk';
import { classifierIssues } from '../../src/shared/port-facts';
import { seedParam } from '../../src/shared/training-params';
import type { ArtifactRef, Metrics, Report, Table } from '../../src/shared/values';

export const continualParams = z.object({
  method: z
    .enum(CONTINUAL_METHODS)
    .default('afec')
    .meta({ help: 'afec: EWC plus a pull toward an expanded copy that learns each task freely (active forgetting). ewc: the Fisher penalty toward the old tasks only. mas: the same penalty weighted by MAS importance (gradient of the output norm). finetune: no penalty.' }),
  lambda: z
    .number()
    .min(0)
    .default(10000)
    .meta({ help: 'Strength of lambda/2 sum F_old (theta - theta_old)^2, the pull toward the old tasks (Fisher from batches of 20, so it matches the AFEC code\'s scale; MAS: its importance).', appliesWhen: { method: ['afec', 'ewc', 'mas'] } }),
  lambdaE: z
    .number()
    .min(0)
    .default(1)
    .meta({ help: 'Strength of lambda_e/2 sum F_e (theta - theta_e*)^2, the pull toward the expanded copy trained on the new task.', appliesWhen: { method: ['afec'] } }),
  epochs: z.number().int().min(1).max(1000).default(3).meta({ help: 'Epochs per task (of each network).', unit: 'epochs' }),
  batchSize: z.number().int().min(2).max(4096).default(256).meta({ help: 'Training batch (the Fisher always uses batches of 20).', unit: 'images' }),
  optimizer: z.enum(['adam', 'sgd']).default('adam').meta({ help: 'A fresh optimizer per task for each network.' }),
  lr: z.number().positive().max(10).default(1e-3).meta({ help: 'Learning rate.' }),
  momentum: z.number().min(0).max(0.999).default(0.9).meta({ help: 'SGD momentum.', appliesWhen: { optimizer: ['sgd'] } }),
  evalCount: z.number().int().min(0).max(10_000_000).default(0).meta({ help: 'Test images per task for the accuracy matrix (the first ones). 0: all.', unit: 'images' }),
  seed: seedParam('Seed of the heads and of the data order.'),
});
type Params = z.infer<typeof continualParams>;

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
const METHOD_TITLES: Record<ContinualMethod, string> = { afec: 'AFEC', ewc: 'EWC', mas: 'MAS', finetune: 'fine-tune' };
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '' : `${(100 * v).toFixed(1)}`);

/** The title a run's Metrics carry (table `Run`), so a compared run is named by its method and lambdas. */
function runTitle(p: Params): string {
  if (p.method === 'finetune') return 'fine-tune';
  return p.method === 'afec' ? `AFEC lambda=${p.lambda} lambda-e=${p.lambdaE}` : `${METHOD_TITLES[p.method]} lambda=${p.lambda}`;
}

/** The matrix another learner's Metrics hold (`a_t_u` values), or undefined when it has none. */
function matrixOf(metrics: Metrics): { matrix: AccuracyMatrix; title: string } | undefined {
  const T = metrics.values.tasks;
  if (!T || !Number.isInteger(T)) return undefined;
  const matrix: AccuracyMatrix = Array.from({ length: T }, (_, t) => Array.from({ length: T }, (_, u) => (u <= t ? (metrics.values[matrixEntryName(t, u)] ?? null) : null)));
  const title = String(metrics.tables.find((tb) => tb.title === 'Run')?.rows[0]?.[1] ?? 'other run');
  return { matrix, title };
}

export default defineNode({
  type: 'condense.continual.afec',
  version: 1,
  title: 'Continual learner (AFEC)',
  category: 'Train',
  description: 'Learns a sequence of tasks one after another with one head per task: AFEC (active forgetting with synaptic expansion-convergence), EWC, MAS or plain fine-tuning. Reports the accuracy matrix, average accuracy, backward transfer and new-task accuracy.',
  inputs: {
    tasks: { type: 'TaskSequence', required: true, description: 'The tasks, in the order they are learned (from the Task splitter).' },
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'A zoo classifier whose trunk every task shares; its last layer is replaced by one head per task.' },
    compare: { type: 'Metrics', description: "Optional: another continual learner's metrics, drawn beside this run's with the difference of the matrices." },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'The trunk with one trained head per task; exports to ONNX with one output per head (task1, task2, ...).' },
    metrics: {
      type: 'Metrics',
      description: 'average_accuracy (A_T), backward_transfer (BWT), mean_new_task_accuracy, forgetting, a_t_u for every learned entry, seconds, seconds_per_task; the matrix and per-task tables.',
    },
    report: { type: 'Report', description: 'The accuracy matrix as a heatmap, forgetting curves, and (with compare) both matrices and their difference.' },
  },
  params: continualParams,
  infer: (_p, inputs) => {
    const issues: { port: string; message: string }[] = [...classifierIssues(inputs.model, 'the continual learner')];
    const want = inputs.model?.shape;
    const have = inputs.tasks?.shape;
    if (want && have && want.some((d, i) => d !== have[i]))
      issues.push({ port: 'model', message: `${inputs.model?.modelName ?? 'the model'} takes images of ${want.join('x')} but the tasks have ${have.join('x')}` });
    return { outputs: { model: { ...(inputs.model?.shape && { shape: inputs.model.shape }), task: 'classify' } }, issues };
  },
  async execute(ctx) {
    const { tasks: sequence, model: trunk, compare } = ctx.inputs;
    const p = ctx.params;
    const started = performance.now();
    if (sequence.tasks.length < 2) throw new NodeError(`${sequence.name} has ${sequence.tasks.length} task; continual learning needs at least 2`, { port: 'tasks' });
    for (const t of sequence.tasks)
      if (t.classes.length < 2) throw new NodeError(`${t.name} of ${sequence.name} has one class (${t.classes.join('')}); every task needs at least 2 classes`, { port: 'tasks' });
    const problem = trunkMismatch(trunk, sequence);
    if (problem) throw new NodeError(problem, { port: 'model' });
    const smallest = Math.min(...sequence.tasks.map((t) => t.train.count));
    if (smallest < Math.max(p.batchSize, 20)) throw new NodeError(`a task has ${smallest} train images, fewer than one batch of ${Math.max(p.batchSize, 20)}`, { param: 'batchSize' });
    let model;
    try {
      model = createMultiHeadModel(trunk, sequence, ctx.seed ^ p.seed);
    } catch (e) {
      // The trunk's own checks (LeNet-5 on images under 12x12, ...) say why it cannot take the images.
      throw new NodeError(`${trunk.name} cannot take the images of ${sequence.name}: ${(e as Error).message}`, { port: 'model' });
    }
    ctx.log(`${METHOD_TITLES[p.method]} on ${sequence.tasks.length} tasks of ${sequence.name}, ${p.epochs} epochs each, ${model.name}`);
    let result;
    try {
      result = await learnTasks(
        model,
        sequence,
        { method: p.method, lambda: p.lambda, lambdaE: p.lambdaE, epochsPerTask: p.epochs, batchSize: p.batchSize, optimizer: p.optimizer, lr: p.lr, momentum: p.momentum, seed: p.seed, evalCount: p.evalCount },
        {
          signal: ctx.signal,
          progress: (fraction, message) => ctx.progress(0.95 * fraction, message),
          metric: (name, value, step) => ctx.metric(name, value, step),
          log: (message) => ctx.log(message),
        },
      );
    } catch (e) {
      if (e instanceof ContinualDivergedError) throw new NodeError(e.message, { param: e.param });
      throw e;
    }
    const T = sequence.tasks.length;
    const { matrix, figures } = result;
    const values: Record<string, number> = {
      tasks: T,
      average_accuracy: round(figures.averageAccuracy),
      backward_transfer: round(figures.backwardTransfer),
      mean_new_task_accuracy: round(figures.meanNewTaskAccuracy),
      forgetting: round(figures.forgetting),
    };
    for (let t = 0; t < T; t++) for (let u = 0; u <= t; u++) values[matrixEntryName(t, u)] = round(matrix[t]![u]!);
    const seconds = result.tasks.reduce((s, r) => s + r.seconds, 0);
    values.seconds_per_task = round(seconds / T, 2);
    values.seconds = round((performance.now() - started) / 1000, 2);

    const matrixTable: Table = {
      title: 'Accuracy matrix a[t, u] (%): row = after learning task t, column = tested on task u',
      columns: ['after', ...sequence.tasks.map((t) => t.name)],
      rows: matrix.map((row, t) => [sequence.tasks[t]!.name, ...row.map((v) => (v === null ? null : round(100 * v, 2)))]),
    };
    const taskTable: Table = {
      title: 'Per task',
      columns: ['task', 'made from', 'new-task accuracy', 'final accuracy', 'loss (last epoch)', 'old-task penalty', 'expanded-copy penalty', 'expanded copy accuracy', 'seconds'],
      rows: result.tasks.map((r, t) => [
        r.task,
        sequence.tasks[t]!.description,
        round(matrix[t]![t]!),
        round(matrix[T - 1]![t]!),
        round(r.loss),
        r.penaltyOld === undefined ? null : round(r.penaltyOld, 6),
        r.penaltyExpanded === undefined ? null : round(r.penaltyExpanded, 6),
        r.expandedAccuracy === undefined ? null : round(r.expandedAccuracy),
        round(r.seconds, 2),
      ]),
    };
    const runTable: Table = { title: 'Run', columns: ['field', 'value'], rows: [['run', runTitle(p)], ['method', p.method], ['lambda', p.lambda], ['lambda_e', p.lambdaE], ['epochs per task', p.epochs]] };

    ctx.progress(0.97, 'report');
    const title = runTitle(p);
    const images: ArtifactRef[] = [];
    const own = renderAccuracyMatrix(matrix, { title });
    const other = compare ? matrixOf(compare) : undefined;
    if (compare && !other) ctx.log('compare: the wired metrics hold no accuracy matrix (connect the metrics of another continual learner)', 'warn');
    if (other && other.matrix.length !== T) ctx.log(`compare: ${other.title} learned ${other.matrix.length} tasks, this run ${T}; not compared`, 'warn');
    const comparable = other && other.matrix.length === T ? other : undefined;
    images.push(await ctx.artifacts.write('accuracy-matrix.png', encodePng(own), 'image/png'));
    images.push(await ctx.artifacts.write('forgetting-curves.png', encodePng(renderForgettingCurves(matrix, { title: `${title}: accuracy per task`, compare: comparable?.matrix })), 'image/png'));
    const tables = [matrixTable, taskTable];
    if (comparable) {
      const difference: AccuracyMatrix = matrix.map((row, t) => row.map((v, u) => (v === null || comparable.matrix[t]![u] === null ? null : v - comparable.matrix[t]![u]!)));
      const diffImage = renderAccuracyMatrix(difference, { title: `${title} - ${comparable.title}`, diverging: true });
      images.push(await ctx.artifacts.write('matrices-compared.png', encodePng(sideBySide([own, renderAccuracyMatrix(comparable.matrix, { title: comparable.title }), diffImage])), 'image/png'));
      const otherFigures = { A_T: compare!.values.average_accuracy, BWT: compare!.values.backward_transfer, 'mean a[t,t]': compare!.values.mean_new_task_accuracy };
      tables.push({
        title: `Against ${comparable.title}`,
        columns: ['figure', title, comparable.title, 'difference'],
        rows: [
          ['A_T', values.average_accuracy!, otherFigures.A_T ?? null, otherFigures.A_T === undefined ? null : round(values.average_accuracy! - otherFigures.A_T)],
          ['BWT', values.backward_transfer!, otherFigures.BWT ?? null, otherFigures.BWT === undefined ? null : round(values.backward_transfer! - otherFigures.BWT)],
          ['mean a[t,t]', values.mean_new_task_accuracy!, otherFigures['mean a[t,t]'] ?? null, otherFigures['mean a[t,t]'] === undefined ? null : round(values.mean_new_task_accuracy! - otherFigures['mean a[t,t]'])],
        ],
      });
    }
    const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).filter(([k]) => !k.startsWith('a_')).map(([k, v]) => [k, v]) };
    const stage = withStage(result.model, {
      node: 'condense.continual.afec',
      params: { method: p.method, ...(p.method !== 'finetune' && { lambda: p.lambda }), ...(p.method === 'afec' && { lambdaE: p.lambdaE }), epochs: p.epochs, tasks: sequence.name },
      metrics: { average_accuracy: values.average_accuracy!, backward_transfer: values.backward_transfer!, mean_new_task_accuracy: values.mean_new_task_accuracy! },
    });
    ctx.log(`${title}: A_T ${pct(figures.averageAccuracy)}%, BWT ${pct(figures.backwardTransfer)} points, mean new-task accuracy ${pct(figures.meanNewTaskAccuracy)}%`);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables: [...tables, runTable] };
    const report: Report = {
      kind: 'report',
      title: `Continual learner: ${title}, ${sequence.name}`,
      images,
      tables: [summary, ...tables],
      text:
        `${title} on ${T} tasks: average accuracy A_T ${pct(figures.averageAccuracy)}%, backward transfer ${pct(figures.backwardTransfer)} points, mean new-task accuracy ${pct(figures.meanNewTaskAccuracy)}%. ` +
        'The heatmap is a[t, u], the accuracy on task u (column) after learning task t (row); the curves follow each task from when it is learned to the end' +
        (comparable ? ` (dashed: ${comparable.title}); the third heatmap is this run minus ${comparable.title} (green: better).` : '.'),
    };
    return { model: stage, metrics, report };
  },
});

// The task splitter: a classification dataset cut into a sequence of tasks for continual learning
// (src/compute/continual/tasks.ts): class groups (split Fashion-MNIST), permuted pixels, or a domain
// shift per task, optionally followed by a conflicting task (an earlier task's labels swapped).
import { z } from 'zod';
import { describeShift, parseShifts, splitIntoTasks, TaskSplitError, type TaskSequence } from '../../src/compute/continual/tasks';
import { classCounts } from '../../src/compute/data/transforms';
import { encodePng } from '../../src/compute/image/codec';
import { renderSampleGrid } from '../../src/compute/image/grid';
import { defineNode, NodeError } from '../../src/shared/node-sdk';
import { seedParam } from '../../src/shared/training-params';
import type { ArtifactRef, Report, Table } from '../../src/shared/values';

export const taskSplitParams = z.object({
  split: z
    .enum(['classes', 'permuted', 'domain'])
    .default('classes')
    .meta({ help: 'classes: groups of classes per task (split Fashion-MNIST). permuted: all classes, a fixed pixel permutation per task. domain: all classes, a domain shift per task.' }),
  classesPerTask: z.number().int().min(1).max(1000).default(2).meta({ help: 'Classes in each task (the last task takes the rest; every task needs 2 or more).', unit: 'classes', appliesWhen: { split: ['classes'] } }),
  classOrder: z.enum(['dataset', 'shuffled']).default('dataset').meta({ help: 'Order of the classes before grouping: as in the dataset, or shuffled by the seed.', appliesWhen: { split: ['classes'] } }),
  tasks: z.number().int().min(1).max(50).default(5).meta({ help: 'Number of permuted tasks.', unit: 'tasks', appliesWhen: { split: ['permuted'] } }),
  shifts: z
    .string()
    .default('original; invert; rotate=90; blur=1.5; noise=60')
    .meta({ help: 'One task per entry, separated by ";": original, or settings separated by "," (invert, rotate=90, noise=40, blur=1.5, contrast=0.5).', appliesWhen: { split: ['domain'] } }),
  conflictWith: z.number().int().min(0).max(50).default(0).meta({ help: 'Append a conflicting task: task N again with its labels swapped (rotated by one for more than 2 classes). 0: none.' }),
  maxTrainPerTask: z.number().int().min(0).max(10_000_000).default(0).meta({ help: 'Keep at most this many train images per task (the first of each class). 0: all.', unit: 'images' }),
  seed: seedParam('Drives the shuffled class order, the permutations and the shift noise.'),
});

const SAMPLE_STRIPS = 10;

export default defineNode({
  type: 'condense.data.tasks',
  version: 1,
  title: 'Task splitter',
  category: 'Data',
  description: 'Splits a classification dataset into a sequence of tasks for continual learning: by class groups, permuted pixels or a domain shift per task, with an optional conflicting task.',
  inputs: {
    train: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Train images; each task gets its part.' },
    test: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Test images; each task gets its part.' },
  },
  outputs: {
    tasks: { type: 'TaskSequence', description: 'The tasks in order, each with its classes (labels 0..k-1 for its own head) and its train and test images.' },
    report: { type: 'Report', description: 'A table of the tasks (classes, images) and a strip of samples per task.' },
  },
  params: taskSplitParams,
  infer: (p, inputs) => {
    const issues: { param: string; message: string }[] = [];
    const classes = inputs.train?.classes;
    if (p.split === 'classes' && classes !== undefined) {
      const groups = Math.ceil(classes / Math.max(1, p.classesPerTask));
      const last = classes - (groups - 1) * p.classesPerTask;
      if (p.classesPerTask < 2) issues.push({ param: 'classesPerTask', message: `classesPerTask is ${p.classesPerTask}: a task with one class cannot be learned; use 2 or more` });
      else if (last < 2) issues.push({ param: 'classesPerTask', message: `${classes} classes in groups of ${p.classesPerTask} leave the last task with one class` });
      else if (groups + (p.conflictWith > 0 ? 1 : 0) < 2) issues.push({ param: 'classesPerTask', message: `${classes} classes in groups of ${p.classesPerTask} give one task; continual learning needs at least 2` });
    }
    if (p.split === 'domain') {
      try {
        parseShifts(p.shifts);
      } catch (e) {
        issues.push({ param: 'shifts', message: (e as Error).message });
      }
    }
    return { outputs: { tasks: { ...(inputs.train?.shape && { shape: inputs.train.shape }) } }, issues };
  },
  async execute(ctx) {
    const { train, test } = ctx.inputs;
    const p = ctx.params;
    let shifts;
    try {
      shifts = p.split === 'domain' ? parseShifts(p.shifts) : [];
    } catch (e) {
      throw new NodeError((e as Error).message, { param: 'shifts' });
    }
    ctx.progress(0.1, 'splitting');
    let sequence: TaskSequence;
    try {
      sequence = splitIntoTasks(train, test, { split: p.split, classesPerTask: p.classesPerTask, classOrder: p.classOrder, tasks: p.tasks, shifts, conflictWith: p.conflictWith, maxTrainPerTask: p.maxTrainPerTask, seed: p.seed });
    } catch (e) {
      if (!(e instanceof TaskSplitError)) throw e;
      throw new NodeError(e.message, e.option === 'train' || e.option === 'test' ? { port: e.option } : { param: e.option });
    }
    ctx.progress(0.7, 'sample strips');
    const table: Table = {
      title: 'Tasks',
      columns: ['task', 'made from', 'classes', 'train images', 'test images', 'train images per class'],
      rows: sequence.tasks.map((t) => [t.name, t.description, t.classes.join(', '), t.train.count, t.test.count, classCounts(t.train).join(' / ')]),
    };
    const images: ArtifactRef[] = [];
    for (const t of sequence.tasks.slice(0, SAMPLE_STRIPS)) {
      // A row per class of the task, 6 samples each: what the learner sees in this task.
      const png = encodePng(renderSampleGrid(t.train, { perClass: 6, targetCell: 42 }));
      images.push(await ctx.artifacts.write(`samples-${t.name.replace(/\s+/g, '')}.png`, png, 'image/png'));
    }
    if (sequence.split === 'domain') ctx.log(`shifts: ${shifts.map(describeShift).join('; ')}`);
    ctx.log(`${sequence.name}: ${sequence.tasks.map((t) => `${t.name} ${t.classes.length} classes, ${t.train.count}/${t.test.count}`).join('; ')}`);
    ctx.progress(1, 'done');
    const report: Report = {
      kind: 'report',
      title: `Tasks: ${sequence.name}`,
      images,
      tables: [table],
      text: `${sequence.tasks.length} tasks (${sequence.split}); each image shows one task's train samples, a row per class${sequence.tasks.length > SAMPLE_STRIPS ? ` (the first ${SAMPLE_STRIPS} tasks)` : ''}.`,
    };
    return { tasks: sequence, report };
  },
});

// The task splitter run directly on generated shapes: the sequence, its table and sample strips, the
// wiring-time check of classesPerTask, and the bad splits that must fail naming the param.
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/compute/data/generated';
import { decodeImage } from '../../src/compute/image/codec';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node, { taskSplitParams } from './index';

const train = generateDataset({ classes: 6, count: 120, size: 12, channels: 1, seed: 1, stream: 1, name: 'shapes (train)' });
const test = generateDataset({ classes: 6, count: 60, size: 12, channels: 1, seed: 1, stream: 2, name: 'shapes (test)' });

const failure = async (params: Parameters<typeof runNode<typeof node.inputs, typeof node.outputs, typeof taskSplitParams>>[1]['params']) =>
  runNode(node, { inputs: { train, test }, params }).then(
    () => undefined,
    (e: unknown) => e as NodeError,
  );

describe('condense.data.tasks', () => {
  it('splits by classes and appends a conflicting task; reports a table and one sample strip per task', async () => {
    const { outputs, ctx } = await runNode(node, { inputs: { train, test }, params: { classesPerTask: 2, conflictWith: 2 } });
    const seq = outputs.tasks;
    expect(seq.kind).toBe('task-sequence');
    expect(seq.tasks.map((t) => t.name)).toEqual(['task 1', 'task 2', 'task 3', 'task 4']);
    expect(seq.tasks[3]!.description).toMatch(/conflict: task 2's images with its two labels swapped/);
    expect(seq.tasks.map((t) => t.train.count)).toEqual([40, 40, 40, 40]);
    const table = outputs.report.tables[0]!;
    expect(table.rows.map((r) => r[3])).toEqual([40, 40, 40, 40]);
    expect(outputs.report.images.map((i) => i.name)).toEqual(['samples-task1.png', 'samples-task2.png', 'samples-task3.png', 'samples-task4.png']);
    const strip = decodeImage(ctx.recorded.artifacts.get('samples-task1.png')!.data, 'strip').image;
    expect(strip.height).toBeGreaterThan(strip.width / 6); // two class rows of six samples
  });

  it('permuted and domain sequences; maxTrainPerTask', async () => {
    const permuted = (await runNode(node, { inputs: { train, test }, params: { split: 'permuted', tasks: 3, maxTrainPerTask: 30 } })).outputs.tasks;
    expect(permuted.tasks).toHaveLength(3);
    expect(permuted.tasks.every((t) => t.classes.length === 6 && t.train.count === 30)).toBe(true);
    const domain = (await runNode(node, { inputs: { train, test }, params: { split: 'domain', shifts: 'original; rotate=90, noise=10' } })).outputs.tasks;
    expect(domain.tasks.map((t) => t.description)).toEqual(['all 6 classes, original', 'all 6 classes, rotate 90, noise 10']);
  });

  it('fails naming the param: a task of one class, fewer than 2 tasks, a shift it cannot read, a conflict with a missing task', async () => {
    expect(await failure({ classesPerTask: 1 })).toMatchObject({ detail: { param: 'classesPerTask' }, message: expect.stringMatching(/one class cannot be learned/) });
    expect(await failure({ classesPerTask: 5 })).toMatchObject({ detail: { param: 'classesPerTask' }, message: expect.stringMatching(/leave task 2 with one class/) });
    expect(await failure({ classesPerTask: 6 })).toMatchObject({ detail: { param: 'classesPerTask' }, message: expect.stringMatching(/gives 1 task; continual learning needs at least 2/) });
    expect(await failure({ split: 'domain', shifts: 'original; wobble' })).toMatchObject({ detail: { param: 'shifts' }, message: expect.stringMatching(/task 2: "wobble" is not a shift/) });
    expect(await failure({ conflictWith: 9 })).toMatchObject({ detail: { param: 'conflictWith' } });
    // The same problems are known while wiring, from the dataset's class count.
    const infer = (p: object) => node.infer!(taskSplitParams.parse(p), { train: { classes: 6, shape: [1, 12, 12] } }).issues;
    expect(infer({ classesPerTask: 5 })).toEqual([{ param: 'classesPerTask', message: expect.stringMatching(/leave the last task with one class/) }]);
    expect(infer({ classesPerTask: 3 })).toEqual([]);
  });
});

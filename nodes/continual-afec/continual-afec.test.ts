// The continual learner run directly on generated shapes (3 tasks of 2 classes, a quarter-width MLP
// trunk): AFEC's outputs, streams and report, EWC's metrics wired into compare, and the bad inputs that
// must fail naming the port or param.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskSequence } from '../../src/compute/continual/tasks';
import { splitIntoTasks } from '../../src/compute/continual/tasks';
import { generateDataset } from '../../src/compute/data/generated';
import { decodeImage } from '../../src/compute/image/codec';
import { createZooModel, type Model } from '../../src/compute/model/model';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

let sequence: TaskSequence;
let trunk: Model;
const small = { epochs: 2, batchSize: 32, lr: 3e-3 };

beforeAll(() => {
  const train = generateDataset({ classes: 6, count: 1200, size: 10, channels: 1, seed: 4, stream: 1, name: 'shapes (train)' });
  const test = generateDataset({ classes: 6, count: 300, size: 10, channels: 1, seed: 4, stream: 2, name: 'shapes (test)' });
  sequence = splitIntoTasks(train, test, { split: 'classes', classesPerTask: 2, classOrder: 'dataset', tasks: 0, shifts: [], conflictWith: 0, maxTrainPerTask: 0, seed: 1 });
  trunk = createZooModel(train, { architecture: 'mlp', width: 0.25, seed: 2 });
});

const failure = (inputs: { tasks: TaskSequence; model: Model }, params: object = small) =>
  runNode(node, { inputs: { ...inputs, compare: undefined }, params: { ...small, ...params } }).then(
    () => undefined,
    (e: unknown) => e as NodeError,
  );

describe('condense.continual.afec', () => {
  it('afec: the accuracy matrix row by row, A_T / BWT / new-task accuracy, a multi-head model, heatmaps; compare draws the difference', { timeout: 120_000 }, async () => {
    const ewc = await runNode(node, { inputs: { tasks: sequence, model: trunk, compare: undefined }, params: { ...small, method: 'ewc', lambda: 1000 } });
    const { outputs, ctx } = await runNode(node, { inputs: { tasks: sequence, model: trunk, compare: ewc.outputs.metrics }, params: { ...small, method: 'afec', lambda: 1000, lambdaE: 1000 } });
    const v = outputs.metrics.values;
    expect(v.tasks).toBe(3);
    for (const name of ['a_1_1', 'a_2_1', 'a_2_2', 'a_3_1', 'a_3_2', 'a_3_3']) expect(v[name]).toBeGreaterThan(0.5);
    expect(v.a_1_2).toBeUndefined();
    expect(v.average_accuracy).toBeCloseTo((v.a_3_1! + v.a_3_2! + v.a_3_3!) / 3, 3);
    expect(v.backward_transfer).toBeCloseTo((v.a_3_1! - v.a_1_1! + v.a_3_2! - v.a_2_2!) / 2, 3);
    expect(v.mean_new_task_accuracy).toBeCloseTo((v.a_1_1! + v.a_2_2! + v.a_3_3!) / 3, 3);
    // A row of the matrix streamed after each task; the losses of both networks while they train.
    expect(ctx.recorded.metrics.filter((m) => m.name === 'acc_task1').map((m) => m.step)).toEqual([1, 2, 3]);
    expect(ctx.recorded.metrics.filter((m) => m.name === 'acc_task3').map((m) => m.step)).toEqual([3]);
    for (const name of ['loss', 'expanded_loss', 'average_accuracy', 'new_task_accuracy']) expect(ctx.recorded.metrics.some((m) => m.name === name)).toBe(true);
    expect(ctx.recorded.progress.at(-1)!.fraction).toBe(1);

    expect(outputs.model.architecture).toMatchObject({ kind: 'zoo', heads: [2, 2, 2] });
    expect(outputs.model.meta.lineage.at(-1)).toMatchObject({ node: 'condense.continual.afec', params: { method: 'afec', lambda: 1000, lambdaE: 1000 } });
    expect(outputs.report.images.map((i) => i.name)).toEqual(['accuracy-matrix.png', 'forgetting-curves.png', 'matrices-compared.png']);
    const compared = decodeImage(ctx.recorded.artifacts.get('matrices-compared.png')!.data, 'compared').image;
    const single = decodeImage(ctx.recorded.artifacts.get('accuracy-matrix.png')!.data, 'matrix').image;
    expect(compared.width).toBeGreaterThan(2.5 * single.width);
    const against = outputs.report.tables.find((t) => t.title.startsWith('Against EWC lambda=1000'))!;
    expect(against.rows[0]).toEqual(['A_T', v.average_accuracy, ewc.outputs.metrics.values.average_accuracy, expect.any(Number)]);
    const perTask = outputs.metrics.tables.find((t) => t.title === 'Per task')!;
    expect(perTask.rows[1]![6]).toBeGreaterThan(0); // the expanded-copy penalty from the second task
  });

  it('fails naming what is wrong: fewer than 2 tasks, a task with one class, a trunk that cannot take the images, a lambda that makes the loss NaN', { timeout: 120_000 }, async () => {
    const one = { ...sequence, tasks: sequence.tasks.slice(0, 1) };
    expect(await failure({ tasks: one, model: trunk })).toMatchObject({ detail: { port: 'tasks' }, message: expect.stringMatching(/has 1 task; continual learning needs at least 2/) });
    const oneClass = { ...sequence, tasks: [sequence.tasks[0]!, { ...sequence.tasks[1]!, classes: ['circle'] }] };
    expect(await failure({ tasks: oneClass, model: trunk })).toMatchObject({ detail: { port: 'tasks' }, message: expect.stringMatching(/task 2 .* has one class \(circle\)/) });
    const wide = createZooModel({ shape: [3, 10, 10], classes: ['a', 'b'], normalize: { mean: [0, 0, 0], std: [1, 1, 1] } }, { architecture: 'mlp' });
    expect(await failure({ tasks: sequence, model: wide })).toMatchObject({ detail: { port: 'model' }, message: expect.stringMatching(/takes images of 3x10x10 .* have 1x10x10/) });
    // LeNet-5 needs 12x12 images or more: built for these 10x10 ones it fails when the heads are built.
    const lenet = { ...createZooModel({ shape: [1, 12, 12], classes: ['a', 'b'], normalize: { mean: [0], std: [1] } }, { architecture: 'lenet5' }), meta: { ...trunk.meta } };
    expect(await failure({ tasks: sequence, model: lenet })).toMatchObject({ detail: { port: 'model' }, message: expect.stringMatching(/cannot take the images .*LeNet-5 needs images of at least 12x12/) });
    expect(await failure({ tasks: sequence, model: trunk }, { batchSize: 500 })).toMatchObject({ detail: { param: 'batchSize' } });
    const nan = await failure({ tasks: sequence, model: trunk }, { method: 'ewc', lambda: 1e39 });
    expect(nan).toBeInstanceOf(NodeError);
    expect(nan).toMatchObject({ detail: { param: 'lambda' }, message: expect.stringMatching(/became NaN in task 2 \(epoch 1, step 1\) with lambda = 1e\+39/) });
  });
});

// AFEC and its baselines on small generated task sequences (an MLP trunk, 10x10 shapes): the Fisher is
// methods.md 6's (batches of 20 in order, mean of the squared batch gradients), EWC holds the trunk near
// the old tasks' weights where fine-tuning drifts, AFEC's expanded copy trains apart from the main
// network, a diverging lambda stops naming the task and step, and the multi-head model exports with one
// ONNX output per head that onnxruntime runs to the accuracies of the matrix.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import * as F from '../graph/ops/index.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import { exportOnnx } from '../model/export.ts';
import { buildModelGraph, createZooModel, type Model } from '../model/model.ts';
import { classifyBatch } from '../ort/batches.ts';
import { initialState, TrainStep } from '../ort/compiled-graph.ts';
import { ContinualDivergedError, learnTasks, masImportance, taskFisher, type ContinualOptions } from './afec.ts';
import { createMultiHeadModel, headModel, trunkMismatch, trunkParamNames } from './multi-head.ts';
import { splitIntoTasks, type TaskSequence } from './tasks.ts';

let sequence: TaskSequence;
let model: Model;
const base: ContinualOptions = { method: 'ewc', lambda: 0, lambdaE: 0, epochsPerTask: 2, batchSize: 32, optimizer: 'adam', lr: 3e-3, momentum: 0.9, seed: 1, intraOpThreads: 1 };

beforeAll(() => {
  const train = generateDataset({ classes: 6, count: 1800, size: 10, channels: 1, seed: 2, stream: 1, name: 'shapes (train)' });
  const test = generateDataset({ classes: 6, count: 300, size: 10, channels: 1, seed: 2, stream: 2, name: 'shapes (test)' });
  sequence = splitIntoTasks(train, test, { split: 'classes', classesPerTask: 2, classOrder: 'dataset', tasks: 0, shifts: [], conflictWith: 0, maxTrainPerTask: 0, seed: 1 });
  model = createMultiHeadModel(createZooModel(train, { architecture: 'mlp', width: 0.25, seed: 3 }), sequence, 4);
});

/** Euclidean distance of the trunk between two models. */
const trunkDistance = (a: Model, b: Model): number => Math.sqrt(trunkParamNames(a).reduce((s, n) => s + a.params[n]!.reduce((t, v, i) => t + (v - b.params[n]![i]!) ** 2, 0), 0));

describe('multi-head models', () => {
  it('one head per task on the trunk; the trunk must take the images', () => {
    expect(model.architecture).toMatchObject({ kind: 'zoo', name: 'mlp', heads: [2, 2, 2] });
    expect(Object.keys(model.params).filter((n) => n.startsWith('heads.'))).toEqual(['heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'heads.1.bias', 'heads.2.weight', 'heads.2.bias']);
    expect(model.params['fc3.weight']).toBeUndefined();
    expect(headModel(model, 2).meta.classes).toEqual(sequence.tasks[2]!.classes.map((c) => `task 3: ${c}`));
    const other = createZooModel({ shape: [1, 12, 12], classes: ['a', 'b'], normalize: { mean: [0], std: [1] } }, { architecture: 'mlp' });
    expect(trunkMismatch(other, sequence)).toMatch(/takes images of 1x12x12 .* have 1x10x10/);
  });
});

describe('learnTasks', () => {
  it('the Fisher: batches of 20 in dataset order, train mode, the mean of the squared batch gradients', { timeout: 60_000 }, async () => {
    const task = sequence.tasks[1]!;
    const data = { ...task.train, count: 40, pixels: task.train.pixels.subarray(0, 40 * 100), labels: task.train.labels.subarray(0, 40) };
    const g = new GraphBuilder({ seed: 1, training: true });
    const images = g.input('images', [20, 1, 10, 10]);
    const labels = g.input('labels', [20], 'int64');
    const { outputs } = buildModelGraph(model, g, { batch: 20, training: true, input: images, scope: 'main' });
    const loss = F.crossEntropy(outputs.head1!, labels);
    const state = initialState(g);
    const trunk = trunkParamNames(model);
    const fisher = await taskFisher({ graph: g, loss }, 'main', trunk, state, data, model.meta.normalize, 1);
    // By hand: the gradient of each batch of 20 (in order), squared, averaged over the two batches.
    const step = await TrainStep.compile({ graph: g, loss, params: trunk.map((p) => `main/${p}`) }, { intraOpThreads: 1 });
    const grads: Map<string, Float32Array>[] = [];
    for (const start of [0, 20]) {
      const batch = classifyBatch({ ...data, normalize: model.meta.normalize }, Int32Array.from({ length: 20 }, (_, i) => start + i));
      grads.push((await step.run(state, { images: batch.images, labels: batch.labels })).grads);
    }
    for (const p of trunk) {
      const expected = grads[0]!.get(`main/${p}`)!.map((v, i) => (v * v + grads[1]!.get(`main/${p}`)![i]! ** 2) / 2);
      const got = fisher.get(p)!;
      for (let i = 0; i < got.length; i += 37) expect(got[i]!).toBeCloseTo(expected[i]!, 9);
    }
    expect(fisher.get('fc1.weight')!.some((v) => v > 0)).toBe(true);
  });

  it('MAS: the importance is the mean |gradient| of the summed output norms over batches of 20; with it the trunk holds like EWC', { timeout: 120_000 }, async () => {
    const task = sequence.tasks[0]!;
    const data = { ...task.train, count: 40, pixels: task.train.pixels.subarray(0, 40 * 100), labels: task.train.labels.subarray(0, 40) };
    const g = new GraphBuilder({ seed: 1, training: true });
    const images = g.input('images', [20, 1, 10, 10]);
    const { outputs } = buildModelGraph(model, g, { batch: 20, training: true, input: images, scope: 'main' });
    const loss = F.sum(F.l2Norm(outputs.head0!, [1]));
    const state = initialState(g);
    const trunk = trunkParamNames(model);
    const omega = await masImportance({ graph: g, loss }, 'main', trunk, state, data, model.meta.normalize, 1);
    const step = await TrainStep.compile({ graph: g, loss, params: trunk.map((p) => `main/${p}`) }, { intraOpThreads: 1 });
    const grads: Map<string, Float32Array>[] = [];
    for (const start of [0, 20]) grads.push((await step.run(state, { images: classifyBatch({ ...data, normalize: model.meta.normalize }, Int32Array.from({ length: 20 }, (_, i) => start + i)).images })).grads);
    for (const p of trunk) {
      const got = omega.get(p)!;
      for (let i = 0; i < got.length; i += 37) expect(got[i]!).toBeCloseTo((Math.abs(grads[0]!.get(`main/${p}`)![i]!) + Math.abs(grads[1]!.get(`main/${p}`)![i]!)) / 40, 6);
    }
    const snapshots: Model[] = [];
    const finetune = await learnTasks(model, sequence, { ...base, method: 'finetune' }, { taskEnd: (_t, _row, m) => snapshots.push(m) });
    const mas = await learnTasks(model, sequence, { ...base, method: 'mas', lambda: 1e3 });
    expect(mas.matrix[0]![0]).toBe(finetune.matrix[0]![0]);
    expect(trunkDistance(mas.model, snapshots[0]!)).toBeLessThan(0.75 * trunkDistance(finetune.model, snapshots[0]!));
  });

  it('EWC holds the trunk near the old tasks where fine-tuning drifts; the matrix and its figures are filled', { timeout: 120_000 }, async () => {
    const rows: number[][] = [];
    const snapshots: Model[] = [];
    const finetune = await learnTasks(model, sequence, { ...base, method: 'finetune' }, { taskEnd: (_t, row, m) => (rows.push(row), snapshots.push(m)) });
    const ewc = await learnTasks(model, sequence, { ...base, method: 'ewc', lambda: 1e6 });
    expect(rows.map((r) => r.length)).toEqual([1, 2, 3]);
    expect(finetune.matrix[0]).toEqual([rows[0]![0], null, null]);
    // Every task is learned when it is new (6 shapes, 2 per task, 300 train images a class).
    for (let t = 0; t < 3; t++) expect(finetune.matrix[t]![t]!).toBeGreaterThan(0.85);
    expect(finetune.figures.averageAccuracy).toBeCloseTo((finetune.matrix[2]![0]! + finetune.matrix[2]![1]! + finetune.matrix[2]![2]!) / 3, 10);
    // After task 1 both runs are the same network (no penalty on the first task).
    expect(ewc.matrix[0]![0]).toBe(finetune.matrix[0]![0]);
    // The distance the trunk moved over tasks 2 and 3 is far smaller under the Fisher penalty.
    const afterFirst = snapshots[0]!;
    expect(trunkDistance(ewc.model, afterFirst)).toBeLessThan(0.75 * trunkDistance(finetune.model, afterFirst));
    expect(ewc.tasks[1]!.penaltyOld).toBeGreaterThan(0);
  });

  it('AFEC trains an expanded copy apart from the main network and pulls toward it; a lambda that overflows stops naming the task and step', { timeout: 120_000 }, async () => {
    const afec = await learnTasks(model, sequence, { ...base, method: 'afec', lambda: 100, lambdaE: 100 });
    for (const r of afec.tasks) expect(r.expandedAccuracy).toBeGreaterThan(0.7);
    expect(afec.tasks[0]!.penaltyExpanded).toBeUndefined();
    expect(afec.tasks[1]!.penaltyExpanded).toBeGreaterThan(0);
    const error = await learnTasks(model, sequence, { ...base, method: 'ewc', lambda: 1e39 }).catch((e) => e);
    expect(error).toBeInstanceOf(ContinualDivergedError);
    expect(error.message).toMatch(/main network's loss became NaN in task 2 \(epoch 1, step 1\) with lambda = 1e\+39/);
    expect(error.param).toBe('lambda');

    // The ONNX file has one output per head; onnxruntime gives the accuracies of the last matrix row.
    const bytes = exportOnnx(afec.model);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.outputNames).toEqual(['task1', 'task2', 'task3']);
    for (let u = 0; u < 3; u++) {
      const test = sequence.tasks[u]!.test;
      const { mean, std } = afec.model.meta.normalize;
      const input = Float32Array.from(test.pixels, (p) => (p / 255 - mean[0]!) / std[0]!);
      const out = (await session.run({ input: new ort.Tensor('float32', input, [test.count, 1, 10, 10]) }))[`task${u + 1}`]!.data as Float32Array;
      let hits = 0;
      for (let i = 0; i < test.count; i++) if ((out[2 * i + 1]! > out[2 * i]! ? 1 : 0) === test.labels[i]) hits++;
      expect(hits / test.count).toBeCloseTo(afec.matrix[2]![u]!, 6);
      expect((await evaluateClassifier(headModel(afec.model, u), test)).accuracy).toBeCloseTo(afec.matrix[2]![u]!, 6);
    }
    await session.release();
  });
});

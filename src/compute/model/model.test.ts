import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.ts';
import { generateDataset } from '../data/generated.ts';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { mul } from '../graph/ops/elementwise.ts';
import { createRng } from '../graph/init.ts';
import { decodeModel } from '../onnx/model.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { evaluateClassifier } from './evaluate.ts';
import { countMacs, exportModelProto, exportOnnx } from './export.ts';
import {
  buildModelGraph,
  createZooModel,
  dataMismatch,
  importOnnxModel,
  modelStateOf,
  nonZeroParameterCount,
  parameterCount,
  withStage,
  CLASSIFIER_NAMES,
  type Model,
} from './model.ts';
import { augmentBatch, NonFiniteLossError, trainClassifier } from './train.ts';
import { quickTrainOptions } from '../../../tests/helpers/train-options.ts';

const grey28 = { shape: [1, 28, 28] as [number, number, number], classes: ['a', 'b', 'c'], normalize: { mean: [0.3], std: [0.3] } };
const rgb32 = { shape: [3, 32, 32] as [number, number, number], classes: ['a', 'b', 'c', 'd'], normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };

function randomInput(shape: number[], seed: number): HostTensor {
  const rng = createRng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng() * 2 - 1);
  return { dtype: 'float32', shape, values };
}

/** Running statistics that differ from the 0/1 defaults, so eval-mode BN and its folding do real work. */
function withStatistics(model: Model, seed: number): Model {
  const rng = createRng(seed);
  const buffers = Object.fromEntries(
    Object.entries(model.buffers).map(([name, v]) => [name, v.map(() => (name.endsWith('running_var') ? 0.5 + rng() : rng() - 0.5))]),
  );
  return { ...model, buffers };
}

async function logitsInBuilder(model: Model, input: HostTensor): Promise<Float32Array> {
  const g = new GraphBuilder({ training: false });
  const { logits } = buildModelGraph(model, g, { batch: input.shape[0]!, training: false });
  const fn = await CompiledFunction.compile(g, { logits }, { intraOpThreads: 1 });
  return (await fn.run(initialState(g), { input })).logits!.values as Float32Array;
}

async function logitsFromOnnx(bytes: Uint8Array, input: HostTensor): Promise<Float32Array> {
  const session = await createSession(bytes, { intraOpThreads: 1 });
  const out = await runSession(session, { [session.inputNames[0]!]: input });
  await session.release();
  return out.logits!.values as Float32Array;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function generatedDataset(o: { classes: number; trainCount: number; testCount: number; size: number; seed: number }): { train: Dataset; test: Dataset } {
  const common = { classes: o.classes, size: o.size, channels: 1 as const, seed: o.seed };
  return {
    train: generateDataset({ ...common, count: o.trainCount, stream: 1, name: 'shapes (train)' }),
    test: generateDataset({ ...common, count: o.testCount, stream: 2, name: 'shapes (test)' }),
  };
}


describe('Model', () => {
  it('builds every zoo architecture; the exported ONNX (with and without BN folding) computes the same logits', { timeout: 120_000 }, async () => {
    for (const name of CLASSIFIER_NAMES) {
      const data = name === 'lenet5' || name === 'mlp' ? grey28 : rgb32;
      const model = withStatistics(createZooModel(data, { architecture: name, seed: 2, width: 0.5 }), 7);
      const input = randomInput([3, ...data.shape], 11);
      const reference = await logitsInBuilder(model, input);
      expect(reference.length).toBe(3 * data.classes.length);
      const plain = await logitsFromOnnx(exportOnnx(model), input);
      expect(maxDiff(reference, plain), name).toBeLessThan(1e-4);
      const foldedProto = exportModelProto(model, { foldBatchNorm: true });
      if (Object.keys(model.buffers).length > 0) expect(foldedProto.graph.node.some((n) => n.opType === 'BatchNormalization'), name).toBe(false);
      const folded = await logitsFromOnnx(exportOnnx(model, { foldBatchNorm: true }), input);
      expect(maxDiff(reference, folded), name).toBeLessThan(1e-3);
    }
  });

  it('is seeded, counts parameters and MACs, and survives node:v8 serialisation', () => {
    const a = createZooModel(grey28, { architecture: 'lenet5', seed: 5 });
    const b = createZooModel(grey28, { architecture: 'lenet5', seed: 5 });
    const c = createZooModel(grey28, { architecture: 'lenet5', seed: 6 });
    expect(a.params['conv1.weight']).toEqual(b.params['conv1.weight']);
    expect(a.params['conv1.weight']).not.toEqual(c.params['conv1.weight']);
    // conv1 6*1*25+6, conv2 16*6*25+16, fc 400*120+120, 120*84+84, 84*3+3.
    expect(parameterCount(a)).toBe(156 + 2416 + 48120 + 10164 + 255);
    const g = new GraphBuilder();
    buildModelGraph(a, g, { batch: 1, training: false });
    expect(countMacs(g)).toBe(28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 3);
    const copy = deserialize(serialize(withStage(a, { node: 'x', params: { lr: 1 }, metrics: { accuracy: 0.5 } }))) as Model;
    expect(copy.params['fc3.weight']).toBeInstanceOf(Float32Array);
    expect(copy.params['fc3.weight']).toEqual(a.params['fc3.weight']);
    expect(copy.meta.lineage).toEqual([{ node: 'x', params: { lr: 1 }, metrics: { accuracy: 0.5 } }]);
  });

  it('keeps masked weights at zero: in the graph, in the export and in the counts', async () => {
    const model = createZooModel(grey28, { architecture: 'mlp', seed: 1 });
    const w = model.params['fc1.weight']!;
    const mask = new Uint8Array(w.length).map((_, i) => (i % 4 === 0 ? 1 : 0));
    const masked: Model = { ...model, compression: { ...model.compression, masks: { 'fc1.weight': mask } } };
    expect(nonZeroParameterCount(masked)).toBe(parameterCount(model) - (w.length - w.length / 4));
    const input = randomInput([2, 1, 28, 28], 4);
    const inGraph = await logitsInBuilder(masked, input);
    const zeroed = await logitsInBuilder({ ...model, params: { ...model.params, 'fc1.weight': w.map((v, i) => (mask[i] ? v : 0)) } }, input);
    expect(maxDiff(inGraph, zeroed)).toBeLessThan(1e-5);
    expect(maxDiff(inGraph, await logitsInBuilder(model, input))).toBeGreaterThan(1e-3);
    const proto = exportModelProto(masked);
    expect(proto.graph.node.some((n) => n.opType === 'Mul')).toBe(false);
    expect(maxDiff(inGraph, await logitsFromOnnx(exportOnnx(masked), input))).toBeLessThan(1e-5);
  });

  it('writes the input contract and lineage; an exported file imports back with the same outputs', async () => {
    const model = withStage(withStatistics(createZooModel(rgb32, { architecture: 'resnet8', seed: 3, width: 0.5 }), 2), {
      node: 'condense.train.supervised',
      params: { epochs: 1 },
      metrics: { accuracy: 0.9 },
    });
    const bytes = exportOnnx(model);
    const meta = Object.fromEntries(decodeModel(bytes).metadataProps.map((e) => [e.key, e.value]));
    expect(JSON.parse(meta['condense.input']!)).toEqual({
      name: 'input',
      layout: 'NCHW',
      shape: ['N', 3, 32, 32],
      dtype: 'float32',
      valueScale: 1 / 255,
      mean: [0.5, 0.4, 0.3],
      std: [0.2, 0.25, 0.3],
      classes: ['a', 'b', 'c', 'd'],
      output: 'logits',
    });
    expect(JSON.parse(meta['condense.lineage']!)).toEqual(model.meta.lineage);

    const imported = importOnnxModel(bytes, 'resnet8.onnx');
    expect(imported.meta.inputShape).toEqual([3, 32, 32]);
    expect(imported.meta.classes).toEqual(['a', 'b', 'c', 'd']);
    expect(imported.meta.normalize).toEqual(model.meta.normalize);
    expect(imported.meta.lineage).toEqual(model.meta.lineage);
    expect(parameterCount(imported)).toBe(parameterCount(model));
    const input = randomInput([2, 3, 32, 32], 9);
    expect(maxDiff(await logitsInBuilder(model, input), await logitsInBuilder(imported, input))).toBeLessThan(1e-4);
    expect(maxDiff(await logitsInBuilder(model, input), await logitsFromOnnx(exportOnnx(imported), input))).toBeLessThan(1e-4);
    expect(() => importOnnxModel(bytes, 'x.onnx', grey28)).toThrow();
  });

  it('records several models in one graph under scopes (zoo and imported), each with its own parameters and the same logits as alone', async () => {
    const zoo = withStatistics(createZooModel(rgb32, { architecture: 'resnet8', seed: 3, width: 0.5 }), 2);
    const imported = importOnnxModel(exportOnnx(zoo), 'resnet8.onnx');
    const input = randomInput([2, 3, 32, 32], 4);
    const g = new GraphBuilder({ training: false });
    const x = g.input('x', [2, 3, 32, 32]);
    const a = buildModelGraph(zoo, g, { batch: 2, training: false, input: x, scope: 'teacher' });
    const b = buildModelGraph(imported, g, { batch: 2, training: false, input: x, scope: 'student' });
    const again = buildModelGraph(zoo, g, { batch: 2, training: false, input: x, scope: 'teacher', reuse: true });
    expect([...g.params.keys()].every((n) => n.startsWith('teacher/') || n.startsWith('student/'))).toBe(true);
    expect([...g.params.keys()].filter((n) => n.startsWith('teacher/')).length).toBe(Object.keys(zoo.params).length);
    expect(a.outputs.features!.shape).toEqual([2, 32]);
    const fn = await CompiledFunction.compile(g, { a: a.logits, b: b.logits, again: again.logits }, { intraOpThreads: 1 });
    const out = await fn.run(initialState(g), { x: input });
    const alone = await logitsInBuilder(zoo, input);
    for (const name of ['a', 'b', 'again']) expect(maxDiff(out[name]!.values as Float32Array, alone)).toBeLessThan(1e-4);
    expect(modelStateOf(zoo, initialState(g), 'teacher').params).toEqual(zoo.params);
    expect(() => buildModelGraph(zoo, g, { batch: 2, training: false, input: x, scope: 'nobody', reuse: true })).toThrow(/reuse needs an earlier build under scope nobody/);
    expect(() => buildModelGraph(zoo, g, { batch: 2, training: false, input: x, scope: 'teacher' })).toThrow(/already has a value named "teacher\/conv1.weight"/);
  });

  it('names what does not fit: image shape, classes, task', () => {
    const model = createZooModel(grey28, { architecture: 'lenet5' });
    const data = { name: 'cifar', task: 'classify' as const, shape: [3, 32, 32] as [number, number, number], classes: ['a', 'b', 'c'] };
    expect(dataMismatch(model, data)).toMatch(/images of 3x32x32 .* the model expects 1x28x28/);
    expect(dataMismatch(model, { ...data, shape: [1, 28, 28], classes: ['a', 'b'] })).toMatch(/2 classes but the model predicts 3/);
    expect(dataMismatch(model, { ...data, shape: [1, 28, 28] })).toBeUndefined();
  });
});

describe('trainClassifier', () => {
  it('learns generated shapes (train from scratch, evaluate on held-out images), streaming loss and accuracy', { timeout: 120_000 }, async () => {
    const { train, test } = generatedDataset({ classes: 4, trainCount: 640, testCount: 200, size: 16, seed: 1 });
    const model = createZooModel(train, { architecture: 'lenet5', seed: 1 });
    const before = await evaluateClassifier(model, test, { intraOpThreads: 1 });
    const metrics: { name: string; value: number; step: number }[] = [];
    const progress: string[] = [];
    const r = await trainClassifier(model, train, quickTrainOptions({ epochs: 4, validation: test, schedule: 'cosine', augmentation: 'shift-crop' }), {
      metric: (name, value, step) => metrics.push({ name, value, step }),
      progress: (_, message) => progress.push(message),
    });
    expect(r.steps).toBe(4 * 20);
    const after = await evaluateClassifier({ ...model, params: r.params, buffers: r.buffers }, test, { intraOpThreads: 1, batchSize: 64 });
    expect(before.accuracy).toBeLessThan(0.45);
    expect(after.accuracy).toBeGreaterThan(0.8);
    expect(after.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect(r.epochs.at(-1)!.valAccuracy).toBeCloseTo(after.accuracy, 5);
    expect(metrics.filter((m) => m.name === 'val_accuracy').map((m) => m.step)).toEqual([1, 2, 3, 4]);
    const losses = metrics.filter((m) => m.name === 'loss');
    expect(losses.at(-1)!.value).toBeLessThan(losses[0]!.value);
    expect(progress).toContain('epoch 2/4, step 20/20, loss ' + r.epochs[1]!.loss.toFixed(4));
    // The input model is untouched: training works on copies.
    expect(model.params['conv1.weight']).toEqual(createZooModel(train, { architecture: 'lenet5', seed: 1 }).params['conv1.weight']);
  });

  it('fails with the step number when the loss diverges, and stops on abort', async () => {
    const { train } = generatedDataset({ classes: 3, trainCount: 96, testCount: 10, size: 16, seed: 2 });
    const model = createZooModel(train, { architecture: 'mlp', seed: 1 });
    const error = await trainClassifier(model, train, quickTrainOptions({ optimizer: 'sgd', lr: 1e6, momentum: 0.9 })).catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).step).toBeGreaterThan(1);
    expect((error as Error).message).toMatch(/NaN at step \d+ .*lower learning rate/);
    const controller = new AbortController();
    controller.abort();
    await expect(trainClassifier(model, train, quickTrainOptions(), { signal: controller.signal })).rejects.toThrow();
  });

  it('early stopping keeps the best validation epoch', async () => {
    const { train, test } = generatedDataset({ classes: 3, trainCount: 96, testCount: 60, size: 16, seed: 4 });
    const model = createZooModel(train, { architecture: 'mlp', seed: 1 });
    // With this seed and learning rate validation accuracy peaks at epoch 3 and drops at epoch 4, so patience 1 stops there.
    const r = await trainClassifier(model, train, quickTrainOptions({ epochs: 12, lr: 0.05, optimizer: 'sgd', momentum: 0, validation: test, patience: 1 }));
    const best = Math.max(...r.epochs.map((e) => e.valAccuracy!));
    const ev = await evaluateClassifier({ ...model, params: r.params, buffers: r.buffers }, test, { intraOpThreads: 1 });
    expect(ev.accuracy).toBeCloseTo(best, 6);
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs.length).toBeLessThan(12);
    expect(r.epochs.at(-1)!.valAccuracy).toBeLessThan(best);
  });

  it('trains a parametrisation with its own parameters, calls the update hooks and reports onEpoch figures', async () => {
    const { train } = generatedDataset({ classes: 3, trainCount: 96, testCount: 10, size: 16, seed: 2 });
    const model = createZooModel(train, { architecture: 'mlp', seed: 1 });
    const first = Object.keys(model.params)[0]!;
    // The first weight is computed as weight * scale with a learnable scalar `scale`.
    const parametrize = (g: GraphBuilder) => (name: string, w: Tensor) => (name === first ? mul(w, g.param('scale', [1], Float32Array.of(1))) : w);
    const seen = { before: 0, after: 0, names: new Set<string>() };
    const r = await trainClassifier(model, train, quickTrainOptions({ epochs: 2, parametrize, frozen: [first] }), {
      beforeUpdate: (_params, grads) => {
        seen.before++;
        for (const name of grads.keys()) seen.names.add(name);
      },
      // A projection after every step: the last bias stays clamped at or below 0.
      afterUpdate: (params) => {
        seen.after++;
        const bias = params.get(Object.keys(model.params).at(-1)!)!;
        for (let i = 0; i < bias.length; i++) bias[i] = Math.min(0, bias[i]!);
      },
      onEpoch: async (epoch, state) => ({ scale_seen: state.params.scale![0]!, epoch_twice: 2 * epoch }),
    });
    expect(seen.before).toBe(r.steps);
    expect(seen.after).toBe(r.steps);
    expect(seen.names.has('scale')).toBe(true);
    expect(r.params.scale![0]).not.toBe(1);
    expect(r.params[first]).toEqual(model.params[first]);
    expect(Math.max(...r.params[Object.keys(model.params).at(-1)!]!)).toBeLessThanOrEqual(0);
    expect(r.epochs.map((e) => e.extra!.epoch_twice)).toEqual([2, 4]);
  });

  it('augments: flips mirror each row, shifts move the image and fill with black', () => {
    const shape = [1, 1, 4, 4];
    const base = Float32Array.from({ length: 16 }, (_, i) => i);
    let flipped: Float32Array | undefined;
    for (let seed = 0; seed < 20 && !flipped; seed++) {
      const v = base.slice();
      augmentBatch(v, shape, 'flip', createRng(seed), [-1]);
      if (v[0] !== 0) flipped = v;
    }
    expect(Array.from(flipped!.subarray(0, 4))).toEqual([3, 2, 1, 0]);
    const shifted = base.slice();
    let seed = 0;
    while (shifted.every((v, i) => v === base[i])) augmentBatch(shifted, shape, 'shift-crop', createRng(seed++), [-1]);
    expect(shifted.filter((v) => v === -1).length).toBeGreaterThan(0);
    const kept = Array.from(shifted).filter((v) => v !== -1);
    expect(kept.every((v) => base.includes(v))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { buildModelGraph, createZooModel } from '../model/model.ts';
import { replicaCount, trainClassifier, type TrainOptions } from '../model/train.ts';
import { initialState, TrainStep } from './compiled-graph.ts';
import { ReplicatedTrainStep, replicationRefusal } from './replicated-step.ts';
import type { HostTensor } from './session.ts';

const data = { shape: [1, 28, 28] as [number, number, number], classes: Array.from({ length: 10 }, (_, i) => String(i)), normalize: { mean: [0.5], std: [0.25] } };

/** LeNet-5's training step (cross-entropy and accuracy) recorded at `batch`. */
function lenetStep(batch: number, architecture: 'lenet5' | 'resnet8' = 'lenet5') {
  const model = createZooModel({ ...data, ...(architecture === 'resnet8' ? { shape: [3, 32, 32] as [number, number, number] } : {}) }, { architecture, seed: 3 });
  const g = new GraphBuilder({ training: true, seed: 1 });
  const { logits } = buildModelGraph(model, g, { batch, training: true });
  const labels = g.input('labels', [batch], 'int64');
  return { g, spec: { graph: g, loss: F.crossEntropy(logits, labels), metrics: { accuracy: F.accuracy(logits, labels) }, outputs: { logits } } };
}

function batchOf(n: number, seed: number): Record<string, HostTensor> {
  const rng = createRng(seed);
  return {
    input: { dtype: 'float32', shape: [n, 1, 28, 28], values: Float32Array.from({ length: n * 784 }, () => rng() * 2 - 1) },
    labels: { dtype: 'int64', shape: [n], values: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng() * 10))) },
  };
}

describe('replicated training step', () => {
  it('averages its replicas into the full batch step: loss, metrics, every gradient; fetched tensors concatenated', async () => {
    const full = lenetStep(16);
    const half = lenetStep(8);
    const whole = await TrainStep.compile(full.spec, { intraOpThreads: 1 });
    const split = await ReplicatedTrainStep.compile(half.spec, { intraOpThreads: 2 }, 2);
    try {
      expect(split.replicas).toBe(2);
      // The same initial values under the same names: both graphs record the same model.
      const state = initialState(full.g);
      for (let step = 0; step < 2; step++) {
        const batch = batchOf(16, step);
        const a = await whole.run(state, batch);
        const b = await split.run(state, batch);
        expect(b.loss).toBeCloseTo(a.loss, 5);
        expect(b.metrics.accuracy).toBeCloseTo(a.metrics.accuracy!, 6);
        expect([...b.grads.keys()]).toEqual([...a.grads.keys()]);
        expect(b.outputs.logits!.shape).toEqual([16, 10]);
        b.outputs.logits!.values.forEach((v, i) => expect(v).toBeCloseTo(Number(a.outputs.logits!.values[i]), 4));
        for (const [name, g] of a.grads) {
          const h = b.grads.get(name)!;
          const scale = Math.max(...g.map(Math.abs));
          expect(scale).toBeGreaterThan(0);
          for (let i = 0; i < g.length; i++) expect(Math.abs(h[i]! - g[i]!)).toBeLessThan(1e-4 * scale + 1e-7);
        }
        // The replicas read the parameters of every step: change them and the loss follows.
        for (const v of state.params.values()) for (let i = 0; i < v.length; i++) v[i] = v[i]! * 0.9;
      }
    } finally {
      await split.close();
    }
  });

  it('averages any number of replicas, each worker taking its range of the gradients', async () => {
    const full = lenetStep(12);
    const whole = await TrainStep.compile(full.spec, { intraOpThreads: 1 });
    const split = await ReplicatedTrainStep.compile(lenetStep(4).spec, { intraOpThreads: 3 }, 3);
    try {
      const state = initialState(full.g);
      const batch = batchOf(12, 7);
      const a = await whole.run(state, batch);
      const b = await split.run(state, batch);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      for (const [name, g] of a.grads) {
        const h = b.grads.get(name)!;
        const scale = Math.max(...g.map(Math.abs));
        for (let i = 0; i < g.length; i++) expect(Math.abs(h[i]! - g[i]!)).toBeLessThan(1e-4 * scale + 1e-7);
      }
    } finally {
      await split.close();
    }
  });

  it('refuses graphs whose samples meet (batch norm) and batches that do not split', async () => {
    const bn = lenetStep(8, 'resnet8');
    expect(replicationRefusal(bn.g)).toMatch(/batch statistics/);
    await expect(ReplicatedTrainStep.compile(bn.spec, {}, 2)).rejects.toThrow(/cannot be split across replicas: the graph updates buffers/);
    const half = lenetStep(8);
    await expect(ReplicatedTrainStep.compile(half.spec, {}, 1)).rejects.toThrow(/at least 2 replicas/);
    const split = await ReplicatedTrainStep.compile(half.spec, { intraOpThreads: 2 }, 2);
    try {
      await expect(split.run(initialState(half.g), batchOf(12, 0))).rejects.toThrow(/batch input input: 9408 values, expected 2 shares of \[8, 1, 28, 28\]/);
    } finally {
      await split.close();
    }
  });

  it('is chosen for a classifier only where the split step is the full one and there are threads for it', () => {
    const lenet = lenetStep(64).g;
    const resnet = lenetStep(64, 'resnet8').g;
    expect(replicaCount(lenet, 64, 1000, { intraOpThreads: 2 })).toBe(2);
    expect(replicaCount(lenet, 64, 1000, { intraOpThreads: 1 })).toBe(1);
    expect(replicaCount(lenet, 64, 50, { intraOpThreads: 2 })).toBe(1);
    expect(replicaCount(lenet, 63, 1000, { intraOpThreads: 2 })).toBe(1);
    expect(replicaCount(resnet, 64, 1000, { intraOpThreads: 2 })).toBe(1);
    expect(replicaCount(lenet, 64, 10, { replicas: 2 })).toBe(2);
    expect(() => replicaCount(lenet, 63, 10, { replicas: 2 })).toThrow(/does not split into 2 equal shares/);
    expect(() => replicaCount(resnet, 64, 10, { replicas: 2 })).toThrow(/cannot be split across replicas/);
  });

  it('trains a classifier through the fit loop as the single session does', async () => {
    const rng = createRng(5);
    const count = 256;
    const labels = Int32Array.from({ length: count }, () => Math.floor(rng() * 4));
    // Four classes told apart by where a bright square sits.
    const pixels = new Uint8Array(count * 784);
    labels.forEach((label, s) => {
      const [r0, c0] = [label < 2 ? 4 : 16, label % 2 ? 16 : 4];
      for (let i = 0; i < 784; i++) pixels[s * 784 + i] = Math.floor(rng() * 40);
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) pixels[s * 784 + (r0 + r) * 28 + c0 + c] = 200 + Math.floor(rng() * 55);
    });
    const train: Dataset = {
      kind: 'dataset',
      name: 'squares',
      task: 'classify',
      count,
      shape: [1, 28, 28],
      classes: ['0', '1', '2', '3'],
      pixels,
      labels,
      normalize: data.normalize,
      source: { kind: 'generated', files: [] },
    };
    const model = createZooModel({ ...data, classes: ['0', '1', '2', '3'] }, { architecture: 'lenet5', seed: 0 });
    const options: TrainOptions = { epochs: 3, batchSize: 32, optimizer: 'adam', lr: 2e-3, momentum: 0, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 2, intraOpThreads: 2 };
    const one = await trainClassifier(model, train, { ...options, replicas: 1 });
    const two = await trainClassifier(model, train, { ...options, replicas: 2 });
    expect(two.epochs.map((e) => e.loss)).toHaveLength(3);
    // Same batches, same updates: the curves agree to float rounding, and both learn the task.
    two.epochs.forEach((e, i) => expect(e.loss).toBeCloseTo(one.epochs[i]!.loss, 3));
    expect(two.epochs.at(-1)!.accuracy).toBeGreaterThan(0.9);
  });
});

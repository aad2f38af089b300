import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/model.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { GraphBuilder, modelHash, type Tensor } from './graph-builder.ts';
import { init } from './init.ts';
import { batchNormLayer, conv2dLayer, linearLayer } from './layers.ts';
import * as F from './ops/index.ts';

const f32 = (shape: number[], values: number[]): HostTensor => ({ dtype: 'float32', shape, values: new Float32Array(values) });

async function evaluate(g: GraphBuilder, outputs: Record<string, Tensor>, feeds: Record<string, HostTensor>) {
  const session = await createSession(g.toModel({ outputs, state: 'initializers' }), { intraOpThreads: 1 });
  const out = await runSession(session, feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.values as Float32Array, Number)]));
}

describe('static shape inference', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [8, 3, 28, 28]);

  it('conv2d: stride, padding, dilation, groups', () => {
    const w = (o: number, c: number, k: number) => g.param(g.uniqueName('w'), [o, c, k, k], init.zeros());
    expect(F.conv2d(x, w(16, 3, 3), null, { padding: 1 }).shape).toEqual([8, 16, 28, 28]);
    expect(F.conv2d(x, w(16, 3, 3), null, { stride: 2, padding: 1 }).shape).toEqual([8, 16, 14, 14]);
    expect(F.conv2d(x, w(4, 3, 5), null, { dilation: 2 }).shape).toEqual([8, 4, 20, 20]);
    expect(F.conv2d(x, w(6, 1, 3), null, { groups: 3, stride: [2, 1] }).shape).toEqual([8, 6, 13, 26]);
  });

  it('conv2d: channel mismatch is reported with the op and shapes', () => {
    const w = g.param('bad.weight', [4, 2, 3, 3], init.zeros());
    expect(() => F.conv2d(x, w)).toThrow(/Conv\(\[8, 3, 28, 28\], \[4, 2, 3, 3\].*3 channels/);
  });

  it('pooling, linear, reshape, reductions', () => {
    expect(F.maxPool2d(x, { kernel: 2 }).shape).toEqual([8, 3, 14, 14]);
    expect(F.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 }).shape).toEqual([8, 3, 14, 14]);
    expect(F.avgPool2d(x, { kernel: 3, stride: 2, ceilMode: true }).shape).toEqual([8, 3, 14, 14]);
    expect(F.globalAvgPool(x).shape).toEqual([8, 3, 1, 1]);
    const flat = F.flatten(x);
    expect(flat.shape).toEqual([8, 3 * 28 * 28]);
    expect(F.linear(flat, g.param('fc.w', [10, 2352], init.zeros())).shape).toEqual([8, 10]);
    expect(F.reshape(x, [0, -1, 28]).shape).toEqual([8, 84, 28]);
    expect(F.sum(x, [1, 2]).shape).toEqual([8, 28]);
    expect(F.mean(x, [-1], true).shape).toEqual([8, 3, 28, 1]);
    expect(F.mean(x).shape).toEqual([]);
    expect(F.argmax(flat, 1).shape).toEqual([8]);
    expect(F.argmax(flat, 1).dtype).toBe('int64');
  });

  it('broadcasting, transpose, concat, slice, pad', () => {
    expect(F.add(x, g.constant([1, 2, 3], [3, 1, 1])).shape).toEqual([8, 3, 28, 28]);
    expect(() => F.add(x, g.constant([1, 2], [2, 1, 1]))).toThrow(/Add.*do not broadcast/);
    expect(F.transpose(x, [0, 2, 3, 1]).shape).toEqual([8, 28, 28, 3]);
    expect(F.concat([x, x], 1).shape).toEqual([8, 6, 28, 28]);
    expect(F.slice(x, [2, -10], [1000, -2], [2, 3]).shape).toEqual([8, 3, 26, 8]);
    expect(F.slice(x, [0], [28], [2], [3]).shape).toEqual([8, 3, 10, 28]);
    expect(F.pad(x, [0, 0, 1, 2, 0, 0, 3, 4]).shape).toEqual([8, 3, 32, 34]);
    expect(F.matmul(g.input('a', [2, 1, 3, 4]), g.input('b', [5, 4, 6])).shape).toEqual([2, 5, 3, 6]);
  });

  it('names values uniquely and refuses duplicates', () => {
    const h = new GraphBuilder();
    h.input('x', [1]);
    expect(() => h.input('x', [1])).toThrow(/already has a value named "x"/);
  });
});

describe('graph execution', () => {
  it('batchNorm in training mode normalises with batch statistics and updates running stats', async () => {
    const g = new GraphBuilder({ training: true });
    const x = g.input('x', [4, 1]);
    const y = batchNormLayer(x, 'bn', { momentum: 0.5 });
    const updates = Object.fromEntries([...g.bufferUpdates].map(([k, v]) => [`new:${k}`, v]));
    const out = await evaluate(g, { y, ...updates }, { x: f32([4, 1], [1, 2, 3, 6]) });
    // mean 3, biased var (4+1+0+9)/4 = 3.5, unbiased 14/3
    const s = Math.sqrt(3.5 + 1e-5);
    out.y!.forEach((v, i) => expect(v).toBeCloseTo(([1, 2, 3, 6][i]! - 3) / s, 5));
    expect(out['new:bn.running_mean']![0]).toBeCloseTo(0.5 * 0 + 0.5 * 3, 5);
    expect(out['new:bn.running_var']![0]).toBeCloseTo(0.5 * 1 + 0.5 * (14 / 3), 5);
  });

  it('crossEntropy and accuracy match a hand computation', async () => {
    const g = new GraphBuilder();
    const z = g.input('z', [2, 3]);
    const y = g.input('y', [2], 'int64');
    const out = await evaluate(g, { loss: F.crossEntropy(z, y), acc: F.accuracy(z, y) }, {
      z: f32([2, 3], [1, 2, 3, 0, 0, 5]),
      y: { dtype: 'int64', shape: [2], values: new BigInt64Array([2n, 0n]) },
    });
    const lse = (v: number[]) => Math.log(v.reduce((a, b) => a + Math.exp(b), 0));
    const expected = (lse([1, 2, 3]) - 3 + lse([0, 0, 5]) - 0) / 2;
    expect(out.loss![0]).toBeCloseTo(expected, 5);
    expect(out.acc![0]).toBe(0.5);
  });

  it('upsampleNearest repeats pixels', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 1, 2, 2]);
    const out = await evaluate(g, { y: F.upsampleNearest(x, 2) }, { x: f32([1, 1, 2, 2], [1, 2, 3, 4]) });
    expect(out.y).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('exports a standalone model (state as initializers) that keeps only the nodes the outputs need', async () => {
    const g = new GraphBuilder({ seed: 4 });
    const x = g.input('x', [2, 1, 4, 4]);
    const labels = g.input('labels', [2], 'int64');
    const logits = linearLayer(F.flatten(F.relu(conv2dLayer(x, 'conv', 2, 3, { padding: 1 }))), 'fc', 3);
    F.crossEntropy(logits, labels);
    const model = g.toModel({ outputs: { logits }, state: 'initializers', metadata: { 'condense.task': 'classify' } });
    expect(model.graph.input.map((i) => i.name)).toEqual(['x']);
    expect(model.graph.node.some((n) => n.opType === 'LogSoftmax')).toBe(false);
    expect(model.graph.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias']));
    expect(decodeModel(encodeModel(model)).metadataProps).toEqual([{ key: 'condense.task', value: 'classify' }]);

    const feeds = { x: f32([2, 1, 4, 4], Array.from({ length: 32 }, (_, i) => Math.sin(i))) };
    const standalone = await createSession(model, { intraOpThreads: 1 });
    const a = await runSession(standalone, feeds);
    const fed = await createSession(g.toModel({ outputs: { logits } }), { intraOpThreads: 1 });
    const state: Record<string, HostTensor> = {};
    for (const p of g.params.values()) state[p.name] = { dtype: p.dtype, shape: p.shape, values: p.initial };
    const b = await runSession(fed, { ...feeds, ...state });
    expect(Array.from(a.logits!.values as Float32Array)).toEqual(Array.from(b.logits!.values as Float32Array));
  });

  it('seeds parameter initialisation and hashes identical graphs identically', () => {
    const build = (seed: number) => {
      const g = new GraphBuilder({ seed });
      const x = g.input('x', [1, 4]);
      return { g, y: linearLayer(x, 'fc', 3) };
    };
    const [a, b, c] = [build(1), build(1), build(2)];
    expect(a.g.params.get('fc.weight')!.initial).toEqual(b.g.params.get('fc.weight')!.initial);
    expect(a.g.params.get('fc.weight')!.initial).not.toEqual(c.g.params.get('fc.weight')!.initial);
    expect(modelHash(a.g.toModel({ outputs: { y: a.y } }))).toBe(modelHash(b.g.toModel({ outputs: { y: b.y } })));
  });

  it('shares identical small constants', () => {
    const g = new GraphBuilder();
    expect(g.scalar(2).name).toBe(g.scalar(2).name);
    expect(g.scalar(2).name).not.toBe(g.scalar(2, 'float64').name);
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng, normalSample, type Rng } from '../graph/init.ts';
import { batchNormLayer, conv2dLayer, linearLayer } from '../graph/layers.ts';
import * as F from '../graph/ops/index.ts';
import { encodeModel } from '../onnx/model.ts';
import { applyBufferUpdates, CompiledFunction, initialState, stateValues, TrainStep, type ModelState } from './compiled-graph.ts';
import { Adam, Sgd, type Optimizer } from './optimizers.ts';
import { createSession, runSession, type HostTensor } from './session.ts';

/**
 * Four classes of 8x8 images, each a shape at a random place plus noise:
 * 0 horizontal bar, 1 vertical bar, 2 diagonal, 3 a 3x3 square.
 */
function shapesBatch(rng: Rng, n: number): { x: Float32Array; y: BigInt64Array } {
  const x = new Float32Array(n * 64);
  const y = new BigInt64Array(n);
  for (let s = 0; s < n; s++) {
    const label = Math.floor(rng() * 4);
    y[s] = BigInt(label);
    const img = x.subarray(s * 64, (s + 1) * 64);
    const at = (r: number, c: number) => (img[r * 8 + c] = 1);
    const p = 1 + Math.floor(rng() * 6);
    if (label === 0) for (let c = 1; c < 7; c++) at(p, c);
    else if (label === 1) for (let r = 1; r < 7; r++) at(r, p);
    else if (label === 2) {
      const anti = rng() < 0.5;
      for (let i = 1; i < 7; i++) at(i, anti ? 7 - i : i);
    } else {
      const q = Math.floor(rng() * 5);
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) at(Math.min(p, 5) + r, q + c);
    }
    for (let i = 0; i < 64; i++) img[i] = img[i]! + 0.25 * normalSample(rng);
  }
  return { x, y };
}

function cnn(g: GraphBuilder, x: Tensor): Tensor {
  let h = F.relu(batchNormLayer(conv2dLayer(x, 'conv1', 8, 3, { padding: 1, bias: false }), 'bn1'));
  h = F.maxPool2d(h, { kernel: 2 });
  h = F.relu(conv2dLayer(h, 'conv2', 16, 3, { padding: 1 }));
  return linearLayer(F.flatten(F.globalAvgPool(h)), 'fc', 4);
}

function batchFeeds(batch: { x: Float32Array; y: BigInt64Array }, n: number): Record<string, HostTensor> {
  return { x: { dtype: 'float32', shape: [n, 1, 8, 8], values: batch.x }, y: { dtype: 'int64', shape: [n], values: batch.y } };
}

async function train(step: TrainStep, state: ModelState, optimizer: Optimizer, steps: number, n: number, seed: number) {
  const rng = createRng(seed);
  const losses: number[] = [];
  const accuracies: number[] = [];
  for (let i = 0; i < steps; i++) {
    const r = await step.run(state, batchFeeds(shapesBatch(rng, n), n));
    optimizer.step(state.params, r.grads);
    applyBufferUpdates(state, r.buffers);
    losses.push(r.loss);
    accuracies.push(r.metrics.accuracy!);
  }
  return { losses, accuracies };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('training on onnxruntime', () => {
  it('trains a small CNN with batch norm (Adam): loss falls, held-out accuracy rises', { timeout: 120_000 }, async () => {
    const n = 32;
    const g = new GraphBuilder({ seed: 3, training: true });
    const x = g.input('x', [n, 1, 8, 8]);
    const y = g.input('y', [n], 'int64');
    const logits = cnn(g, x);
    const step = await TrainStep.compile({ graph: g, loss: F.crossEntropy(logits, y), metrics: { accuracy: F.accuracy(logits, y) } });
    expect(step.bufferNames).toEqual(['bn1.running_mean', 'bn1.running_var']);
    expect(step.paramNames).toContain('conv1.weight');

    const state = initialState(g);
    const { losses } = await train(step, state, new Adam({ learningRate: 0.02 }), 150, n, 11);
    expect(mean(losses.slice(-15))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));

    // Held-out evaluation with batch norm in eval mode (running statistics learned above).
    const evalN = 256;
    const ge = new GraphBuilder({ seed: 3, training: false });
    const xe = ge.input('x', [evalN, 1, 8, 8]);
    const ye = ge.input('y', [evalN], 'int64');
    const evalFn = await CompiledFunction.compile(ge, { accuracy: F.accuracy(cnn(ge, xe), ye) });
    const test = batchFeeds(shapesBatch(createRng(999), evalN), evalN);
    const before = Number((await evalFn.run(initialState(ge), test)).accuracy!.values[0]);
    const after = Number((await evalFn.run(state, test)).accuracy!.values[0]);
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.9);

    // The trained model exported as a standalone ONNX model (weights inside, any batch size)
    // predicts the same classes.
    const gx = new GraphBuilder({ seed: 3, training: false });
    const xx = gx.input('x', [evalN, 1, 8, 8]);
    const exported = gx.toModel({ outputs: { logits: cnn(gx, xx) }, state: 'initializers', stateValues: stateValues(state), dynamicBatch: 'N' });
    expect(exported.graph.input.map((i) => i.name)).toEqual(['x']);
    const session = await createSession(encodeModel(exported), { intraOpThreads: 1 });
    const few = 5;
    const out = await runSession(session, { x: { dtype: 'float32', shape: [few, 1, 8, 8], values: (test.x!.values as Float32Array).slice(0, few * 64) } });
    expect(out.logits!.shape).toEqual([few, 4]);
    const predicted = Array.from({ length: few }, (_, i) => {
      const row = Array.from((out.logits!.values as Float32Array).subarray(i * 4, i * 4 + 4));
      return row.indexOf(Math.max(...row));
    });
    const labels = Array.from(test.y!.values as BigInt64Array, Number).slice(0, few);
    expect(predicted.filter((p, i) => p === labels[i]).length).toBeGreaterThanOrEqual(4);
  });

  it('trains an MLP (SGD with momentum) on a noisy XOR, which no linear model solves', { timeout: 60_000 }, async () => {
    const n = 64;
    const g = new GraphBuilder({ seed: 5 });
    const x = g.input('x', [n, 2]);
    const y = g.input('y', [n], 'int64');
    const logits = linearLayer(F.tanh(linearLayer(x, 'l1', 16)), 'l2', 2);
    const step = await TrainStep.compile({ graph: g, loss: F.crossEntropy(logits, y), metrics: { accuracy: F.accuracy(logits, y) } });
    const state = initialState(g);
    const opt = new Sgd({ learningRate: 0.1, momentum: 0.9 });
    const rng = createRng(21);
    const sample = () => {
      const xs = new Float32Array(n * 2);
      const ys = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const c = rng() < 0.5 ? 0 : 1;
        ys[i] = BigInt(c);
        // XOR-like layout: class 1 in quadrants 1 and 3, so a linear model cannot solve it.
        const sx = rng() < 0.5 ? -1 : 1;
        const sy = c === 1 ? sx : -sx;
        xs[2 * i] = sx + 0.3 * normalSample(rng);
        xs[2 * i + 1] = sy + 0.3 * normalSample(rng);
      }
      return { x: { dtype: 'float32', shape: [n, 2], values: xs }, y: { dtype: 'int64', shape: [n], values: ys } } as Record<string, HostTensor>;
    };
    const losses: number[] = [];
    const accs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await step.run(state, sample());
      opt.step(state.params, r.grads);
      losses.push(r.loss);
      accs.push(r.metrics.accuracy!);
    }
    expect(mean(losses.slice(-20))).toBeLessThan(0.3 * mean(losses.slice(0, 5)));
    expect(mean(accs.slice(-20))).toBeGreaterThan(0.9);
    expect(mean(accs.slice(0, 5))).toBeLessThan(0.8);
  });

  it('compiles the same graph once (session cache keyed by model hash)', async () => {
    const build = () => {
      const g = new GraphBuilder({ seed: 1 });
      const x = g.input('x', [4, 3]);
      return { g, loss: F.mean(F.square(linearLayer(x, 'l', 2))) };
    };
    const a = build();
    const b = build();
    const sa = await TrainStep.compile({ graph: a.g, loss: a.loss });
    const sb = await TrainStep.compile({ graph: b.g, loss: b.loss });
    expect(sa.cacheKey).toBe(sb.cacheKey);
  });
});

describe('dropout', () => {
  it('drops about p of the elements, scales the rest, and routes the gradient through the same mask', async () => {
    const g = new GraphBuilder({ training: true });
    const x = g.param('x', [4000], new Float32Array(4000).fill(2));
    const y = F.dropout(x, 0.25);
    const step = await TrainStep.compile({ graph: g, loss: F.sum(y), metrics: { kept: F.mean(F.cast(F.greater(y, 0), 'float32')) } }, { seed: 7 });
    const state = initialState(g);
    const r = await step.run(state, {});
    expect(r.metrics.kept).toBeGreaterThan(0.72);
    expect(r.metrics.kept).toBeLessThan(0.78);
    // d sum(y)/dx = mask: 0 or 1/(1-p); the loss equals the sum of the kept elements scaled.
    const gx = r.grads.get('x')!;
    expect(new Set(Array.from(gx, (v) => Math.round(v * 1e4) / 1e4))).toEqual(new Set([0, 1.3333]));
    const kept = gx.filter((v) => v > 0).length;
    expect(r.loss).toBeCloseTo(kept * 2 * (4 / 3), 0);
    const again = await step.run(state, {});
    expect(Array.from(again.grads.get('x')!)).not.toEqual(Array.from(gx));
  });

  it('is the identity in eval mode', () => {
    const g = new GraphBuilder({ training: false });
    const x = g.input('x', [3]);
    expect(F.dropout(x, 0.5)).toBe(x);
  });
});

describe('batch norm state', () => {
  it('leaves the fed running statistics untouched and returns PyTorch-style updates', async () => {
    const g = new GraphBuilder({ training: true });
    const x = g.input('x', [4, 1]);
    const y = batchNormLayer(x, 'bn', { momentum: 0.5 });
    const step = await TrainStep.compile({ graph: g, loss: F.sum(F.mul(y, y)) });
    const state = initialState(g);
    const r = await step.run(state, { x: { dtype: 'float32', shape: [4, 1], values: new Float32Array([1, 2, 3, 6]) } });
    expect(Array.from(state.buffers.get('bn.running_mean') as Float32Array)).toEqual([0]);
    expect(Array.from(state.buffers.get('bn.running_var') as Float32Array)).toEqual([1]);
    // mean 3, biased variance 3.5, unbiased 14/3
    expect((r.buffers.get('bn.running_mean') as Float32Array)[0]).toBeCloseTo(1.5, 5);
    expect((r.buffers.get('bn.running_var') as Float32Array)[0]).toBeCloseTo(0.5 + 0.5 * (14 / 3), 5);
  });
});

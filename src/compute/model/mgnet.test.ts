import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated.ts';
import { grad } from '../autodiff/grad.ts';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import { decodeModel } from '../onnx/model.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { evaluateClassifier } from './evaluate.ts';
import { exportOnnx, GLIMPSE_BOXES_OUTPUT, GLIMPSE_LOGITS_OUTPUT } from './export.ts';
import { MgnetSettingError } from './mgnet.ts';
import { buildModelGraph, createZooModel, type Model } from './model.ts';
import { trainClassifier } from './train.ts';
import type { ZooOptions } from './zoo.ts';
import { quickTrainOptions } from '../../../tests/helpers/train-options.ts';

// 24x24 grey images at glimpse scale 2: 12x12 glimpses, the smallest LeNet-5 reads.
const grey24 = { shape: [1, 24, 24] as [number, number, number], classes: ['a', 'b', 'c'], normalize: { mean: [0.3], std: [0.3] } };
const K = grey24.classes.length;

function mgnetModel(options: ZooOptions = {}, seed = 1): Model {
  return createZooModel(grey24, { architecture: 'mgnet', seed, width: 0.5, options: { glimpses: 3, glimpseScale: 2, ...options } });
}

function randomImages(n: number, seed: number): HostTensor {
  const rng = createRng(seed);
  return { dtype: 'float32', shape: [n, 1, 24, 24], values: Float32Array.from({ length: n * 24 * 24 }, () => rng() * 2 - 1) };
}

const labelsOf = (values: number[]): HostTensor => ({ dtype: 'int64', shape: [values.length], values: BigInt64Array.from(values.map(BigInt)) });

/** Every named output of the model on `input`, and the model's own loss where labels are given. */
async function run(model: Model, input: HostTensor, labels?: HostTensor): Promise<Record<string, HostTensor>> {
  const g = new GraphBuilder({ training: false });
  const built = buildModelGraph(model, g, { batch: input.shape[0]!, training: false });
  const outputs: Record<string, Tensor> = { ...built.outputs };
  if (labels) outputs.loss = built.loss!(g.input('labels', [input.shape[0]!], 'int64'));
  const fn = await CompiledFunction.compile(g, outputs, { intraOpThreads: 1 });
  return fn.run(initialState(g), { input, ...(labels && { labels }) });
}

const f32 = (t: HostTensor | undefined): Float32Array => t!.values as Float32Array;

/** Bilinear sample of a [h, w] image at pixel coordinates (px, py), zero outside. */
function bilinear(image: Float32Array, h: number, w: number, px: number, py: number): number {
  const [x0, y0] = [Math.floor(px), Math.floor(py)];
  const at = (y: number, x: number) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : image[y * w + x]!);
  const [tx, ty] = [px - x0, py - y0];
  return at(y0, x0) * (1 - tx) * (1 - ty) + at(y0, x0 + 1) * tx * (1 - ty) + at(y0 + 1, x0) * (1 - tx) * ty + at(y0 + 1, x0 + 1) * tx * ty;
}

/** The glimpse of size g x g at (s, tx, ty) with align corners: output pixel i sits at s * (2i / (g - 1) - 1) + t. */
function glimpseRef(image: Float32Array, size: number, g: number, s: number, tx: number, ty: number): Float32Array {
  const toPixel = (n: number) => ((n + 1) / 2) * (size - 1);
  const out = new Float32Array(g * g);
  for (let i = 0; i < g; i++)
    for (let j = 0; j < g; j++) out[i * g + j] = bilinear(image, size, size, toPixel(s * ((2 * j) / (g - 1) - 1) + tx), toPixel(s * ((2 * i) / (g - 1) - 1) + ty));
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Mean softmax cross-entropy of logits rows, one per sample. */
function crossEntropy(rows: number[][], labels: number[]): number {
  return (
    rows.reduce((sum, row, i) => {
      const max = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - max), 0);
      return sum + Math.log(z) + max - row[labels[i]!]!;
    }, 0) / rows.length
  );
}

/** Rows [n][k] of glimpse t out of a [n, T, k] tensor. */
function glimpseRows(values: Float32Array, n: number, glimpses: number, k: number, t: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray((i * glimpses + t) * k, (i * glimpses + t + 1) * k)));
}

describe('mgnet', () => {
  it('has a shared backbone and its own heads, and gives every output its shape', async () => {
    const model = mgnetModel();
    expect(model.architecture).toMatchObject({ kind: 'zoo', name: 'mgnet', options: { glimpses: 3, glimpseScale: 2 } });
    // One copy of the backbone (LeNet-5 without its last layer), attention over 42 + 3 features.
    expect(Object.keys(model.params).filter((p) => p.startsWith('backbone.'))).toEqual(
      ['conv1', 'conv2', 'fc1', 'fc2'].flatMap((l) => [`backbone.${l}.weight`, `backbone.${l}.bias`]),
    );
    const e = 42 + 3;
    expect(model.params['feat_fusion.mha.in_proj_weight']).toHaveLength(3 * e * e);
    expect(model.params['loc_network.fc.weight']).toHaveLength(3 * e);
    expect(model.params['global_fc.fc.weight']).toHaveLength(K * e);
    expect(model.params['glimpse_fc.fc.weight']).toHaveLength(K * 42);

    const out = await run(model, randomImages(2, 3), labelsOf([0, 2]));
    expect(out.output!.shape).toEqual([2, K]);
    expect(out.glimpse_logits!.shape).toEqual([2, 3, K]);
    expect(out.aux_logits!.shape).toEqual([2, 2, K]);
    expect(out.boxes!.shape).toEqual([2, 3, 4]);
    expect(out.affine!.shape).toEqual([2, 3, 3]);
    expect(out.glimpses!.shape).toEqual([2, 3, 1, 12, 12]);
    expect(out.features!.shape).toEqual([2, e]);
    expect(out.loss!.shape).toEqual([]);
    // The main output is the last glimpse's logits.
    const last = glimpseRows(f32(out.glimpse_logits), 2, 3, K, 2).flat();
    expect(maxDiff(f32(out.output), last)).toBe(0);
  });

  it('trains on (1 - alpha) mean_t CE(global_t) + alpha mean_{t>=2} CE(aux_t)', async () => {
    const model = mgnetModel({ auxWeight: 0.6 });
    const labels = [1, 0, 2, 1];
    const out = await run(model, randomImages(4, 5), labelsOf(labels));
    const global = [0, 1, 2].map((t) => crossEntropy(glimpseRows(f32(out.glimpse_logits), 4, 3, K, t), labels));
    const aux = [0, 1].map((t) => crossEntropy(glimpseRows(f32(out.aux_logits), 4, 2, K, t), labels));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(f32(out.loss)[0]).toBeCloseTo(0.4 * mean(global) + 0.6 * mean(aux), 5);
  });

  it('takes glimpse 1 as the whole image resampled, and each later glimpse at its own box', async () => {
    const model = mgnetModel();
    const input = randomImages(2, 7);
    const out = await run(model, input);
    const glimpses = f32(out.glimpses);
    const affine = f32(out.affine);
    for (let i = 0; i < 2; i++) {
      const image = f32(input).subarray(i * 576, (i + 1) * 576);
      // Align corners: glimpse pixel (r, c) of 12 reads image pixel (r, c) * 23 / 11.
      const resized = Float32Array.from({ length: 144 }, (_, p) => bilinear(image, 24, 24, ((p % 12) * 23) / 11, (Math.floor(p / 12) * 23) / 11));
      expect(maxDiff(glimpses.subarray(i * 3 * 144, i * 3 * 144 + 144), resized)).toBeLessThan(1e-5);
      expect(Array.from(affine.subarray(i * 9, i * 9 + 3))).toEqual([1, 0, 0]);
      for (let t = 1; t < 3; t++) {
        const [s, tx, ty] = affine.subarray((i * 3 + t) * 3, (i * 3 + t) * 3 + 3);
        const sampled = glimpses.subarray((i * 3 + t) * 144, (i * 3 + t + 1) * 144);
        expect(maxDiff(sampled, glimpseRef(image, 24, 12, s!, tx!, ty!))).toBeLessThan(1e-4);
      }
    }
  });

  it('keeps every box inside the image, even with the localisation head saturated', async () => {
    const base = mgnetModel();
    const saturated = (bias: number[]): Model => ({ ...base, params: { ...base.params, 'loc_network.fc.bias': Float32Array.from(bias) } });
    for (const model of [base, saturated([30, 30, -30]), saturated([-30, -30, 30]), saturated([30, -30, 30])]) {
      const out = await run(model, randomImages(3, 11));
      const boxes = f32(out.boxes);
      const affine = f32(out.affine);
      for (let b = 0; b < 3 * 3; b++) {
        const [x0, y0, x1, y1] = boxes.subarray(4 * b, 4 * b + 4);
        const [s, tx, ty] = affine.subarray(3 * b, 3 * b + 3);
        for (const v of [x0!, y0!, x1!, y1!]) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6);
        [tx! - s!, ty! - s!, tx! + s!, ty! + s!].forEach((v, k) => expect(boxes[4 * b + k]).toBeCloseTo(v, 6));
        if (b % 3 === 0) expect(Array.from(boxes.subarray(4 * b, 4 * b + 4))).toEqual([-1, -1, 1, 1]);
        else {
          expect(s).toBeGreaterThanOrEqual(0.2 - 1e-6);
          expect(s).toBeLessThanOrEqual(0.5 + 1e-6);
        }
      }
    }
  });

  it('the localisation head learns only through the sampler, its gradient scaled by localizationGradScale', async () => {
    const locGradient = async (model: Model, input: HostTensor): Promise<Float32Array> => {
      const g = new GraphBuilder({ training: true });
      const built = buildModelGraph(model, g, { batch: 4, training: true });
      const loss = built.loss!(g.input('labels', [4], 'int64'));
      const [dw, db] = grad(g, loss, [g.tensor('loc_network.fc.weight'), g.tensor('loc_network.fc.bias')]);
      const fn = await CompiledFunction.compile(g, { dw: dw!, db: db! }, { intraOpThreads: 1 });
      const out = await fn.run(initialState(g), { input, labels: labelsOf([0, 1, 2, 0]) });
      return Float32Array.from([...f32(out.dw), ...f32(out.db)]);
    };
    // Two glimpses: one pass through the localisation head. With more, the gradient of an earlier glimpse's
    // box also flows through the later heads and is scaled once per head on its way.
    const model = mgnetModel({ glimpses: 2 });
    const unscaled = mgnetModel({ glimpses: 2, localizationGradScale: 1 });
    expect(unscaled.params).toEqual(model.params);
    const input = randomImages(4, 13);
    const scaled = await locGradient(model, input);
    const full = await locGradient(unscaled, input);
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    expect(norm(full)).toBeGreaterThan(1e-4);
    scaled.forEach((v, i) => expect(v).toBeCloseTo(0.02 * full[i]!, 7));
    expect(norm(scaled) / norm(full)).toBeCloseTo(0.02, 5);
    // On a flat image every glimpse is the same wherever it looks, so no gradient reaches the head: the
    // affine parameters in the attention sequence are detached.
    const flat: HostTensor = { dtype: 'float32', shape: [4, 1, 24, 24], values: new Float32Array(4 * 576).fill(0.5) };
    expect(norm(await locGradient(unscaled, flat))).toBeLessThan(1e-6);
  });

  it('trains with trainClassifier on its own loss, and evaluates on the last glimpse', { timeout: 60_000 }, async () => {
    const common = { classes: 3, size: 24, channels: 1 as const, seed: 4 };
    const train = generateDataset({ ...common, count: 192, stream: 1, name: 'shapes (train)' });
    const test = generateDataset({ ...common, count: 60, stream: 2, name: 'shapes (test)' });
    const model = createZooModel(train, { architecture: 'mgnet', seed: 2, width: 0.5, options: { glimpses: 3, glimpseScale: 2 } });
    const r = await trainClassifier(model, train, quickTrainOptions({ epochs: 8 }));
    expect(r.steps).toBe(8 * 6);
    expect(r.epochs.at(-1)!.loss).toBeLessThan(0.8 * r.epochs[0]!.loss);
    // Every parameter trained, the localisation head's too.
    for (const name of Object.keys(model.params)) expect(r.params[name], name).not.toEqual(model.params[name]);
    const after = await evaluateClassifier({ ...model, params: r.params, buffers: r.buffers }, test, { intraOpThreads: 1, batchSize: 32 });
    expect(after.accuracy).toBeGreaterThan(0.6);
  });

  it('exports logits, the logits after every glimpse and the boxes, matching the builder at another batch size', async () => {
    for (const backbone of ['lenet5', 'vgg-small'] as const) {
      const model = mgnetModel({ backbone, glimpses: 3 }, 4);
      const input = randomImages(3, 17);
      const reference = await run(model, input);
      const bytes = exportOnnx(model);
      const meta = Object.fromEntries(decodeModel(bytes).metadataProps.map((e) => [e.key, e.value]));
      expect(JSON.parse(meta['condense.glimpses']!)).toMatchObject({ glimpses: 3, logits: GLIMPSE_LOGITS_OUTPUT, boxes: GLIMPSE_BOXES_OUTPUT });
      const session = await createSession(bytes, { intraOpThreads: 1 });
      const out = await runSession(session, { input });
      await session.release();
      expect(out[GLIMPSE_LOGITS_OUTPUT]!.shape).toEqual([3, 3, K]);
      expect(out[GLIMPSE_BOXES_OUTPUT]!.shape).toEqual([3, 3, 4]);
      expect(maxDiff(f32(out.logits), f32(reference.output)), backbone).toBeLessThan(1e-4);
      expect(maxDiff(f32(out[GLIMPSE_LOGITS_OUTPUT]), f32(reference.glimpse_logits)), backbone).toBeLessThan(1e-4);
      expect(maxDiff(f32(out[GLIMPSE_BOXES_OUTPUT]), f32(reference.boxes)), backbone).toBeLessThan(1e-5);
    }
  });

  it('rejects settings it cannot build, naming the setting', () => {
    expect(() => mgnetModel({ glimpses: 0 })).toThrow(/glimpses must be a whole number of at least 1/);
    expect(() => mgnetModel({ glimpseScale: 0.5 })).toThrow(/glimpseScale must be at least 1/);
    expect(() => mgnetModel({ auxWeight: 1.5 })).toThrow(/auxWeight must lie in \[0, 1\]/);
    expect(() => mgnetModel({ glimpseScale: 3 })).toThrow(/the lenet5 backbone cannot read 8x8 glimpses .*at least 12x12/);
    expect(() => mgnetModel({ backbone: 'mlp' as never })).toThrow(/backbone must be one of lenet5, vgg-small/);
    // The error carries the setting, so the Model node marks that param rather than the architecture.
    const settingOf = (options: ZooOptions) => {
      try {
        mgnetModel(options);
      } catch (e) {
        return e instanceof MgnetSettingError ? e.setting : 'not a setting error';
      }
      return 'built';
    };
    expect(settingOf({ glimpses: 0 })).toBe('glimpses');
    expect(settingOf({ glimpseScale: 3 })).toBe('glimpseScale');
    expect(settingOf({ auxWeight: 1.5 })).toBe('auxWeight');
    expect(settingOf({ backbone: 'mlp' as never })).toBe('backbone');
  });
});

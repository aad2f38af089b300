// The DGMS pieces on their own: k-means, the mixture (TypeScript and graph agree), snapping, the compact
// weight file and the indices + codebook ONNX file run by onnxruntime.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { flatDataset } from '../../../tests/helpers/datasets';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import { exportOnnx } from '../model/export.ts';
import { createZooModel, type Model } from '../model/model.ts';
import { decodeModel } from '../onnx/model.ts';
import { tensorValues } from '../onnx/tensor-data.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import { writeFileAtomic } from '../storage/write-atomic.ts';
import { quantizeDgms, quantizeKmeansPtq, sparsityOf } from './dgms.ts';
import { kmeans1d } from './kmeans.ts';
import { weightLayers } from '../model/weight-layers.ts';
import { selectLayers } from './layers.ts';
import { hardWeights, initMixture, isMixtureParam, softWeightGraph, softWeights } from './mixture.ts';
import { exportCodebookOnnx } from './onnx-export.ts';
import { codebookBytes, decodeSharedWeights, encodeSharedWeights } from './storage.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'condense-quantize-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Laplace-like weights: most near 0, a few large, as trained conv weights look. */
function weightsLike(n: number, seed = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = rng() - 0.5;
    return -0.05 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u) + 1e-9);
  });
}

const distinct = (a: ArrayLike<number>): number => new Set(Array.from(a)).size;

/** A VGG-small at quarter width on 16x16 grey images: 6 convs, the inner four quantisable. */
function smallModel(): Model {
  return createZooModel(flatDataset(10, 4, 16, (i) => i), { architecture: 'vgg-small', width: 0.25, seed: 3 });
}

describe('kmeans1d', () => {
  it('finds well-separated clusters and assigns each value to its nearest centre', () => {
    const values = Float32Array.from([-1.02, -0.98, -1, 0.01, -0.01, 0, 2.1, 1.9, 2]);
    const c = kmeans1d(values, 3);
    expect(Array.from(c.centers).map((v) => Number(v.toFixed(3)))).toEqual([-1, 0, 2]);
    expect(Array.from(c.assignments)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(c.counts)).toEqual([3, 3, 3]);
    const w = weightsLike(2000);
    const k = kmeans1d(w, 8);
    for (let i = 0; i < w.length; i += 37) {
      const nearest = Array.from(k.centers).reduce((best, c, j) => (Math.abs(w[i]! - c) < Math.abs(w[i]! - k.centers[best]!) ? j : best), 0);
      expect(k.assignments[i]).toBe(nearest);
    }
  });
});

describe('the mixture', () => {
  it('starts from k-means with component 0 at exactly 0 and pi the cluster shares', () => {
    const w = weightsLike(4000);
    const m = initMixture(w, 16);
    expect(m.mu[0]).toBe(0);
    expect(m.mu.length).toBe(16);
    expect(m.pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(Math.min(...m.sigma)).toBeGreaterThan(0);
    // Snapping at the start is close to the k-means quantisation: few weights move far.
    const hard = hardWeights(w, m);
    expect(distinct(hard.values)).toBeLessThanOrEqual(16);
    expect(hard.values.some((v) => v === 0)).toBe(true);
    const err = hard.values.reduce((s, v, i) => s + (v - w[i]!) ** 2, 0) / w.length;
    expect(err).toBeLessThan(0.05 * w.reduce((s, v) => s + v * v, 0) / w.length);
  });

  it('computes the same soft weights on the graph (onnxruntime) as in TypeScript, and tends to the hard weights as tau shrinks', async () => {
    const w = weightsLike(600, 2);
    const m = initMixture(w, 8);
    for (const tau of [0.05, 0.01]) {
      const g = new GraphBuilder({ training: false });
      const weight = g.param('layer.weight', [6, 4, 5, 5], w);
      const soft = softWeightGraph(g, 'layer.weight', weight, m, { value: tau, learned: true });
      expect([...g.params.keys()].filter(isMixtureParam).sort()).toEqual(['layer.weight.gm_mu', 'layer.weight.gm_pi', 'layer.weight.gm_sigma', 'layer.weight.gm_tau']);
      const fn = await CompiledFunction.compile(g, { soft }, { intraOpThreads: 1 });
      const fromGraph = (await fn.run(initialState(g), {})).soft!.values as Float32Array;
      const fromTs = softWeights(w, m, tau);
      for (let i = 0; i < w.length; i++) expect(fromGraph[i]).toBeCloseTo(fromTs[i]!, 5);
    }
    const hard = hardWeights(w, m).values;
    const gap = (tau: number) => softWeights(w, m, tau).reduce((s, v, i) => s + Math.abs(v - hard[i]!), 0);
    expect(gap(0.001)).toBeLessThan(gap(0.05));
    expect(gap(1e-4)).toBeLessThan(1e-3 * hard.reduce((s, v) => s + Math.abs(v), 0));
  });
});

describe('layer selection', () => {
  it('takes every conv but the first and last by default, and names the model layers for an unknown one', () => {
    const layers = weightLayers(smallModel());
    expect(layers.map((l) => `${l.name}:${l.kind}`)).toEqual([
      'features.conv0.weight:conv',
      'features.conv1.weight:conv',
      'features.conv2.weight:conv',
      'features.conv3.weight:conv',
      'features.conv4.weight:conv',
      'features.conv5.weight:conv',
      'fc.weight:linear',
    ]);
    expect(selectLayers(layers, 'inner-convs').map((l) => l.name)).toEqual(['features.conv1.weight', 'features.conv2.weight', 'features.conv3.weight', 'features.conv4.weight']);
    expect(selectLayers(layers, 'all-convs')).toHaveLength(6);
    expect(selectLayers(layers, 'convs+linear')).toHaveLength(7);
    expect(selectLayers(layers, 'list', ['fc.weight']).map((l) => l.kind)).toEqual(['linear']);
    expect(() => selectLayers(layers, 'list', ['conv9.weight'])).toThrow(/no weight layer conv9.weight.*features.conv0.weight/);
  });
});

describe('storage of a quantised model', () => {
  const model = smallModel();
  const layers = selectLayers(weightLayers(model), 'all-convs').map((l) => l.name);
  const { model: quantized } = quantizeKmeansPtq(model, layers, 16);

  it('writes a compact file whose reader gives back exactly the same weights, at least 6x smaller for the quantised layers at K = 16', () => {
    const bytes = encodeSharedWeights(quantized);
    const back = decodeSharedWeights(bytes);
    expect(Object.keys(back.params).sort()).toEqual(Object.keys(quantized.params).sort());
    for (const [name, values] of Object.entries(quantized.params)) expect(back.params[name]).toEqual(values);
    for (const [name, values] of Object.entries(quantized.buffers)) expect(back.buffers[name]).toEqual(values);
    const fp32 = layers.reduce((n, l) => n + 4 * quantized.params[l]!.length, 0);
    const compact = layers.reduce((n, l) => n + codebookBytes(quantized.params[l]!.length, 16), 0);
    expect(fp32 / compact).toBeGreaterThanOrEqual(6);
    const other = Object.entries(quantized.params).filter(([n]) => !layers.includes(n)).reduce((n, [, v]) => n + 4 * v.length, 0);
    const buffers = Object.values(quantized.buffers).reduce((n, v) => n + 4 * v.length, 0);
    // The file is its payloads plus a small header.
    expect(bytes.length - (compact + other + buffers)).toBeLessThan(4096);
    expect(() => encodeSharedWeights({ ...quantized, params: { ...quantized.params, [layers[0]!]: model.params[layers[0]!]! } })).toThrow(/snap the weights first/);
  });

  it('exports ONNX with uint8 indices and a codebook per quantised layer, which onnxruntime runs to the plain export logits', async () => {
    const file = path.join(tmp, 'codebook.onnx');
    writeFileAtomic(file, exportCodebookOnnx(quantized, { foldBatchNorm: true }));
    const plainFile = path.join(tmp, 'plain.onnx');
    writeFileAtomic(plainFile, exportOnnx(quantized));
    const proto = decodeModel(new Uint8Array(readFileSync(file)));
    const inits = new Map(proto.graph.initializer.map((t) => [t.name, t]));
    for (const layer of layers) {
      expect(inits.has(layer)).toBe(false);
      const indices = tensorValues(inits.get(`${layer}.codebook_indices`)!);
      expect(indices).toBeInstanceOf(Uint8Array);
      expect(indices.length).toBe(quantized.params[layer]!.length);
      expect(tensorValues(inits.get(`${layer}.codebook`)!).length).toBe(16);
    }
    expect(proto.graph.node.filter((n) => n.opType === 'Gather')).toHaveLength(layers.length);
    expect(readFileSync(file).length).toBeLessThan(readFileSync(plainFile).length);

    const rng = createRng(5);
    const input = Float32Array.from({ length: 3 * 16 * 16 }, () => rng() * 2 - 1);
    const logitsOf = async (f: string) => {
      const s = await ort.InferenceSession.create(f);
      const out = await s.run({ input: new ort.Tensor('float32', input, [3, 1, 16, 16]) });
      await s.release();
      return out.logits!.data as Float32Array;
    };
    const [a, b] = [await logitsOf(file), await logitsOf(plainFile)];
    expect(a.length).toBe(12);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 4);
  });
});

describe('a pruned (masked) layer', () => {
  it('keeps its pruned weights at codebook entry 0 = 0, so the codebook ONNX still matches the plain export', async () => {
    const model = smallModel();
    const layer = 'features.conv2.weight';
    const mask = Uint8Array.from(model.params[layer]!, (_, i) => (i % 3 === 0 ? 0 : 1));
    const masked: Model = { ...model, compression: { masks: { [layer]: mask }, codebooks: {} } };
    const { model: q } = quantizeKmeansPtq(masked, [layer], 8);
    const book = q.compression.codebooks[layer]!;
    expect(book.centers[0]).toBe(0);
    for (let i = 0; i < mask.length; i++) if (!mask[i]) expect(book.assignments[i]).toBe(0);
    expect(distinct(q.params[layer]!)).toBeLessThanOrEqual(8);
    const file = path.join(tmp, 'masked.onnx');
    writeFileAtomic(file, exportCodebookOnnx(q));
    const plain = decodeModel(exportOnnx(q)).graph.initializer.find((t) => t.name === layer)!;
    const s = await ort.InferenceSession.create(file);
    const input = new Float32Array(256).fill(0.5);
    const a = (await s.run({ input: new ort.Tensor('float32', input, [1, 1, 16, 16]) })).logits!.data as Float32Array;
    await s.release();
    const s2 = await ort.InferenceSession.create(exportOnnx(q));
    const b = (await s2.run({ input: new ort.Tensor('float32', input, [1, 1, 16, 16]) })).logits!.data as Float32Array;
    await s2.release();
    expect(Array.from(tensorValues(plain) as Float32Array)).toEqual(Array.from(book.assignments, (j) => book.centers[j]!));
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });
});

describe('quantizeDgms', () => {
  it('trains the mixture with the weights and snaps each quantised layer to at most K values, mu_0 = 0', { timeout: 60_000 }, async () => {
    const data = flatDataset(128, 4, 16, (i, label) => 40 + 50 * label + (i % 7));
    const plain = smallModel();
    const layers = selectLayers(weightLayers(plain), 'inner-convs').map((l) => l.name);
    // One layer arrives pruned: its pruned weights must end in the zero component.
    const mask = Uint8Array.from(plain.params[layers[2]!]!, (_, i) => (i % 2 ? 1 : 0));
    const model: Model = { ...plain, compression: { masks: { [layers[2]!]: mask }, codebooks: {} } };
    const start = initMixture(model.params[layers[1]!]!, 4);
    const r = await quantizeDgms(model, data, {
      layers,
      components: 4,
      temperature: 0.01,
      learnTemperature: true,
      init: 'kmeans',
      mixtureLr: 1e-3,
      epochs: 2,
      batchSize: 32,
      optimizer: 'adam',
      lr: 1e-3,
      momentum: 0.9,
      weightDecay: 0,
      schedule: 'constant',
      augmentation: 'none',
      seed: 1,
      monitor: data,
      intraOpThreads: 1,
    });
    expect(Object.keys(r.model.params).some(isMixtureParam)).toBe(false);
    expect(Object.keys(r.model.params).sort()).toEqual(Object.keys(model.params).sort());
    for (const layer of layers) {
      const book = r.model.compression.codebooks[layer]!;
      expect(book.centers[0]).toBe(0);
      expect(distinct(r.model.params[layer]!)).toBeLessThanOrEqual(4);
      expect(r.model.params[layer]).toEqual(Float32Array.from(book.assignments, (a) => book.centers[a]!));
    }
    for (let i = 0; i < mask.length; i += 2) expect(r.model.compression.codebooks[layers[2]!]!.assignments[i]).toBe(0);
    // The mixture trained: its means moved from the k-means start.
    expect(Array.from(r.mixtures[layers[1]!]!.mu)).not.toEqual(Array.from(start.mu));
    // Layers outside the selection stay float.
    expect(distinct(r.model.params['features.conv0.weight']!)).toBeGreaterThan(4);
    expect(r.epochs).toHaveLength(2);
    expect(r.epochs[1]!.hardAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.epochs[1]!.sparsity).toBeCloseTo(sparsityOf(r.model.params, layers), 6);
    expect(r.softModel.params[layers[0]!]).not.toEqual(r.model.params[layers[0]!]);
  });
});

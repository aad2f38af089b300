// The methods end to end on a small model and generated data: masks of the right form, pruned weights
// exactly zero after masked retraining (also in the exported ONNX file), quantised values on the grid.
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated';
import { evaluateClassifier } from '../model/evaluate';
import { exportOnnx } from '../model/export';
import { createZooModel, effectiveParams, type Model } from '../model/model';
import { trainClassifier } from '../model/train';
import { decodeModel } from '../onnx/model';
import { tensorValues } from '../onnx/tensor-data';
import { maskPositions } from './patterns';
import { planPrune, PruneConfigError, pruneModel, type PruneConfig } from './prune-model';
import { measureStorage } from './storage-report';

const train = generateDataset({ classes: 4, count: 384, size: 16, channels: 1, seed: 5, stream: 1, name: 'shapes (train)' });
const test = generateDataset({ classes: 4, count: 128, size: 16, channels: 1, seed: 5, stream: 2, name: 'shapes (test)' });
const trainOptions = { batchSize: 32, optimizer: 'adam', lr: 0.003, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1 } as const;

async function trained(architecture: 'vgg-small' | 'lenet5', width: number): Promise<Model> {
  const model = createZooModel(train, { architecture, width, seed: 3 });
  const r = await trainClassifier(model, train, { ...trainOptions, epochs: 2 });
  return { ...model, params: r.params, buffers: r.buffers };
}

const base: PruneConfig = {
  method: 'pattern',
  layers: 'auto',
  pruneFirstLayer: false,
  sparsity: 0.8,
  scope: 'layer',
  structure: 'irregular',
  patterns: 6,
  patternLibrary: 'frequent',
  connectivity: 0.5,
  groupLength: 9,
  nonZeros: 3,
  librarySize: 8,
  bits: 0,
  admmEpochs: 1,
  rho: 0.01,
  rhoGrowth: 1.3,
  admmInterval: 1,
  retrainEpochs: 1,
  quantEpochs: 1,
  train: { ...trainOptions, lr: 0.001 },
};

/** The weights of a file's initializer, by name. */
function initializer(bytes: Uint8Array, name: string): Float32Array {
  const t = decodeModel(bytes).graph.initializer.find((i) => i.name === name)!;
  return tensorValues(t) as Float32Array;
}

describe('pruneModel', () => {
  it('pattern + connectivity: every kept kernel fits a library pattern, pruned weights stay exactly zero (also in the ONNX file)', { timeout: 60_000 }, async () => {
    const model = await trained('vgg-small', 0.25);
    const metrics: string[] = [];
    const result = await pruneModel(model, train, base, { metric: (n) => metrics.push(n) });
    expect(result.library).toHaveLength(6);
    expect(result.layers.map((l) => l.name)).toEqual(['features.conv1.weight', 'features.conv2.weight', 'features.conv3.weight', 'features.conv4.weight', 'features.conv5.weight']);
    const file = exportOnnx(result.model);
    for (const layer of result.layers) {
      const w = result.model.params[layer.name]!;
      const kernels = w.length / 9;
      let keptKernels = 0;
      for (let k = 0; k < kernels; k++) {
        const kept = [...layer.mask.subarray(k * 9, k * 9 + 9)].flatMap((v, i) => (v ? [i] : []));
        if (kept.length === 0) continue;
        keptKernels++;
        expect(kept).toEqual(maskPositions(result.library![layer.patternIds![k]!]!, 9));
        expect(kept).toContain(4);
      }
      expect(keptKernels).toBe(kernels - Math.round(0.5 * kernels));
      // Masked retraining changed the kept weights and left the pruned ones exactly at zero.
      const fromFile = initializer(file, layer.name);
      let changed = 0;
      for (let i = 0; i < w.length; i++) {
        if (!layer.mask[i]) {
          expect(w[i]).toBe(0);
          expect(fromFile[i]).toBe(0);
        } else if (w[i] !== model.params[layer.name]![i]) changed++;
      }
      expect(changed).toBeGreaterThan(0);
    }
    expect(result.phases.map((p) => p.phase)).toEqual(['admm', 'retrain']);
    expect(metrics).toContain('admm_pattern/features.conv1.weight');
    expect(metrics).toContain('admm_connectivity/features.conv5.weight');
    const storage = measureStorage({ weights: result.model.params, layers: result.layers, methodFormat: 'pattern', library: result.library });
    expect(storage.totals.pattern!.index).toBeLessThan(storage.totals.csr!.index);
    expect((await evaluateClassifier(result.model, test)).accuracy).toBeGreaterThan(0.4);
  });

  it('admm-nn-s: global pruning then quantisation puts every kept weight on its layer grid', { timeout: 60_000 }, async () => {
    const model = await trained('lenet5', 0.5);
    const result = await pruneModel(model, train, { ...base, method: 'admm-nn-s', sparsity: 0.9, scope: 'global', bits: 3 });
    expect(result.phases.map((p) => p.phase)).toEqual(['admm', 'retrain', 'admm-quant', 'snap', 'snap', 'snap']);
    expect(result.layers.map((l) => l.name)).toEqual(['conv2.weight', 'fc1.weight', 'fc2.weight', 'fc3.weight']);
    const total = result.layers.reduce((n, l) => n + l.mask.length, 0);
    const kept = result.layers.reduce((n, l) => n + l.mask.reduce((a, b) => a + b, 0), 0);
    expect(kept).toBe(total - Math.round(0.9 * total));
    for (const l of result.layers) {
      const w = result.model.params[l.name]!;
      const { q, maxLevel } = l.grid!;
      expect(maxLevel).toBe(3);
      const book = result.model.compression.codebooks[l.name]!;
      for (let i = 0; i < w.length; i++) {
        if (!l.mask[i]) expect(w[i]).toBe(0);
        else {
          const k = Math.round(w[i]! / q);
          expect(Math.abs(k)).toBeGreaterThanOrEqual(1);
          expect(Math.abs(k)).toBeLessThanOrEqual(3);
          expect(w[i]).toBe(Math.fround(k * q));
        }
        expect(book.centers[book.assignments[i]!]).toBeCloseTo(w[i]!, 6);
      }
    }
    const storage = measureStorage({ weights: result.model.params, layers: result.layers, methodFormat: 'csr' });
    // 3-bit codes instead of float32 values.
    expect(storage.totals.csr!.values).toBeLessThan((kept * 4) / 8 + 4 * result.layers.length);
    expect(effectiveParams(result.model)['fc1.weight']).toEqual(result.model.params['fc1.weight']);
  });

  it('pcnn: every group keeps n non-zeros from the library; the SPM index is smaller than CSR', { timeout: 60_000 }, async () => {
    const model = await trained('vgg-small', 0.25);
    const result = await pruneModel(model, train, { ...base, method: 'pcnn', admmEpochs: 1, retrainEpochs: 1 });
    for (const l of result.layers) {
      for (let g = 0; g < l.mask.length / 9; g++) expect(l.mask.subarray(g * 9, g * 9 + 9).reduce((a, b) => a + b, 0)).toBe(3);
    }
    const storage = measureStorage({ weights: result.model.params, layers: result.layers, methodFormat: 'spm', library: result.library, groupLength: 9 });
    expect(storage.totals.spm!.index).toBeLessThan(storage.totals.csr!.index / 4);
  });

  it('refuses impossible configurations before training, naming the param', async () => {
    const lenet = createZooModel(train, { architecture: 'lenet5', width: 0.5 });
    const vgg = createZooModel(train, { architecture: 'vgg-small', width: 0.25 });
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as PruneConfigError;
      }
      throw new Error('no error');
    };
    const noConv = error(() => planPrune(lenet, base));
    expect(noConv.param).toBe('method');
    expect(noConv.message).toMatch(/method pattern prunes 3x3 convolution kernels.*no 3x3 conv layer/);
    expect(error(() => planPrune(vgg, { ...base, method: 'magnitude', sparsity: 1 })).param).toBe('sparsity');
    expect(error(() => planPrune(vgg, { ...base, pruneFirstLayer: true, connectivity: 0.95 })).message).toMatch(/removes all 8 kernels of features.conv0.weight/);
    expect(error(() => planPrune(vgg, { ...base, method: 'magnitude', structure: 'filters', sparsity: 0.95 })).message).toMatch(/leaves features.conv1.weight \(8 filters\) empty/);
    expect(error(() => planPrune(vgg, { ...base, method: 'pcnn', nonZeros: 9 })).param).toBe('nonZeros');
    expect(error(() => planPrune(lenet, { ...base, method: 'admm-nn-s', layerSparsity: { 'conv1.weight': 0.5 } })).message).toMatch(/layerSparsity names conv1.weight, which is not a pruned layer/);
    expect(error(() => planPrune(lenet, { ...base, method: 'admm-nn-s', layerSparsity: { 'fc1.weight': 1 } })).param).toBe('layerSparsity');
    expect(error(() => planPrune(lenet, { ...base, method: 'admm-nn-s', scope: 'global', layerSparsity: { 'fc1.weight': 0.9 } })).message).toMatch(/use scope layer/);
    expect(error(() => planPrune(vgg, { ...base, layerConnectivity: { 'fc.weight': 0.5 } })).message).toMatch(/layerConnectivity names fc.weight, which is not a pruned layer/);
    const emptied = error(() => planPrune(vgg, { ...base, connectivity: 0.5, layerConnectivity: { 'features.conv1.weight': 0.995 } }));
    expect(emptied.param).toBe('layerConnectivity');
    expect(emptied.message).toMatch(/removes all 64 kernels of features.conv1.weight/);
  });

  it('layerConnectivity sets the kernels kept in named layers, the others keep connectivity', { timeout: 60_000 }, async () => {
    const vgg = createZooModel(train, { architecture: 'vgg-small', width: 0.25 });
    const rates: Record<string, number> = { 'features.conv1.weight': 0.25, 'features.conv5.weight': 0.875 };
    const result = await pruneModel(vgg, train, { ...base, connectivity: 0.5, layerConnectivity: rates, admmEpochs: 1, retrainEpochs: 0 });
    for (const l of result.layers) {
      const kernels = l.shape[0]! * l.shape[1]!;
      let kept = 0;
      for (let k = 0; k < kernels; k++) if (l.mask.subarray(9 * k, 9 * k + 9).some((v) => v === 1)) kept++;
      expect(kept, l.name).toBe(kernels - Math.round((rates[l.name] ?? 0.5) * kernels));
    }
  });

  it('layerSparsity sets the rate of named layers, the others keep sparsity', async () => {
    const lenet = createZooModel(train, { architecture: 'lenet5', width: 0.5 });
    const result = await pruneModel(lenet, train, { ...base, method: 'magnitude', sparsity: 0.5, layerSparsity: { 'fc1.weight': 0.9 }, layers: 'conv+linear', retrainEpochs: 0 });
    for (const l of result.layers) {
      const kept = l.mask.reduce((n, v) => n + v, 0);
      const rate = l.name === 'fc1.weight' ? 0.9 : 0.5;
      expect(kept).toBe(l.mask.length - Math.round(rate * l.mask.length));
    }
  });
});

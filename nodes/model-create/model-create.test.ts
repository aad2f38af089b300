import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/compute/data/generated';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { exportOnnx } from '../../src/compute/model/export';
import { trainClassifier } from '../../src/compute/model/train';
import { GraphBuilder } from '../../src/compute/graph/graph-builder';
import { CompiledFunction, initialState } from '../../src/compute/ort/compiled-graph';
import { buildModelGraph, parameterCount } from '../../src/compute/model/model';
import { loadRegistry } from '../../src/engine/registry';
import { validateGraph } from '../../src/engine/validate';
import type { Graph } from '../../src/shared/graph/schema';
import { emptyGraph } from '../../src/shared/graph/serialize';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const data = (channels: 1 | 3, size: number) => generateDataset({ classes: 5, count: 10, size, channels, seed: 1, stream: 1, name: 'shapes' });
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('condense.model.create', () => {
  it('builds a zoo model shaped by the dataset, with a lineage stage', async () => {
    const dataset = data(3, 32);
    const { outputs, ctx } = await runNode(node, { inputs: { dataset }, params: { architecture: 'resnet8', seed: 4 } });
    const model = outputs.model;
    expect(model.kind).toBe('model');
    expect(model.meta.inputShape).toEqual([3, 32, 32]);
    expect(model.meta.classes).toEqual(dataset.classes);
    expect(model.meta.normalize).toEqual(dataset.normalize);
    expect(model.params['fc.weight']!.length).toBe(5 * 64);
    expect(model.buffers['bn1.running_var']).toEqual(new Float32Array(16).fill(1));
    expect(model.meta.lineage).toEqual([
      { node: 'condense.model.create', params: { source: 'zoo', architecture: 'resnet8', width: 1, seed: 4 }, metrics: { parameters: parameterCount(model) } },
    ]);
    expect(ctx.recorded.logs[0]!.message).toMatch(/resnet8: [\d,]+ parameters, input 3x32x32, 5 classes/);
    const wide = await runNode(node, { inputs: { dataset }, params: { architecture: 'resnet8', width: 2 } });
    expect(parameterCount(wide.outputs.model)).toBeGreaterThan(3 * parameterCount(model));
  });

  it('refuses a zoo model without a dataset, and images an architecture cannot read', async () => {
    await expect(runNode(node, { params: { architecture: 'lenet5' } })).rejects.toThrow(/connect a dataset/);
    const error = await runNode(node, { inputs: { dataset: data(1, 8) }, params: { architecture: 'lenet5' } }).catch((e) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.message).toMatch(/lenet5 cannot read 1x8x8 images: LeNet-5 needs images of at least 12x12/);
  });

  it('builds mgnet from its glimpse params, with the params in the architecture and lineage', async () => {
    const dataset = data(1, 32);
    const params = { architecture: 'mgnet' as const, backbone: 'lenet5' as const, glimpses: 2, glimpseScale: 2, auxWeight: 0.5, seed: 1 };
    const { outputs } = await runNode(node, { inputs: { dataset }, params });
    const model = outputs.model;
    expect(model.meta).toMatchObject({ task: 'classify', inputShape: [1, 32, 32], classes: dataset.classes });
    expect(model.architecture).toEqual({ kind: 'zoo', name: 'mgnet', width: 1, options: { backbone: 'lenet5', glimpses: 2, glimpseScale: 2, auxWeight: 0.5 } });
    expect(model.meta.lineage[0]!.params).toMatchObject({ architecture: 'mgnet', glimpses: 2, glimpseScale: 2, backbone: 'lenet5' });
  });

  it('names the glimpse param that makes mgnet unbuildable, at run time and while wiring', async () => {
    const params = { architecture: 'mgnet' as const, backbone: 'lenet5' as const, glimpses: 3 };
    // 32 px images at scale 4 give 8 px glimpses, too small for LeNet-5's trunk: glimpseScale's doing.
    const small = await runNode(node, { inputs: { dataset: data(1, 32) }, params: { ...params, glimpseScale: 4 } }).catch((e) => e);
    expect(small).toBeInstanceOf(NodeError);
    expect(small.message).toMatch(/mgnet cannot read 1x32x32 images: mgnet: the lenet5 backbone cannot read 8x8 glimpses \(image size \/ glimpseScale\): LeNet-5 needs images of at least 12x12/);
    expect(small.detail).toEqual({ param: 'glimpseScale' });
    // A scale larger than the image leaves an empty glimpse.
    const empty = await runNode(node, { inputs: { dataset: data(1, 8) }, params: { ...params, glimpseScale: 9 } }).catch((e) => e);
    expect(empty.message).toMatch(/glimpseScale 9 leaves no pixel of a 8x8 image/);
    expect(empty.detail).toEqual({ param: 'glimpseScale' });
    // The images themselves too small for the chosen architecture stay the architecture's problem.
    const lenet = await runNode(node, { inputs: { dataset: data(1, 8) }, params: { architecture: 'lenet5' } }).catch((e) => e);
    expect(lenet.detail).toEqual({ param: 'architecture' });

    // While wiring: the same problems as validation issues on the param, before anything runs.
    const registry = await loadRegistry();
    const graph = (model: Record<string, unknown>, size = 32): Graph => ({
      ...emptyGraph('mgnet'),
      nodes: [
        { id: 'data', type: 'condense.data.dataset', typeVersion: 1, params: { source: 'generated', size } },
        { id: 'mgnet', type: 'condense.model.create', typeVersion: 1, params: { ...params, ...model } },
      ],
      edges: [{ id: 'e', from: { node: 'data', port: 'train' }, to: { node: 'mgnet', port: 'dataset' } }],
    });
    const issuesOf = (g: Graph) => validateGraph(g, registry).map(({ param, message }) => ({ param, message }));
    expect(issuesOf(graph({ glimpseScale: 2 }))).toEqual([]);
    expect(issuesOf(graph({ glimpseScale: 4 }))).toEqual([{ param: 'glimpseScale', message: expect.stringMatching(/cannot read 8x8 glimpses \(image size \/ glimpseScale\)/) }]);
    expect(issuesOf(graph({ glimpseScale: 9 }, 8))).toEqual([{ param: 'glimpseScale', message: expect.stringMatching(/leaves no pixel/) }]);
    // T < 1 and a glimpse larger than the image (scale < 1) are out of the params' ranges.
    expect(issuesOf(graph({ glimpses: 0 }))).toEqual([{ param: 'glimpses', message: expect.stringMatching(/at least 1/) }]);
    expect(issuesOf(graph({ glimpseScale: 0.5 }))).toEqual([{ param: 'glimpseScale', message: 'glimpseScale must be at least 1 (got 0.5)' }]);
  });

  it('builds image-to-image models and a discriminator from a paired dataset', async () => {
    const rgb = generateDataset({ classes: 2, count: 2, size: 16, channels: 3, seed: 1, stream: 1, name: 'pairs' });
    const grey = new Uint8Array(2 * 16 * 16).map((_, i) => rgb.pixels[i]!);
    // Colourisation: grey inputs, colour targets.
    const paired = { ...rgb, task: 'paired' as const, classes: [], shape: [1, 16, 16] as [number, number, number], pixels: grey, targets: rgb.pixels, targetShape: [3, 16, 16] as [number, number, number] };
    const gen = await runNode(node, { inputs: { dataset: paired }, params: { architecture: 'resnet-generator', ngf: 4, blocks: 2, seed: 3 } });
    const model = gen.outputs.model;
    expect(model.meta).toMatchObject({ task: 'image-to-image', inputShape: [1, 16, 16], outputShape: [3, 16, 16], classes: [] });
    expect(model.architecture).toEqual({ kind: 'zoo', name: 'resnet-generator', width: 1, options: { ngf: 4, blocks: 2 } });
    expect(model.params['stem.weight']!.length).toBe(4 * 1 * 49);
    expect(model.params['head.weight']!.length).toBe(3 * 4 * 49);
    expect(model.meta.lineage[0]!.params).toEqual({ source: 'zoo', architecture: 'resnet-generator', width: 1, seed: 3, ngf: 4, blocks: 2 });
    expect(gen.ctx.recorded.logs[0]!.message).toMatch(/resnet-generator: [\d,]+ parameters, input 1x16x16, output 3x16x16/);
    const unet = await runNode(node, { inputs: { dataset: paired }, params: { architecture: 'unet-small', ngf: 4, depth: 2 } });
    expect(unet.outputs.model.meta.outputShape).toEqual([3, 16, 16]);
    const disc = await runNode(node, { inputs: { dataset: paired }, params: { architecture: 'patchgan', ndf: 4, layers: 1 } });
    // Judges the 3x16x16 targets: 16 -> 8 (stride 2) -> 7 -> 6 (two 4x4 stride-1 convs).
    expect(disc.outputs.model.meta).toMatchObject({ task: 'discriminator', inputShape: [3, 16, 16], outputShape: [1, 6, 6] });
    await expect(runNode(node, { inputs: { dataset: rgb }, params: { architecture: 'unet-small' } })).rejects.toThrow(/connect a paired dataset/);
    await expect(runNode(node, { inputs: { dataset: paired }, params: { architecture: 'lenet5' } })).rejects.toThrow(/lenet5 is a classifier/);
    await expect(runNode(node, { inputs: { dataset: paired }, params: { architecture: 'unet-small', depth: 5 } })).rejects.toThrow(/divisible by 32/);
  });

  it('imports an ONNX file relative to the graph, and names a missing file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-model-'));
    const dataset = data(1, 28);
    const { outputs: zoo } = await runNode(node, { inputs: { dataset }, params: { architecture: 'mlp', width: 0.25 } });
    writeFileSync(join(dir, 'mlp.onnx'), exportOnnx(zoo.model));
    const { outputs } = await runNode(node, { params: { source: 'import', path: 'mlp.onnx' }, graphDir: dir });
    expect(outputs.model.architecture.kind).toBe('onnx');
    expect(outputs.model.meta.inputShape).toEqual([1, 28, 28]);
    expect(outputs.model.meta.classes).toEqual(dataset.classes);
    expect(outputs.model.params['fc1.weight']).toEqual(zoo.model.params['fc1.weight']);
    expect(outputs.model.meta.lineage.map((s) => s.node)).toEqual(['condense.model.create', 'condense.model.create']);
    expect(node.files!({ ...node.params.parse({ source: 'import', path: 'mlp.onnx' }) }, (p) => join(dir!, p))).toEqual([join(dir, 'mlp.onnx')]);
    await expect(runNode(node, { params: { source: 'import', path: 'missing.onnx' }, graphDir: dir })).rejects.toThrow(/cannot read .*missing.onnx/);
    writeFileSync(join(dir, 'bad.onnx'), new Uint8Array([1, 2, 3]));
    await expect(runNode(node, { params: { source: 'import', path: 'bad.onnx' }, graphDir: dir })).rejects.toThrow(/cannot import bad.onnx/);
  });

  it('imports a model exported by PyTorch: same outputs as PyTorch, and it fine-tunes', { timeout: 60_000 }, async () => {
    // fixtures/make-pytorch-cnn.py wrote the file and printed these logits for sin(0..511) as 2x1x16x16.
    const pytorch = [0.379676, -0.016665, 0.092686, 0.319566, -0.051654, 0.096623];
    const fixtures = join(import.meta.dirname, 'fixtures');
    const { outputs } = await runNode(node, { params: { source: 'import', path: 'pytorch-cnn.onnx' }, graphDir: fixtures });
    const model = outputs.model;
    expect(model.meta.inputShape).toEqual([1, 16, 16]);
    expect(model.meta.classes).toEqual(['0', '1', '2']);
    // PyTorch folds the eval-mode batch norm into the first convolution when it exports.
    expect(parameterCount(model)).toBe(4 * 9 + 4 + 8 * 4 * 9 + 8 + 128 * 3 + 3);
    const g = new GraphBuilder({ training: false });
    const { logits } = buildModelGraph(model, g, { batch: 2, training: false });
    const fn = await CompiledFunction.compile(g, { logits });
    const x = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
    const out = (await fn.run(initialState(g), { input: { dtype: 'float32', shape: [2, 1, 16, 16], values: x } })).logits!.values as Float32Array;
    Array.from(out).forEach((v, i) => expect(v).toBeCloseTo(pytorch[i]!, 4));

    const three = generateDataset({ classes: 3, count: 300, size: 16, channels: 1, seed: 2, stream: 1, name: 'shapes' });
    const held = generateDataset({ classes: 3, count: 150, size: 16, channels: 1, seed: 2, stream: 2, name: 'shapes (test)' });
    const { outputs: shaped } = await runNode(node, { inputs: { dataset: three }, params: { source: 'import', path: 'pytorch-cnn.onnx' }, graphDir: fixtures });
    expect(shaped.model.meta.classes).toEqual(three.classes);
    const before = await evaluateClassifier(shaped.model, held);
    const r = await trainClassifier(shaped.model, three, {
      epochs: 6, batchSize: 30, optimizer: 'adam', lr: 0.01, momentum: 0, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1,
    });
    const after = await evaluateClassifier({ ...shaped.model, params: r.params, buffers: r.buffers }, held);
    expect(after.accuracy).toBeGreaterThan(0.8);
    expect(after.accuracy).toBeGreaterThan(before.accuracy + 0.2);
  });
});

// The Model node: a classifier from the zoo, shaped by a connected dataset, or an imported ONNX file.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createZooModel, importOnnxModel, parameterCount, withStage, ZOO_NAMES } from '../../src/compute/model/model';
import { defineNode, NodeError } from '../../src/shared/node-sdk';

export const modelCreateParams = z.object({
  source: z.enum(['zoo', 'import']).default('zoo').meta({ help: 'zoo: build an architecture below with fresh weights. import: read an ONNX file (path).' }),
  architecture: z
    .enum(ZOO_NAMES)
    .default('lenet5')
    .meta({ help: 'mlp (256-128 hidden), lenet5, vgg-small (3x3 convs + BN), resnet8 / resnet20 (CIFAR-style, 16/32/64), mobilenet-small (depthwise-separable).' }),
  width: z.number().min(0.125).max(8).default(1).meta({ help: 'Multiplies every layer width (channels, hidden units).' }),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0).meta({ help: 'Seed of the weight initialisation.' }),
  path: z.string().default('').meta({ help: 'import: the .onnx file, relative to the graph file. One input [N, C, H, W], first output class scores [N, K].' }),
});

export default defineNode({
  type: 'condense.model.create',
  version: 1,
  title: 'Model',
  category: 'Model',
  description: 'Creates an untrained classifier from the zoo (LeNet-5, ResNet-8/20, VGG-small, MobileNet-small, MLP) or imports an ONNX model.',
  inputs: {
    dataset: { type: 'Dataset', constraints: { task: 'classify' }, description: 'Gives the input shape, the classes and the normalisation. Required for the zoo.' },
  },
  outputs: {
    model: { type: 'Model', constraints: { task: 'classify' }, description: 'The model with untrained (zoo) or imported weights.' },
  },
  params: modelCreateParams,
  files: (params, resolvePath) => (params.source === 'import' && params.path ? [resolvePath(params.path)] : []),
  async execute(ctx) {
    const { dataset } = ctx.inputs;
    const p = ctx.params;
    if (dataset && dataset.task !== 'classify') throw new NodeError(`${dataset.name} is a ${dataset.task} dataset; the zoo has classifiers only`, { port: 'dataset' });
    if (dataset && dataset.count === 0) ctx.log(`${dataset.name} is empty; only its shape and classes are used`, 'warn');
    let model;
    if (p.source === 'zoo') {
      if (!dataset) throw new NodeError('connect a dataset: the zoo takes the input shape and the classes from it', { port: 'dataset' });
      try {
        model = createZooModel(dataset, { architecture: p.architecture, width: p.width, seed: p.seed });
      } catch (e) {
        throw new NodeError(`${p.architecture} cannot read ${dataset.shape.join('x')} images: ${(e as Error).message}`, { param: 'architecture' });
      }
    } else {
      if (!p.path) throw new NodeError('set path to the .onnx file to import', { param: 'path' });
      const file = ctx.resolvePath(p.path);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(file));
      } catch {
        throw new NodeError(`cannot read ${file}`, { param: 'path', file });
      }
      try {
        model = importOnnxModel(bytes, p.path, dataset);
      } catch (e) {
        throw new NodeError(`cannot import ${p.path}: ${(e as Error).message}`, { param: 'path', file });
      }
    }
    const stageParams: Record<string, string | number | boolean> =
      p.source === 'zoo' ? { source: 'zoo', architecture: p.architecture, width: p.width, seed: p.seed } : { source: 'import', path: p.path };
    model = withStage(model, { node: 'condense.model.create', params: stageParams, metrics: { parameters: parameterCount(model) } });
    ctx.log(`${model.name}: ${parameterCount(model).toLocaleString('en')} parameters, input ${model.meta.inputShape.join('x')}, ${model.meta.classes.length} classes`);
    ctx.progress(1, 'done');
    return { model };
  },
});

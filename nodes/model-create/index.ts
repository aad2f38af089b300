// The Model node: a zoo architecture (classifier, image-to-image generator or patch discriminator)
// shaped by a connected dataset, or an imported ONNX classifier.
import { maxDataFileBytes, raiseHint } from '../../src/compute/storage/limits';
import { readRegularFile, UnsafePathError } from '../../src/compute/storage/safe-files';
import { z } from 'zod';
import { createZooModel, importOnnxModel, parameterCount, withStage, ZOO_NAMES, zooTask, type Model } from '../../src/compute/model/model';
import { BACKBONE_NAMES, ZOO_DEFAULTS, type ZooOptions } from '../../src/compute/model/zoo';
import { defineNode, NodeError } from '../../src/shared/node-sdk';
import { paramOfZooError, zooWeightLayers } from './layer-facts';

export const modelCreateParams = z.object({
  source: z.enum(['zoo', 'import']).default('zoo').meta({ help: 'zoo: build an architecture below with fresh weights. import: read an ONNX file (path).' }),
  architecture: z
    .enum(ZOO_NAMES)
    .default('lenet5')
    .meta({
      help: 'Classifiers: mlp (256-128 hidden), lenet5, vgg-small (3x3 convs + BN), resnet8 / resnet20 (CIFAR-style, 16/32/64), mobilenet-small (depthwise-separable). Multi-glimpse: mgnet (a backbone below on several glimpses of the image, fused by self-attention, a prediction after each). Image-to-image (paired dataset): resnet-generator (CycleGAN-style), unet-small. Discriminator: patchgan (judges the target images of a paired dataset).',
    }),
  width: z.number().min(0.125).max(8).default(1).meta({ help: 'Multiplies every layer width (channels, hidden units).' }),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0).meta({ help: 'Seed of the weight initialisation.' }),
  ngf: z.number().int().min(1).max(512).default(ZOO_DEFAULTS.ngf).meta({ help: 'resnet-generator, unet-small: filters of the first layer (doubled at each downsampling).' }),
  blocks: z.number().int().min(0).max(32).default(ZOO_DEFAULTS.blocks).meta({ help: 'resnet-generator: residual blocks at the bottleneck (CycleGAN uses 6 at 128x128, 9 at 256x256).' }),
  depth: z.number().int().min(1).max(6).default(ZOO_DEFAULTS.depth).meta({ help: 'unet-small: downsampling levels; height and width must be divisible by 2^depth.' }),
  ndf: z.number().int().min(1).max(512).default(ZOO_DEFAULTS.ndf).meta({ help: 'patchgan: filters of the first layer (doubled per layer up to 8x).' }),
  layers: z.number().int().min(1).max(6).default(ZOO_DEFAULTS.layers).meta({ help: 'patchgan: stride-2 conv layers; 3 gives 70x70 patches.' }),
  backbone: z.enum(BACKBONE_NAMES).default(ZOO_DEFAULTS.backbone).meta({ help: 'mgnet: the classifier trunk every glimpse goes through (shared across glimpses).', appliesWhen: { architecture: ['mgnet'] } }),
  glimpses: z.number().int().min(1).max(16).default(ZOO_DEFAULTS.glimpses).meta({ help: 'mgnet: glimpses per image, the first the whole image; a prediction after each.', appliesWhen: { architecture: ['mgnet'] } }),
  glimpseScale: z.number().min(1).max(16).default(ZOO_DEFAULTS.glimpseScale).meta({ help: 'mgnet: image size over glimpse size; every glimpse is resampled to floor(H / scale) x floor(W / scale).', appliesWhen: { architecture: ['mgnet'] } }),
  auxWeight: z.number().min(0).max(1).default(ZOO_DEFAULTS.auxWeight).meta({ help: "mgnet: alpha of the loss (1 - alpha) mean_t CE(prediction t) + alpha mean_{t>=2} CE(auxiliary head on glimpse t's features).", appliesWhen: { architecture: ['mgnet'] } }),
  path: z.string().default('').meta({ format: 'path', help: 'import: the .onnx file, relative to the graph file. One input [N, C, H, W], first output class scores [N, K].' }),
});

export default defineNode({
  type: 'condense.model.create',
  version: 1,
  title: 'Model',
  category: 'Model',
  description:
    'Creates an untrained model from the zoo (classifiers: LeNet-5, ResNet-8/20, VGG-small, MobileNet-small, MLP; image-to-image: ResNet generator, small U-Net; PatchGAN discriminator) or imports an ONNX classifier.',
  inputs: {
    dataset: {
      type: 'Dataset',
      description: 'Gives the input shape, the classes (classifiers) or the target shape (paired data, for generators and discriminators) and the normalisation. Required for the zoo.',
    },
  },
  outputs: {
    // No task constraint: the task (classify, image-to-image, discriminator) follows the architecture.
    model: { type: 'Model', description: 'The model with untrained (zoo) or imported weights; meta.task says what it computes.' },
  },
  params: modelCreateParams,
  files: (params, resolvePath) => (params.source === 'import' && params.path ? [resolvePath(params.path)] : []),
  // A zoo model takes the connected dataset's image shape (and classes, for classifiers); a discriminator
  // reads the targets, whose shape is not among the facts. An imported model is only known after reading.
  // A classifier whose shape and classes are known is built here (cached) for its weight layers, and an
  // architecture that cannot take these images says so now rather than when the run reaches it.
  infer: (p, inputs) => {
    if (p.source === 'import' && !p.path) return { outputs: { model: {} }, issues: [{ param: 'path', message: 'set path to the .onnx file to import' }] };
    if (p.source !== 'zoo' || !inputs.dataset) return { outputs: { model: {} } };
    const task = zooTask(p.architecture);
    const modelName = p.architecture;
    if (task === 'discriminator') return { outputs: { model: { task, modelName } } };
    const { shape, classes } = inputs.dataset;
    const issues: { port: string; message: string }[] = [];
    if (task === 'classify' && inputs.dataset.task === 'paired') {
      issues.push({ port: 'dataset', message: `this is a paired dataset; ${p.architecture} is a classifier (pick resnet-generator, unet-small or patchgan for paired data)` });
    }
    if (task === 'image-to-image' && inputs.dataset.task === 'classify') {
      issues.push({ port: 'dataset', message: `${p.architecture} is an image-to-image model; connect a paired dataset (input and target images)` });
    }
    const model = { task, modelName, ...(shape ? { shape } : {}), ...(task === 'classify' && classes !== undefined ? { classes } : {}) };
    if (task !== 'classify' || !shape || classes === undefined || issues.length > 0) return { outputs: { model }, issues };
    const layers = zooWeightLayers(p.architecture, p.width, zooOptions(p), shape, classes);
    if ('problem' in layers) {
      return { outputs: { model }, issues: [{ param: layers.param, message: `${p.architecture} cannot read ${shape.join('x')} images: ${layers.problem}` }] };
    }
    return { outputs: { model: { ...model, weightLayers: layers } } };
  },
  async execute(ctx) {
    const { dataset } = ctx.inputs;
    const p = ctx.params;
    const task = zooTask(p.architecture);
    if (dataset && dataset.count === 0) ctx.log(`${dataset.name} is empty; only its shapes and classes are used`, 'warn');
    let model: Model;
    if (p.source === 'zoo') {
      if (!dataset) throw new NodeError('connect a dataset: the zoo takes the input shape and the classes or targets from it', { port: 'dataset' });
      if (task === 'classify' && dataset.task !== 'classify')
        throw new NodeError(`${dataset.name} is a ${dataset.task} dataset; ${p.architecture} is a classifier (pick resnet-generator, unet-small or patchgan for paired data)`, { port: 'dataset' });
      if (task === 'image-to-image' && dataset.task !== 'paired')
        throw new NodeError(`${p.architecture} is an image-to-image model; connect a paired dataset (input and target images)`, { port: 'dataset' });
      try {
        model = createZooModel(dataset, { architecture: p.architecture, width: p.width, seed: p.seed, options: zooOptions(p) });
      } catch (e) {
        throw new NodeError(`${p.architecture} cannot read ${dataset.shape.join('x')} images: ${(e as Error).message}`, { param: paramOfZooError(e) });
      }
    } else {
      if (dataset && dataset.task !== 'classify') throw new NodeError(`${dataset.name} is a ${dataset.task} dataset; import reads ONNX classifiers only`, { port: 'dataset' });
      if (!p.path) throw new NodeError('set path to the .onnx file to import', { param: 'path' });
      const file = ctx.resolvePath(p.path);
      let bytes: Uint8Array;
      try {
        // Regular files within the data file limit only: /dev/zero or a FIFO must not hang the worker.
        const limit = maxDataFileBytes();
        bytes = new Uint8Array(readRegularFile(file, { maxBytes: limit.value, raise: raiseHint(limit) }));
      } catch (e) {
        throw new NodeError(`cannot read ${e instanceof UnsafePathError ? e.message : file}`, { param: 'path', file });
      }
      try {
        model = importOnnxModel(bytes, p.path, dataset);
      } catch (e) {
        throw new NodeError(`cannot import ${p.path}: ${(e as Error).message}`, { param: 'path', file });
      }
    }
    const stageParams: Record<string, string | number | boolean> =
      p.source === 'zoo' ? { source: 'zoo', architecture: p.architecture, width: p.width, seed: p.seed, ...zooOptions(p) } : { source: 'import', path: p.path };
    model = withStage(model, { node: 'condense.model.create', params: stageParams, metrics: { parameters: parameterCount(model) } });
    const produces = model.meta.task === 'classify' ? `${model.meta.classes.length} classes` : `output ${model.meta.outputShape!.join('x')}`;
    ctx.log(`${model.name}: ${parameterCount(model).toLocaleString('en')} parameters, input ${model.meta.inputShape.join('x')}, ${produces}`);
    ctx.progress(1, 'done');
    return { model };
  },
});

/** The size params the chosen architecture reads (the others would only clutter its lineage). */
function zooOptions(p: z.infer<typeof modelCreateParams>): ZooOptions {
  switch (p.architecture) {
    case 'resnet-generator':
      return { ngf: p.ngf, blocks: p.blocks };
    case 'unet-small':
      return { ngf: p.ngf, depth: p.depth };
    case 'patchgan':
      return { ndf: p.ndf, layers: p.layers };
    case 'mgnet':
      return { backbone: p.backbone, glimpses: p.glimpses, glimpseScale: p.glimpseScale, auxWeight: p.auxWeight };
    default:
      return {};
  }
}

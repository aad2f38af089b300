// The model zoo: small classification architectures (and MGNet, mgnet.ts, on their trunks),
// image-to-image generators and a patch discriminator, as functions of a builder. Parameters are named
// PyTorch-style (`conv1.weight`, `layer1.0.bn1.running_mean`), so state dicts line up with PyTorch
// ports of the same models, and all go through `ZooBuild.param`, which lets the caller swap a
// parameter for the model's current values or a parametrised tensor.

import type { GraphBuilder, Shape, Tensor } from '../graph/graph-builder.ts';
import { init, type Initializer } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { mgnet, MgnetSettingError } from './mgnet.ts';

export const CLASSIFIER_NAMES = ['mlp', 'lenet5', 'vgg-small', 'resnet8', 'resnet20', 'mobilenet-small'] as const;
export const GENERATOR_NAMES = ['resnet-generator', 'unet-small'] as const;
export const DISCRIMINATOR_NAMES = ['patchgan'] as const;
/** Classifiers built around another zoo classifier's trunk (MGNet's shared glimpse backbone). */
export const GLIMPSE_NAMES = ['mgnet'] as const;
export const ZOO_NAMES = [...CLASSIFIER_NAMES, ...GLIMPSE_NAMES, ...GENERATOR_NAMES, ...DISCRIMINATOR_NAMES] as const;
/** The convolutional trunks MGNet can take glimpses with. */
export const BACKBONE_NAMES = ['lenet5', 'vgg-small', 'resnet8', 'resnet20', 'mobilenet-small'] as const;
export type BackboneName = (typeof BACKBONE_NAMES)[number];
export type ZooName = (typeof ZOO_NAMES)[number];
export type ZooTask = 'classify' | 'image-to-image' | 'discriminator';

export function zooTask(name: ZooName): ZooTask {
  if ((GENERATOR_NAMES as readonly string[]).includes(name)) return 'image-to-image';
  if ((DISCRIMINATOR_NAMES as readonly string[]).includes(name)) return 'discriminator';
  return 'classify';
}

/** Sizes of the image architectures; each has a default, so older models without them rebuild unchanged. */
export interface ZooOptions {
  /** Generator filters in the first layer (resnet-generator, unet-small). */
  ngf?: number;
  /** Residual blocks at the bottleneck (resnet-generator). */
  blocks?: number;
  /** Downsampling levels (unet-small). */
  depth?: number;
  /** Discriminator filters in the first layer (patchgan). */
  ndf?: number;
  /** Stride-2 conv layers (patchgan). */
  layers?: number;
  /** The trunk applied to every glimpse (mgnet). */
  backbone?: BackboneName;
  /** Glimpses per image, the first the whole image (mgnet). */
  glimpses?: number;
  /** Image size over glimpse size: glimpses are floor(H / glimpseScale) x floor(W / glimpseScale) (mgnet). */
  glimpseScale?: number;
  /** Weight alpha of the auxiliary head's loss (mgnet; methods.md 8.4). */
  auxWeight?: number;
  /** Factor on the gradient reaching the localisation head (mgnet). */
  localizationGradScale?: number;
}

export const ZOO_DEFAULTS: Required<ZooOptions> = {
  ngf: 32,
  blocks: 6,
  depth: 3,
  ndf: 64,
  layers: 3,
  backbone: 'lenet5',
  glimpses: 3,
  glimpseScale: 2,
  auxWeight: 0.6,
  localizationGradScale: 0.02,
};

export interface ZooBuild {
  g: GraphBuilder;
  training: boolean;
  param(name: string, shape: Shape, init: Initializer): Tensor;
  buffer(name: string, shape: Shape, init: Initializer): Tensor;
  classes: number;
  /** Channel / hidden-unit multiplier. */
  width: number;
  /**
   * Output channels (units) of named conv and linear layers in place of the width-scaled default: a
   * physically shrunk classifier (prune/shrink.ts). The layers after take their input channels from
   * the tensors they read, so only the producers are listed.
   */
  channels?: Readonly<Record<string, number>>;
  /** Output image channels (generators). */
  outChannels: number;
  options: ZooOptions;
  /**
   * Receives named intermediate tensors besides the output (`features`: a classifier's input to its
   * last linear layer; `bottleneck`: a generator's innermost feature map), for distillation and
   * feature losses.
   */
  expose?: (name: string, t: Tensor) => void;
  /**
   * Task-incremental classifiers: the classes of each output head. The last linear layer becomes one
   * layer per head on the same features (`heads.<t>.weight`, exposed as `head<t>`), and the output is
   * the heads' scores side by side. Absent: the usual single `fc` layer.
   */
  heads?: readonly number[];
  /**
   * Receives the architecture's own training loss when it trains on more than the cross-entropy of its
   * output (MGNet: the logits of every glimpse and an auxiliary head), as a function of the int64
   * labels [N] that a trainer adds to the graph after the model.
   */
  defineLoss?: (loss: (labels: Tensor) => Tensor) => void;
}

const scaled = (b: ZooBuild, n: number): number => Math.max(1, Math.round(n * b.width));

function conv(b: ZooBuild, x: Tensor, name: string, out: number, k: number, o: { stride?: number; padding?: number; groups?: number; bias?: boolean } = {}): Tensor {
  const groups = o.groups ?? 1;
  out = b.channels?.[name] ?? out;
  const shape = [out, x.shape[1]! / groups, k, k];
  const weight = b.param(`${name}.weight`, shape, init.kaimingUniform());
  const bias = o.bias === false ? null : b.param(`${name}.bias`, [out], init.biasUniform(shape));
  return F.conv2d(x, weight, bias, { stride: o.stride ?? 1, padding: o.padding ?? 0, groups });
}

function linear(b: ZooBuild, x: Tensor, name: string, out: number): Tensor {
  const units = b.channels?.[name] ?? out;
  const shape = [units, x.shape[1]!];
  return F.linear(x, b.param(`${name}.weight`, shape, init.kaimingUniform()), b.param(`${name}.bias`, [units], init.biasUniform(shape)));
}

function bn(b: ZooBuild, x: Tensor, name: string): Tensor {
  const c = x.shape[1]!;
  return F.batchNorm(
    x,
    {
      weight: b.param(`${name}.weight`, [c], init.ones()),
      bias: b.param(`${name}.bias`, [c], init.zeros()),
      runningMean: b.buffer(`${name}.running_mean`, [c], init.zeros()),
      runningVar: b.buffer(`${name}.running_var`, [c], init.ones()),
    },
    { training: b.training },
  );
}

const pool2 = (x: Tensor): Tensor => F.maxPool2d(x, { kernel: 2, stride: 2 });

/** The classifier's last linear layer on `features`: `name`, or one layer per head (see ZooBuild.heads). */
function outputLayer(b: ZooBuild, features: Tensor, name: string): Tensor {
  if (!b.heads) return linear(b, features, name, b.classes);
  const heads = b.heads.map((classes, t) => {
    const scores = linear(b, features, `heads.${t}`, classes);
    b.expose?.(`head${t}`, scores);
    return scores;
  });
  return heads.length === 1 ? heads[0]! : F.concat(heads, 1);
}

/** Global average pooling to the feature vector the `fc` layer reads. */
const pooledFeatures = (h: Tensor): Tensor => F.flatten(F.globalAvgPool(h));

function mlp(b: ZooBuild, x: Tensor): Tensor {
  let h = F.flatten(x);
  h = F.relu(linear(b, h, 'fc1', scaled(b, 256)));
  return F.relu(linear(b, h, 'fc2', scaled(b, 128)));
}

/** LeCun et al. 1998 with ReLU and max pooling; 28x28 inputs are padded by 2 to the original 32x32. */
function lenet5(b: ZooBuild, x: Tensor): Tensor {
  const [h0, w0] = [x.shape[2]!, x.shape[3]!];
  if (Math.min(h0, w0) < 12) throw new Error(`LeNet-5 needs images of at least 12x12, got ${h0}x${w0}`);
  let h = pool2(F.relu(conv(b, x, 'conv1', scaled(b, 6), 5, { padding: 2 })));
  h = pool2(F.relu(conv(b, h, 'conv2', scaled(b, 16), 5)));
  h = F.flatten(h);
  h = F.relu(linear(b, h, 'fc1', scaled(b, 120)));
  return F.relu(linear(b, h, 'fc2', scaled(b, 84)));
}

/** VGG-style (Simonyan & Zisserman 2015): 3x3 convs with batch norm, three pooled stages. */
function vggSmall(b: ZooBuild, x: Tensor): Tensor {
  let h = x;
  let i = 0;
  for (const width of [32, 64, 128]) {
    for (let r = 0; r < 2; r++) {
      h = F.relu(bn(b, conv(b, h, `features.conv${i}`, scaled(b, width), 3, { padding: 1, bias: false }), `features.bn${i}`));
      i++;
    }
    if (h.shape[2]! >= 2 && h.shape[3]! >= 2) h = pool2(h);
  }
  return pooledFeatures(h);
}

/** He et al. 2016, the CIFAR variant: 16/32/64 channels, `blocks` basic blocks per stage. */
function resnet(b: ZooBuild, x: Tensor, blocks: number): Tensor {
  let h = F.relu(bn(b, conv(b, x, 'conv1', scaled(b, 16), 3, { padding: 1, bias: false }), 'bn1'));
  [16, 32, 64].forEach((width, stage) => {
    for (let k = 0; k < blocks; k++) {
      const name = `layer${stage + 1}.${k}`;
      const stride = stage > 0 && k === 0 ? 2 : 1;
      const out = scaled(b, width);
      let y = F.relu(bn(b, conv(b, h, `${name}.conv1`, out, 3, { stride, padding: 1, bias: false }), `${name}.bn1`));
      y = bn(b, conv(b, y, `${name}.conv2`, out, 3, { padding: 1, bias: false }), `${name}.bn2`);
      // Compared with y's channels, not `out`: a shrunk block keeps its identity shortcut (prune/shrink.ts
      // removes a channel from both sides of an add or from neither).
      const shortcut =
        stride !== 1 || h.shape[1] !== y.shape[1] ? bn(b, conv(b, h, `${name}.downsample.0`, out, 1, { stride, bias: false }), `${name}.downsample.1`) : h;
      h = F.relu(F.add(y, shortcut));
    }
  });
  return pooledFeatures(h);
}

/** Howard et al. 2017: depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, each with BN). */
function mobilenetSmall(b: ZooBuild, x: Tensor): Tensor {
  const firstStride = Math.min(x.shape[2]!, x.shape[3]!) >= 64 ? 2 : 1;
  let h = F.relu(bn(b, conv(b, x, 'conv1', scaled(b, 32), 3, { stride: firstStride, padding: 1, bias: false }), 'bn1'));
  const plan: [number, number][] = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
  ];
  plan.forEach(([width, stride], i) => {
    const name = `blocks.${i}`;
    const c = h.shape[1]!;
    h = F.relu(bn(b, conv(b, h, `${name}.dw`, c, 3, { stride, padding: 1, groups: c, bias: false }), `${name}.dw_bn`));
    h = F.relu(bn(b, conv(b, h, `${name}.pw`, scaled(b, width), 1, { bias: false }), `${name}.pw_bn`));
  });
  return pooledFeatures(h);
}

/**
 * A classifier's trunk: the layers before its last linear layer, returning the features that layer
 * reads [N, d], and the name of that layer (the PyTorch ports' `fc` or `fc3`).
 */
const TRUNKS: Record<(typeof CLASSIFIER_NAMES)[number], { features: (b: ZooBuild, x: Tensor) => Tensor; head: string }> = {
  mlp: { features: mlp, head: 'fc3' },
  lenet5: { features: lenet5, head: 'fc3' },
  'vgg-small': { features: vggSmall, head: 'fc' },
  resnet8: { features: (b, x) => resnet(b, x, 1), head: 'fc' },
  resnet20: { features: (b, x) => resnet(b, x, 3), head: 'fc' },
  'mobilenet-small': { features: mobilenetSmall, head: 'fc' },
};

/** The trunk's features, exposed as `features`, then the last linear layer. */
function classifier(name: (typeof CLASSIFIER_NAMES)[number], b: ZooBuild, x: Tensor): Tensor {
  const trunk = TRUNKS[name];
  const features = trunk.features(b, x);
  b.expose?.('features', features);
  return outputLayer(b, features, trunk.head);
}

/**
 * Instance normalisation (Ulyanov et al. 2016) without affine parameters, as CycleGAN and pix2pix use
 * it: each sample's channel normalised over its spatial positions. Reduced over the spatial axes
 * rather than through `groupNorm`, whose reshapes fix the batch size, so the export keeps a free batch
 * dimension.
 */
function instanceNorm(x: Tensor, eps = 1e-5): Tensor {
  const axes = [2, 3];
  const centered = F.sub(x, F.mean(x, axes, true));
  const variance = F.mean(F.mul(centered, centered), axes, true);
  return F.mul(centered, F.reciprocal(F.sqrt(F.add(variance, eps))));
}

function convT(b: ZooBuild, x: Tensor, name: string, out: number, k: number, o: { stride: number; padding: number; outputPadding: number }): Tensor {
  const shape = [x.shape[1]!, out, k, k];
  const weight = b.param(`${name}.weight`, shape, init.kaimingUniform());
  // As in PyTorch, the fan-in of a transposed conv weight [in, out, k, k] is taken as out * k * k.
  const bias = b.param(`${name}.bias`, [out], init.biasUniform(shape));
  return F.convTranspose2d(x, weight, bias, { stride: o.stride, padding: o.padding, outputPadding: o.outputPadding });
}

function option<K extends keyof ZooOptions>(b: ZooBuild, key: K): Required<ZooOptions>[K] {
  return (b.options[key] ?? ZOO_DEFAULTS[key]) as Required<ZooOptions>[K];
}

/**
 * Johnson et al. 2016 / CycleGAN (Zhu et al. 2017): 7x7 conv, two stride-2 convs, `blocks` residual
 * blocks, two stride-2 transposed convs, 7x7 conv, tanh; instance norm and ReLU. Zero padding stands
 * in for the reflection padding of the original (the op set records constant padding only).
 */
function resnetGenerator(b: ZooBuild, x: Tensor): Tensor {
  const [h0, w0] = [x.shape[2]!, x.shape[3]!];
  if (h0 % 4 || w0 % 4) throw new Error(`resnet-generator needs height and width divisible by 4, got ${h0}x${w0}`);
  const ngf = scaled(b, option(b, 'ngf'));
  let h = F.relu(instanceNorm(conv(b, x, 'stem', ngf, 7, { padding: 3 })));
  h = F.relu(instanceNorm(conv(b, h, 'down1', 2 * ngf, 3, { stride: 2, padding: 1 })));
  h = F.relu(instanceNorm(conv(b, h, 'down2', 4 * ngf, 3, { stride: 2, padding: 1 })));
  for (let k = 0; k < option(b, 'blocks'); k++) {
    let y = F.relu(instanceNorm(conv(b, h, `blocks.${k}.conv1`, 4 * ngf, 3, { padding: 1 })));
    y = instanceNorm(conv(b, y, `blocks.${k}.conv2`, 4 * ngf, 3, { padding: 1 }));
    h = F.add(h, y);
  }
  b.expose?.('bottleneck', h);
  const up = { stride: 2, padding: 1, outputPadding: 1 };
  h = F.relu(instanceNorm(convT(b, h, 'up1', 2 * ngf, 3, up)));
  h = F.relu(instanceNorm(convT(b, h, 'up2', ngf, 3, up)));
  return F.tanh(conv(b, h, 'head', b.outChannels, 7, { padding: 3 }));
}

/**
 * A small U-Net (Ronneberger et al. 2015): per level two 3x3 conv + instance norm + ReLU, max-pool
 * down `depth` times, 2x2 stride-2 transposed convs up, each concatenated with the encoder features of
 * its level; a 1x1 conv and tanh give the image.
 */
function unetSmall(b: ZooBuild, x: Tensor): Tensor {
  const depth = option(b, 'depth');
  const [h0, w0] = [x.shape[2]!, x.shape[3]!];
  const f = 2 ** depth;
  if (depth < 1 || h0 % f || w0 % f) throw new Error(`unet-small with depth ${depth} needs height and width divisible by ${f}, got ${h0}x${w0}`);
  const ngf = scaled(b, option(b, 'ngf'));
  const double = (t: Tensor, name: string, out: number): Tensor => {
    const y = F.relu(instanceNorm(conv(b, t, `${name}.conv1`, out, 3, { padding: 1 })));
    return F.relu(instanceNorm(conv(b, y, `${name}.conv2`, out, 3, { padding: 1 })));
  };
  const skips: Tensor[] = [double(x, 'enc0', ngf)];
  for (let i = 1; i <= depth; i++) skips.push(double(pool2(skips[i - 1]!), `enc${i}`, ngf * 2 ** i));
  let h = skips[depth]!;
  b.expose?.('bottleneck', h);
  for (let i = depth - 1; i >= 0; i--) {
    const up = convT(b, h, `up${i}`, ngf * 2 ** i, 2, { stride: 2, padding: 0, outputPadding: 0 });
    h = double(F.concat([up, skips[i]!], 1), `dec${i}`, ngf * 2 ** i);
  }
  return F.tanh(conv(b, h, 'head', b.outChannels, 1));
}

/**
 * PatchGAN (Isola et al. 2017, pix2pix's NLayerDiscriminator): 4x4 convs, `layers` of them stride 2,
 * filters doubling up to 8 ndf, instance norm after the first, LeakyReLU 0.2; a last 4x4 conv gives
 * one real/fake score per patch, [N, 1, h', w'].
 */
function patchgan(b: ZooBuild, x: Tensor): Tensor {
  const layers = option(b, 'layers');
  const ndf = scaled(b, option(b, 'ndf'));
  let [sh, sw] = [x.shape[2]!, x.shape[3]!];
  const out4 = (n: number, stride: number): number => Math.floor((n + 2 - 4) / stride) + 1;
  for (let i = 0; i < layers; i++) [sh, sw] = [out4(sh, 2), out4(sw, 2)];
  [sh, sw] = [out4(out4(sh, 1), 1), out4(out4(sw, 1), 1)];
  if (sh < 1 || sw < 1) throw new Error(`patchgan with ${layers} layers needs larger images than ${x.shape[2]}x${x.shape[3]}`);
  const lrelu = (t: Tensor): Tensor => F.leakyRelu(t, 0.2);
  let h = lrelu(conv(b, x, 'conv0', ndf, 4, { stride: 2, padding: 1 }));
  for (let i = 1; i <= layers; i++) {
    const stride = i < layers ? 2 : 1;
    h = lrelu(instanceNorm(conv(b, h, `conv${i}`, ndf * Math.min(2 ** i, 8), 4, { stride, padding: 1 })));
  }
  return conv(b, h, 'head', 1, 4, { padding: 1 });
}

/**
 * Records the named architecture on `x` [N, C, H, W] and returns its output: class scores
 * [N, classes] (MGNet's after its last glimpse), a generated image [N, outChannels, H, W], or a patch
 * score map [N, 1, h', w'].
 */
export function buildZoo(name: ZooName, x: Tensor, b: ZooBuild): Tensor {
  switch (name) {
    case 'mlp':
    case 'lenet5':
    case 'vgg-small':
    case 'resnet8':
    case 'resnet20':
    case 'mobilenet-small':
      return classifier(name, b, x);
    case 'mgnet': {
      const backbone = option(b, 'backbone');
      if (!(BACKBONE_NAMES as readonly string[]).includes(backbone)) throw new MgnetSettingError('backbone', `mgnet: backbone must be one of ${BACKBONE_NAMES.join(', ')}, not ${backbone}`);
      return mgnet(b, x, {
        backbone: { name: backbone, features: TRUNKS[backbone].features },
        glimpses: option(b, 'glimpses'),
        glimpseScale: option(b, 'glimpseScale'),
        auxWeight: option(b, 'auxWeight'),
        localizationGradScale: option(b, 'localizationGradScale'),
      });
    }
    case 'resnet-generator':
      return resnetGenerator(b, x);
    case 'unet-small':
      return unetSmall(b, x);
    case 'patchgan':
      return patchgan(b, x);
  }
}

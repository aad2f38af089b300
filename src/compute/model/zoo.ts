// The model zoo: small classification architectures as functions of a builder. Parameters are named
// PyTorch-style (`conv1.weight`, `layer1.0.bn1.running_mean`), so state dicts line up with PyTorch
// ports of the same models, and all go through `ZooBuild.param`, which lets the caller swap a
// parameter for the model's current values or a parametrised tensor.

import type { GraphBuilder, Shape, Tensor } from '../graph/graph-builder.ts';
import { init, type Initializer } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';

export const ZOO_NAMES = ['mlp', 'lenet5', 'vgg-small', 'resnet8', 'resnet20', 'mobilenet-small'] as const;
export type ZooName = (typeof ZOO_NAMES)[number];

export interface ZooBuild {
  g: GraphBuilder;
  training: boolean;
  param(name: string, shape: Shape, init: Initializer): Tensor;
  buffer(name: string, shape: Shape, init: Initializer): Tensor;
  classes: number;
  /** Channel / hidden-unit multiplier. */
  width: number;
}

const scaled = (b: ZooBuild, n: number): number => Math.max(1, Math.round(n * b.width));

function conv(b: ZooBuild, x: Tensor, name: string, out: number, k: number, o: { stride?: number; padding?: number; groups?: number; bias?: boolean } = {}): Tensor {
  const groups = o.groups ?? 1;
  const shape = [out, x.shape[1]! / groups, k, k];
  const weight = b.param(`${name}.weight`, shape, init.kaimingUniform());
  const bias = o.bias === false ? null : b.param(`${name}.bias`, [out], init.biasUniform(shape));
  return F.conv2d(x, weight, bias, { stride: o.stride ?? 1, padding: o.padding ?? 0, groups });
}

function linear(b: ZooBuild, x: Tensor, name: string, out: number): Tensor {
  const shape = [out, x.shape[1]!];
  return F.linear(x, b.param(`${name}.weight`, shape, init.kaimingUniform()), b.param(`${name}.bias`, [out], init.biasUniform(shape)));
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

function mlp(b: ZooBuild, x: Tensor): Tensor {
  let h = F.flatten(x);
  h = F.relu(linear(b, h, 'fc1', scaled(b, 256)));
  h = F.relu(linear(b, h, 'fc2', scaled(b, 128)));
  return linear(b, h, 'fc3', b.classes);
}

/** LeCun et al. 1998 with ReLU and max pooling; 28x28 inputs are padded by 2 to the original 32x32. */
function lenet5(b: ZooBuild, x: Tensor): Tensor {
  const [h0, w0] = [x.shape[2]!, x.shape[3]!];
  if (Math.min(h0, w0) < 12) throw new Error(`LeNet-5 needs images of at least 12x12, got ${h0}x${w0}`);
  let h = pool2(F.relu(conv(b, x, 'conv1', scaled(b, 6), 5, { padding: 2 })));
  h = pool2(F.relu(conv(b, h, 'conv2', scaled(b, 16), 5)));
  h = F.flatten(h);
  h = F.relu(linear(b, h, 'fc1', scaled(b, 120)));
  h = F.relu(linear(b, h, 'fc2', scaled(b, 84)));
  return linear(b, h, 'fc3', b.classes);
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
  return linear(b, F.flatten(F.globalAvgPool(h)), 'fc', b.classes);
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
      const shortcut =
        stride !== 1 || h.shape[1] !== out ? bn(b, conv(b, h, `${name}.downsample.0`, out, 1, { stride, bias: false }), `${name}.downsample.1`) : h;
      h = F.relu(F.add(y, shortcut));
    }
  });
  return linear(b, F.flatten(F.globalAvgPool(h)), 'fc', b.classes);
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
  return linear(b, F.flatten(F.globalAvgPool(h)), 'fc', b.classes);
}

/** Records the named architecture on `x` [N, C, H, W] and returns the class scores [N, classes]. */
export function buildZoo(name: ZooName, x: Tensor, b: ZooBuild): Tensor {
  switch (name) {
    case 'mlp':
      return mlp(b, x);
    case 'lenet5':
      return lenet5(b, x);
    case 'vgg-small':
      return vggSmall(b, x);
    case 'resnet8':
      return resnet(b, x, 1);
    case 'resnet20':
      return resnet(b, x, 3);
    case 'mobilenet-small':
      return mobilenetSmall(b, x);
  }
}

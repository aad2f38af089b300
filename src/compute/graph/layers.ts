// Layer helpers: create the parameters (named `<name>.weight`, `<name>.bias`, PyTorch-style) with
// default initialisers and apply the op. Plain functions, so a model is a function of a builder.

import type { Tensor } from './graph-builder.ts';
import { init } from './init.ts';
import { batchNorm, conv2d, linear, type BatchNormOptions, type Conv2dOptions } from './ops/nn.ts';

function pairOf(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function conv2dLayer(
  x: Tensor,
  name: string,
  outChannels: number,
  kernel: number | readonly [number, number],
  options: Conv2dOptions & { bias?: boolean } = {},
): Tensor {
  const g = x.graph;
  const groups = options.groups ?? 1;
  const [kh, kw] = pairOf(kernel);
  const shape = [outChannels, x.shape[1]! / groups, kh, kw];
  const weight = g.param(`${name}.weight`, shape, init.kaimingUniform());
  const bias = options.bias === false ? null : g.param(`${name}.bias`, [outChannels], init.biasUniform(shape));
  return conv2d(x, weight, bias, options);
}

export function linearLayer(x: Tensor, name: string, outFeatures: number, options: { bias?: boolean } = {}): Tensor {
  const g = x.graph;
  const shape = [outFeatures, x.shape[x.rank - 1]!];
  const weight = g.param(`${name}.weight`, shape, init.kaimingUniform());
  const bias = options.bias === false ? null : g.param(`${name}.bias`, [outFeatures], init.biasUniform(shape));
  return linear(x, weight, bias);
}

/** Batch norm with `<name>.weight`/`.bias` parameters and `.running_mean`/`.running_var` buffers. */
export function batchNormLayer(x: Tensor, name: string, options: BatchNormOptions = {}): Tensor {
  const g = x.graph;
  const c = x.shape[1]!;
  return batchNorm(
    x,
    {
      weight: g.param(`${name}.weight`, [c], init.ones()),
      bias: g.param(`${name}.bias`, [c], init.zeros()),
      runningMean: g.buffer(`${name}.running_mean`, [c], init.zeros()),
      runningVar: g.buffer(`${name}.running_var`, [c], init.ones()),
    },
    options,
  );
}

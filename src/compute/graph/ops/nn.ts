// Neural-network ops: convolutions, pooling, normalisation, activations over an axis.

import { attr, type Attrs, type Tensor } from '../graph-builder.ts';
import { poolTilesInput } from '../shape-inference.ts';
import { add, mul, reciprocal, sqrt, stopGradient, sub } from './elementwise.ts';
import { mean } from './reduce.ts';
import { reshape, slice } from './shape.ts';

export type Pair = number | readonly [number, number];

function pair(v: Pair | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export interface Conv2dOptions {
  stride?: Pair;
  /** Symmetric zero padding per spatial dim. */
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

function convAttrs(o: Conv2dOptions): Attrs {
  const [ph, pw] = pair(o.padding, 0);
  return {
    strides: attr.ints(pair(o.stride, 1)),
    pads: attr.ints([ph, pw, ph, pw]),
    dilations: attr.ints(pair(o.dilation, 1)),
    group: attr.int(o.groups ?? 1),
  };
}

/** x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  if (x.rank !== 4) throw new Error(`conv2d expects [N, C, H, W], got [${x.shape}]`);
  return x.graph.op('Conv', [x, weight, bias ?? null], convAttrs(options));
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: Pair;
}

/** x [N, C, H, W], weight [C, O/groups, kH, kW], bias [O]. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  if (x.rank !== 4) throw new Error(`convTranspose2d expects [N, C, H, W], got [${x.shape}]`);
  return x.graph.op('ConvTranspose', [x, weight, bias ?? null], {
    ...convAttrs(options),
    output_padding: attr.ints(pair(options.outputPadding, 0)),
  });
}

/** y = x W^T + b with W [out, in] (PyTorch layout); x may have any leading dims. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const g = x.graph;
  if (x.rank === 2) return g.op('Gemm', [x, weight, bias ?? null], { transB: attr.int(1) });
  const y = matmul(x, g.op('Transpose', [weight], { perm: attr.ints([1, 0]) }));
  return bias ? add(y, bias) : y;
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error('matmul takes tensors of rank 2 or more');
  return a.graph.op('MatMul', [a, b]);
}

export interface Pool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

function poolAttrs(o: Pool2dOptions): Attrs {
  const kernel = pair(o.kernel, 1);
  const [ph, pw] = pair(o.padding, 0);
  return {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(o.stride === undefined ? kernel : pair(o.stride, 1)),
    pads: attr.ints([ph, pw, ph, pw]),
    ceil_mode: attr.int(o.ceilMode ? 1 : 0),
  };
}

/**
 * Max pooling. When the windows overlap (or padding/dilation is used) the node also outputs the
 * argmax indices, which the gradient scatters through. Windows that tile the input need no
 * indices: onnxruntime's MaxPool is much faster without them, and the gradient compares the input
 * with the pooled output instead.
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions & { dilation?: Pair }): Tensor {
  const attrs = { ...poolAttrs(options), dilations: attr.ints(pair(options.dilation, 1)) };
  return x.graph.node('MaxPool', [x], attrs, { outputs: poolTilesInput(x.shape, attrs) ? 1 : 2 })[0]!;
}

export function avgPool2d(x: Tensor, options: Pool2dOptions & { countIncludePad?: boolean }): Tensor {
  return x.graph.op('AveragePool', [x], { ...poolAttrs(options), count_include_pad: attr.int(options.countIncludePad ? 1 : 0) });
}

export function globalAvgPool(x: Tensor): Tensor {
  return x.graph.op('GlobalAveragePool', [x]);
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return x.graph.op('Softmax', [x], { axis: attr.int(axis) });
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.graph.op('LogSoftmax', [x], { axis: attr.int(axis) });
}

/** Nearest-neighbour upsampling by an integer factor over H and W. */
export function upsampleNearest(x: Tensor, scale: number): Tensor {
  if (!Number.isInteger(scale) || scale < 1) throw new Error('upsampleNearest needs a positive integer scale');
  const g = x.graph;
  const scales = g.constant(x.shape.map((_, i) => (i >= 2 ? scale : 1)), [x.rank], 'float32');
  // asymmetric + floor: output pixel i reads input pixel floor(i / scale), PyTorch's 'nearest'.
  return g.op('Resize', [x, null, scales, null], {
    mode: attr.string('nearest'),
    coordinate_transformation_mode: attr.string('asymmetric'),
    nearest_mode: attr.string('floor'),
  });
}

export interface BatchNormState {
  weight: Tensor;
  bias: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
}

export interface BatchNormOptions {
  eps?: number;
  /** PyTorch convention: new = (1 - momentum) * running + momentum * batch. */
  momentum?: number;
  /** Defaults to the graph's training flag. */
  training?: boolean;
}

/**
 * Batch normalisation over [N, C, ...]. In training mode the batch statistics normalise the input
 * and the running statistics are updated (buffer updates the training step fetches); in eval mode
 * the running statistics normalise it.
 *
 * Training mode is one BatchNormalization node with training_mode=1 and momentum 0: its "running"
 * outputs are then exactly the batch mean and (biased) variance, which the gradient rule reuses and
 * from which the PyTorch-style running updates (unbiased variance) are computed here. One node is
 * much faster in onnxruntime than the same normalisation composed from reductions and elementwise
 * ops, and its gradient rule is the fused closed form.
 */
export function batchNorm(x: Tensor, state: BatchNormState, options: BatchNormOptions = {}): Tensor {
  const g = x.graph;
  const eps = options.eps ?? 1e-5;
  const training = options.training ?? g.training;
  if (x.rank < 2) throw new Error('batchNorm expects [N, C, ...]');
  if (!training) return g.op('BatchNormalization', [x, state.weight, state.bias, state.runningMean, state.runningVar], { epsilon: attr.float(eps) });

  // onnxruntime writes the node's running-statistics outputs into its mean/var input buffers (even
  // fed ones), so the node gets private inputs: zeros/ones derived from x, which constant folding
  // cannot turn into shared initializers. With momentum 0 their values do not affect the outputs.
  const channels = x.shape[1]!;
  const privateZeros = mul(slice(reshape(x, [-1]), [0], [channels]), 0);
  const [y, batchMean, batchVar] = g.node(
    'BatchNormalization',
    [x, state.weight, state.bias, privateZeros, add(privateZeros, 1)],
    { epsilon: attr.float(eps), momentum: attr.float(0), training_mode: attr.int(1) },
    { outputs: 3 },
  );
  if (g.buffers.has(state.runningMean.name) && g.buffers.has(state.runningVar.name)) {
    const m = options.momentum ?? 0.1;
    const count = x.size / channels;
    const unbiased = count > 1 ? count / (count - 1) : 1;
    g.updateBuffer(state.runningMean, add(mul(state.runningMean, 1 - m), mul(stopGradient(batchMean!), m)));
    g.updateBuffer(state.runningVar, add(mul(state.runningVar, 1 - m), mul(stopGradient(batchVar!), m * unbiased)));
  }
  return y!;
}

/**
 * Layer normalisation (Ba et al. 2016) over the last `normalizedDims` axes, with an optional
 * elementwise affine transform whose parameters have the shape of those axes.
 */
export function layerNorm(x: Tensor, normalizedDims: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (normalizedDims < 1 || normalizedDims > x.rank) throw new Error(`layerNorm over ${normalizedDims} axes of a rank-${x.rank} tensor`);
  const axes = Array.from({ length: normalizedDims }, (_, i) => x.rank - normalizedDims + i);
  const centered = sub(x, mean(x, axes, true));
  const variance = mean(mul(centered, centered), axes, true);
  let y = mul(centered, reciprocal(sqrt(add(variance, eps))));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * Group normalisation (Wu & He 2018) of [N, C, ...] over groups of C/groups channels and all
 * spatial positions, with per-channel affine parameters [C].
 */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  if (c % groups !== 0) throw new Error(`groupNorm: ${c} channels are not divisible into ${groups} groups`);
  const grouped = reshape(x, [n, groups, -1]);
  const normalized = reshape(layerNorm(grouped, 1, null, null, eps), x.shape);
  const cshape = [1, c, ...x.shape.slice(2).map(() => 1)];
  let y = normalized;
  if (weight) y = mul(y, reshape(weight, cshape));
  if (bias) y = add(y, reshape(bias, cshape));
  return y;
}

export interface InstanceNormOptions {
  /** Per-channel scale [C]. */
  weight?: Tensor | null;
  /** Per-channel shift [C]. */
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Instance normalisation (Ulyanov et al. 2016) of [N, C, ...]: each sample's channel is
 * normalised over its spatial positions with the biased variance, then scaled and shifted per
 * channel. Composed from reductions and elementwise ops, so autodiff differentiates it op by op
 * and it runs in float64 as well.
 */
export function instanceNorm(x: Tensor, options: InstanceNormOptions = {}): Tensor {
  if (x.rank < 3) throw new Error(`instanceNorm expects [N, C, spatial...], got [${x.shape}]`);
  const c = x.shape[1]!;
  for (const [name, t] of [['weight', options.weight], ['bias', options.bias]] as const)
    if (t && (t.rank !== 1 || t.shape[0] !== c)) throw new Error(`instanceNorm: ${name} must be [${c}], got [${t.shape}]`);
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  const centered = sub(x, mean(x, axes, true));
  const variance = mean(mul(centered, centered), axes, true);
  let y = mul(centered, reciprocal(sqrt(add(variance, options.eps ?? 1e-5))));
  const cshape = [1, c, ...axes.map(() => 1)];
  if (options.weight) y = mul(y, reshape(options.weight, cshape));
  if (options.bias) y = add(y, reshape(options.bias, cshape));
  return y;
}

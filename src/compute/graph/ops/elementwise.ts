// Elementwise ops with NumPy broadcasting. A plain number operand becomes a scalar constant of
// the other operand's element type.

import { attr, type Tensor } from '../graph-builder.ts';
import { dataTypeOf, type DType } from '../../onnx/tensor-data.ts';

export type Operand = Tensor | number;

function pair(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('at least one operand must be a tensor');
  const ta = typeof a === 'number' ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? ta.graph.scalar(b, ta.dtype) : b;
  return [ta, tb];
}

const binary = (opType: string) => (a: Operand, b: Operand): Tensor => {
  const [ta, tb] = pair(a, b);
  return ta.graph.op(opType, [ta, tb]);
};

export const add = binary('Add');
export const sub = binary('Sub');
export const mul = binary('Mul');
export const div = binary('Div');
export const pow = binary('Pow');
export const maximum = binary('Max');
export const minimum = binary('Min');
export const equal = binary('Equal');
export const less = binary('Less');
export const greater = binary('Greater');
export const lessEqual = binary('LessOrEqual');
export const greaterEqual = binary('GreaterOrEqual');

const unary = (opType: string) => (x: Tensor): Tensor => x.graph.op(opType, [x]);

export const neg = unary('Neg');
export const abs = unary('Abs');
export const exp = unary('Exp');
export const log = unary('Log');
export const sqrt = unary('Sqrt');
export const reciprocal = unary('Reciprocal');
export const relu = unary('Relu');
export const sigmoid = unary('Sigmoid');
export const tanh = unary('Tanh');
export const softplus = unary('Softplus');
export const logicalNot = unary('Not');
export const identity = unary('Identity');
export const erf = unary('Erf');

export function square(x: Tensor): Tensor {
  return mul(x, x);
}

export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  return x.graph.op('LeakyRelu', [x], { alpha: attr.float(alpha) });
}

/** Clip to [min, max]; either bound may be omitted. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  const g = x.graph;
  return g.op('Clip', [x, min === undefined ? null : g.scalar(min, x.dtype), max === undefined ? null : g.scalar(max, x.dtype)]);
}

export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  const [ta, tb] = pair(a, b);
  return condition.graph.op('Where', [condition, ta, tb]);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return x.graph.op('Cast', [x], { to: attr.int(dataTypeOf(dtype)) });
}

/** The value of x, treated as a constant by autodiff. */
export function stopGradient(x: Tensor): Tensor {
  return x.graph.node('Identity', [x], {}, { stopGradient: true })[0]!;
}

/** GELU (Hendrycks & Gimpel 2016): x * Phi(x), exact (erf) or with the tanh approximation. */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  if (options.approximate === 'tanh') {
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/**
 * Inverted dropout: in training mode, zeroes each element with probability p and scales the rest
 * by 1/(1-p). The mask is a random input the compiled step draws from its seed each run, so runs
 * are reproducible and the gradient is exact (the mask is a constant of the step).
 */
export function dropout(x: Tensor, p: number, options: { training?: boolean } = {}): Tensor {
  if (p < 0 || p >= 1) throw new Error(`dropout probability must be in [0, 1), got ${p}`);
  const training = options.training ?? x.graph.training;
  if (!training || p === 0) return x;
  const mask = x.graph.randomInput('dropout_mask', x.shape, { kind: 'bernoulli', p: 1 - p, value: 1 / (1 - p) });
  return mul(x, x.dtype === 'float32' ? mask : cast(mask, x.dtype));
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return x.graph.op('Elu', [x], { alpha: attr.float(alpha) });
}

/** PyTorch's hardsigmoid: clamp(x / 6 + 1/2, 0, 1). */
export function hardSigmoid(x: Tensor): Tensor {
  return clamp(add(div(x, 6), 0.5), 0, 1);
}

/** Howard et al. 2019 (MobileNetV3): x * hardsigmoid(x). */
export function hardSwish(x: Tensor): Tensor {
  return mul(x, hardSigmoid(x));
}

/** PReLU with a learnable slope broadcast against x (e.g. [C, 1, 1] per channel). */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  return where(greater(x, 0), x, mul(x, slope));
}

/**
 * Identity in the forward pass; the gradient flowing back is multiplied by `factor` (a gradient
 * reversal layer with a negative factor, or a damped branch such as a localisation network).
 * Written as stop(x) + (s - stop(s)) with s = x * factor: the forward value is exactly x (s - s
 * is exactly zero) and the only differentiable path is through s.
 */
export function gradScale(x: Tensor, factor: number): Tensor {
  const scaled = mul(x, factor);
  return add(stopGradient(x), sub(scaled, stopGradient(scaled)));
}

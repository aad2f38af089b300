// Gradient rules of elementwise ops. Broadcast operands get their gradient summed back to their
// own shape (unbroadcast).

import type { Tensor } from '../../graph/graph-builder.ts';
import { attrFloat } from '../../graph/shape-inference.ts';
import {
  add,
  cast,
  div,
  exp,
  greater,
  greaterEqual,
  lessEqual,
  log,
  mul,
  neg,
  sigmoid,
  sub,
  sum,
  where,
} from '../../graph/ops/index.ts';
import type { GradRule } from '../types.ts';
import { unbroadcast } from '../unbroadcast.ts';

/** The single output's gradient (unary rules); the walker only calls a rule when one flows. */
function dy(gradOutputs: readonly (Tensor | null)[]): Tensor {
  return gradOutputs[0]!;
}

export const elementwiseRules: Record<string, GradRule> = {
  Identity: ({ gradOutputs }) => [dy(gradOutputs)],
  Add: ({ inputs, gradOutputs, needs }) => {
    const g = dy(gradOutputs);
    return [needs[0] ? unbroadcast(g, inputs[0]!.shape) : null, needs[1] ? unbroadcast(g, inputs[1]!.shape) : null];
  },
  Sub: ({ inputs, gradOutputs, needs }) => {
    const g = dy(gradOutputs);
    return [needs[0] ? unbroadcast(g, inputs[0]!.shape) : null, needs[1] ? unbroadcast(neg(g), inputs[1]!.shape) : null];
  },
  Mul: ({ inputs, gradOutputs, needs }) => {
    const g = dy(gradOutputs);
    const [a, b] = [inputs[0]!, inputs[1]!];
    return [needs[0] ? unbroadcast(mul(g, b), a.shape) : null, needs[1] ? unbroadcast(mul(g, a), b.shape) : null];
  },
  Div: ({ inputs, outputs, gradOutputs, needs }) => {
    const g = dy(gradOutputs);
    const [a, b] = [inputs[0]!, inputs[1]!];
    // d(a/b)/db = -a/b^2 = -y/b
    return [
      needs[0] ? unbroadcast(div(g, b), a.shape) : null,
      needs[1] ? unbroadcast(neg(div(mul(g, outputs[0]!), b)), b.shape) : null,
    ];
  },
  Pow: ({ g: graph, inputs, outputs, gradOutputs, needs }) => {
    const g = dy(gradOutputs);
    const [a, b] = [inputs[0]!, inputs[1]!];
    let da: Tensor | null = null;
    if (needs[0]) {
      const c = graph.constantValue(b.name);
      // A constant exponent (the common x^2) avoids the pow in the backward pass when it is 2.
      const bPrev = c && c.length === 1 ? Number(c[0]) - 1 : null;
      const term = bPrev === 1 ? a : bPrev === 0 ? null : graph.op('Pow', [a, bPrev !== null ? graph.scalar(bPrev, b.dtype) : sub(b, 1)]);
      const local = term ? mul(b, term) : b;
      da = unbroadcast(mul(g, local), a.shape);
    }
    const db = needs[1] ? unbroadcast(mul(g, mul(outputs[0]!, log(a))), b.shape) : null;
    return [da, db];
  },
  Neg: ({ gradOutputs }) => [neg(dy(gradOutputs))],
  Abs: ({ g: graph, inputs, gradOutputs }) => [mul(dy(gradOutputs), graph.op('Sign', [inputs[0]!]))],
  Exp: ({ outputs, gradOutputs }) => [mul(dy(gradOutputs), outputs[0]!)],
  Log: ({ inputs, gradOutputs }) => [div(dy(gradOutputs), inputs[0]!)],
  Sqrt: ({ outputs, gradOutputs }) => [div(mul(dy(gradOutputs), 0.5), outputs[0]!)],
  Reciprocal: ({ outputs, gradOutputs }) => [neg(mul(dy(gradOutputs), mul(outputs[0]!, outputs[0]!)))],
  Relu: ({ inputs, gradOutputs }) => [where(greater(inputs[0]!, 0), dy(gradOutputs), 0)],
  LeakyRelu: ({ node, inputs, gradOutputs }) => {
    const g = dy(gradOutputs);
    return [where(greater(inputs[0]!, 0), g, mul(g, attrFloat(node.attrs, 'alpha', 0.01)))];
  },
  // y = x for x > 0, alpha (e^x - 1) otherwise, so dy/dx = y + alpha there.
  Elu: ({ node, inputs, outputs, gradOutputs }) => {
    const g = dy(gradOutputs);
    const alpha = attrFloat(node.attrs, 'alpha', 1);
    return [where(greater(inputs[0]!, 0), g, mul(g, add(outputs[0]!, alpha)))];
  },
  Sigmoid: ({ outputs, gradOutputs }) => {
    const y = outputs[0]!;
    return [mul(dy(gradOutputs), mul(y, sub(1, y)))];
  },
  Tanh: ({ outputs, gradOutputs }) => {
    const y = outputs[0]!;
    return [mul(dy(gradOutputs), sub(1, mul(y, y)))];
  },
  Softplus: ({ inputs, gradOutputs }) => [mul(dy(gradOutputs), sigmoid(inputs[0]!))],
  Clip: ({ inputs, gradOutputs }) => {
    const [x, lo, hi] = inputs;
    let inside: Tensor | null = null;
    if (lo) inside = greaterEqual(x!, lo);
    if (hi) {
      const below = lessEqual(x!, hi);
      inside = inside ? x!.graph.op('And', [inside, below]) : below;
    }
    return [inside ? where(inside, dy(gradOutputs), 0) : dy(gradOutputs), null, null];
  },
  Where: ({ inputs, gradOutputs, needs }) => {
    const g = dy(gradOutputs);
    const [c, a, b] = [inputs[0]!, inputs[1]!, inputs[2]!];
    return [
      null,
      needs[1] ? unbroadcast(where(c, g, 0), a.shape) : null,
      needs[2] ? unbroadcast(where(c, 0, g), b.shape) : null,
    ];
  },
  // d erf(x)/dx = 2/sqrt(pi) exp(-x^2)
  Erf: ({ inputs, gradOutputs }) => {
    const x = inputs[0]!;
    return [mul(dy(gradOutputs), mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  Cast: ({ inputs, gradOutputs }) => [cast(dy(gradOutputs), inputs[0]!.dtype)],
  // Ties send the gradient to the first operand, like a subgradient choice.
  Max: ({ inputs, gradOutputs, needs }) => {
    if (inputs.length !== 2) throw new Error('the Max gradient supports two operands');
    const g = dy(gradOutputs);
    const [a, b] = [inputs[0]!, inputs[1]!];
    const firstWins = greaterEqual(a, b);
    return [needs[0] ? unbroadcast(where(firstWins, g, 0), a.shape) : null, needs[1] ? unbroadcast(where(firstWins, 0, g), b.shape) : null];
  },
  Min: ({ inputs, gradOutputs, needs }) => {
    if (inputs.length !== 2) throw new Error('the Min gradient supports two operands');
    const g = dy(gradOutputs);
    const [a, b] = [inputs[0]!, inputs[1]!];
    const firstWins = lessEqual(a, b);
    return [needs[0] ? unbroadcast(where(firstWins, g, 0), a.shape) : null, needs[1] ? unbroadcast(where(firstWins, 0, g), b.shape) : null];
  },
  Sum: ({ inputs, gradOutputs, needs }) => inputs.map((t, i) => (needs[i] ? unbroadcast(dy(gradOutputs), t!.shape) : null)),
  Softmax: ({ node, outputs, gradOutputs }) => {
    const y = outputs[0]!;
    const axis = node.attrs.axis?.kind === 'int' ? node.attrs.axis.value : -1;
    const g = dy(gradOutputs);
    return [mul(y, sub(g, sum(mul(g, y), [axis], true)))];
  },
  LogSoftmax: ({ node, outputs, gradOutputs }) => {
    const y = outputs[0]!;
    const axis = node.attrs.axis?.kind === 'int' ? node.attrs.axis.value : -1;
    const g = dy(gradOutputs);
    return [sub(g, mul(exp(y), sum(g, [axis], true)))];
  },
};

/** Ops whose outputs are piecewise constant or non-float: no gradient flows through them. */
export const zeroGradOps = ['Sign', 'Floor', 'Ceil', 'Round', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'ArgMax', 'ArgMin', 'Shape', 'ConstantOfShape'];

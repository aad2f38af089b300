// Gradient rules of reductions: the gradient is broadcast back over the reduced axes.

import { attrInt, reduceAxes } from '../../graph/shape-inference.ts';
import type { Tensor } from '../../graph/graph-builder.ts';
import { cast, div, equal, expand, greater, mul, reshape, sum, where } from '../../graph/ops/index.ts';
import type { GradContext, GradRule } from '../types.ts';

function reducedAxes({ g, node, inputs }: GradContext): number[] {
  const x = inputs[0]!;
  const axesInput = inputs[1];
  const axes = axesInput ? Array.from(g.constantValue(axesInput.name) as ArrayLike<number | bigint>, Number) : undefined;
  return reduceAxes(x.rank, axes, attrInt(node.attrs, 'noop_with_empty_axes', 0) === 1);
}

/** The output gradient reshaped to keepdims form, so it broadcasts against the input. */
function keptDims(ctx: GradContext): Tensor {
  const x = ctx.inputs[0]!;
  const axes = reducedAxes(ctx);
  return reshape(ctx.gradOutputs[0]!, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

function countOf(ctx: GradContext): number {
  const x = ctx.inputs[0]!;
  return reducedAxes(ctx).reduce((p, a) => p * x.shape[a]!, 1);
}

/** Max/min: the gradient goes to the extreme elements, split evenly between ties. */
const extremum: GradRule = (ctx) => {
  const x = ctx.inputs[0]!;
  const axes = reducedAxes(ctx);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const y = reshape(ctx.outputs[0]!, kept);
  const mask = cast(equal(x, y), x.dtype);
  const ties = sum(mask, axes, true);
  return [mul(mask, div(keptDims(ctx), ties)), null];
};

export const reduceRules: Record<string, GradRule> = {
  ReduceSum: (ctx) => [expand(keptDims(ctx), ctx.inputs[0]!.shape), null],
  ReduceMean: (ctx) => [expand(div(keptDims(ctx), countOf(ctx)), ctx.inputs[0]!.shape), null],
  ReduceMax: extremum,
  ReduceMin: extremum,
  // d||x||/dx = x / ||x|| (zero where the norm is zero, a subgradient)
  ReduceL2: (ctx) => {
    const x = ctx.inputs[0]!;
    const axes = reducedAxes(ctx);
    const norm = reshape(ctx.outputs[0]!, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
    const safe = where(greater(norm, 0), norm, 1);
    return [mul(keptDims(ctx), div(x, safe)), null];
  },
  ReduceSumSquare: (ctx) => [mul(mul(keptDims(ctx), 2), ctx.inputs[0]!), null],
};

// Reductions. `axes` undefined reduces over every axis.

import { attr, type Tensor } from '../graph-builder.ts';

const reduction =
  (opType: string) =>
  (x: Tensor, axes?: readonly number[], keepDims = false): Tensor => {
    const g = x.graph;
    return g.op(opType, [x, axes ? g.ints(axes) : null], { keepdims: attr.int(keepDims ? 1 : 0) });
  };

export const sum = reduction('ReduceSum');
export const mean = reduction('ReduceMean');
export const max = reduction('ReduceMax');
export const min = reduction('ReduceMin');
/** Euclidean norm over the axes. */
export const l2Norm = reduction('ReduceL2');

export function argmax(x: Tensor, axis = -1, keepDims = false): Tensor {
  return x.graph.op('ArgMax', [x], { axis: attr.int(axis), keepdims: attr.int(keepDims ? 1 : 0) });
}

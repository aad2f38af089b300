// Ops that move values around without arithmetic.

import { attr, type GraphBuilder, type Tensor } from '../graph-builder.ts';
import { tensorProto, typedFrom, type DType } from '../../onnx/tensor-data.ts';
import { normalizeAxis } from '../shape-inference.ts';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return x.graph.op('Reshape', [x, x.graph.ints(shape)]);
}

/**
 * Keeps dims before `axis`, folds the rest into one (PyTorch's flatten(start_dim=axis)). The kept
 * dims are written as 0 ("copy from the input"), so the graph stays valid for any batch size.
 */
export function flatten(x: Tensor, axis = 1): Tensor {
  const a = normalizeAxis(axis, x.rank);
  return reshape(x, [...x.shape.slice(0, a).map(() => 0), -1]);
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return x.graph.op('Transpose', [x], perm ? { perm: attr.ints(perm) } : {});
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  return xs[0]!.graph.op('Concat', xs, { axis: attr.int(axis) });
}

export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  const g = x.graph;
  return g.op('Slice', [x, g.ints(starts), g.ints(ends), axes ? g.ints(axes) : null, steps ? g.ints(steps) : null]);
}

/** Constant padding; `pads` as in ONNX: [begin_0, ..., begin_n, end_0, ..., end_n] over all dims. */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  const g = x.graph;
  return g.op('Pad', [x, g.ints(pads), g.scalar(value, x.dtype)]);
}

export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  return x.graph.op('Unsqueeze', [x, x.graph.ints(axes)]);
}

export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  return x.graph.op('Squeeze', [x, axes ? x.graph.ints(axes) : null]);
}

export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return x.graph.op('Expand', [x, x.graph.ints(shape)]);
}

export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const g = x.graph;
  return g.node('Split', [x, g.ints(sizes)], { axis: attr.int(axis) }, { outputs: sizes.length });
}

/** A tensor filled with `value`, materialised at run time (no large constant in the model). */
export function full(g: GraphBuilder, shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const one = tensorProto('', dtype, [1], typedFrom(dtype, [value]));
  return g.op('ConstantOfShape', [g.ints(shape)], { value: { kind: 'tensor', value: one } });
}

export function zeros(g: GraphBuilder, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return full(g, shape, 0, dtype);
}

/** Rows (or slices along `axis`) of x picked by int64 indices: ONNX Gather. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return x.graph.op('Gather', [x, indices], { axis: attr.int(axis) });
}

/** Embedding lookup: weight [vocabulary, dim], int64 ids of any shape -> [...ids, dim]. */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  return gather(weight, ids, 0);
}

export function tile(x: Tensor, repeats: readonly number[]): Tensor {
  return x.graph.op('Tile', [x, x.graph.ints(repeats)]);
}

/**
 * ONNX GatherElements: out[i][j][k] = x[i][index[i][j][k]][k] for axis 1 (and likewise for other
 * axes); `indices` is int64 with x's rank and the output takes its shape.
 */
export function gatherElements(x: Tensor, indices: Tensor, axis = 0): Tensor {
  if (indices.dtype !== 'int64') throw new Error(`gatherElements expects int64 indices, got ${indices.dtype}`);
  if (indices.rank !== x.rank) throw new Error(`gatherElements: indices [${indices.shape}] and x [${x.shape}] differ in rank`);
  return x.graph.op('GatherElements', [x, indices], { axis: attr.int(axis) });
}

import { sameShape, type Tensor } from '../graph/graph-builder.ts';
import { reshape, sum } from '../graph/ops/index.ts';

/**
 * Reduces a gradient computed at a broadcast shape back to the shape of the operand that was
 * broadcast: sum over the leading dims the operand lacked and over the dims where it had size 1.
 */
export function unbroadcast(grad: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  if (lead < 0) throw new Error(`cannot unbroadcast [${grad.shape}] to [${shape}]`);
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && grad.shape[i] !== 1) axes.push(i);
  }
  const reduced = axes.length ? sum(grad, axes, true) : grad;
  return sameShape(reduced.shape, shape) ? reduced : reshape(reduced, shape);
}

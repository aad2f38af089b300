import type { GraphBuilder, GraphNode, Tensor } from '../graph/graph-builder.ts';
import type { ConvInputGradLowering } from './conv-input-grad.ts';
import type { ConvWeightGradLowering } from './conv-weight-grad.ts';

export interface GradOptions {
  /** How Conv weight gradients are lowered; 'auto' uses the measured default. */
  convWeightGrad?: ConvWeightGradLowering;
  /** How Conv input gradients are lowered; 'auto' uses the measured default. */
  convInputGrad?: ConvInputGradLowering;
}

export interface GradContext {
  readonly g: GraphBuilder;
  readonly node: GraphNode;
  /** The node's inputs; null where an optional input was omitted. */
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  /** Gradient of the loss w.r.t. each output; null where none flows (treat as zero). */
  readonly gradOutputs: readonly (Tensor | null)[];
  /** Whether each input needs a gradient; rules skip work for the others. */
  readonly needs: readonly boolean[];
  readonly options: GradOptions;
}

/**
 * A gradient rule returns, per input, the gradient of the loss w.r.t. that input (with exactly the
 * input's shape), or null/undefined for "none" (non-differentiable input or not needed).
 */
export type GradRule = (ctx: GradContext) => readonly (Tensor | null | undefined)[];

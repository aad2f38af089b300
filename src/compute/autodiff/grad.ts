// Reverse-mode automatic differentiation over a recorded graph: walks the nodes between the
// requested tensors and the loss backwards, applies each op's gradient rule, and accumulates
// gradients of values used more than once. The gradient nodes are appended to the same graph, so
// forward and backward run as one ONNX model.

import type { GraphBuilder, Tensor } from '../graph/graph-builder.ts';
import { add, zeros } from '../graph/ops/index.ts';
import { isFloat } from '../onnx/tensor-data.ts';
import { gradRules } from './rules/index.ts';
import type { GradOptions } from './types.ts';

export function hasGradRule(opType: string): boolean {
  return opType in gradRules;
}

/**
 * Appends the gradient of the scalar `loss` w.r.t. each tensor of `wrt` to `graph` and returns
 * them in order. A tensor the loss does not depend on gets zeros.
 */
export function grad(graph: GraphBuilder, loss: Tensor, wrt: readonly Tensor[], options: GradOptions = {}): Tensor[] {
  if (loss.graph !== graph) throw new Error('loss belongs to another graph');
  if (loss.size !== 1) throw new Error(`loss must be a scalar, got shape [${loss.shape}]`);
  if (!isFloat(loss.dtype)) throw new Error('loss must be a float tensor');
  for (const t of wrt) {
    if (t.graph !== graph) throw new Error(`${t.name} belongs to another graph`);
    if (!isFloat(t.dtype)) throw new Error(`cannot differentiate w.r.t. ${t} (not a float tensor)`);
  }

  const nodes = graph.nodes.slice();

  // Values that depend on some wrt tensor through differentiable paths.
  const dependsOnWrt = new Set(wrt.map((t) => t.name));
  for (const n of nodes) {
    if (n.stopGradient) continue;
    if (n.inputs.some((i) => dependsOnWrt.has(i))) for (const o of n.outputs) dependsOnWrt.add(o);
  }
  // Values the loss depends on.
  const feedsLoss = new Set([loss.name]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((o) => feedsLoss.has(o))) for (const inp of n.inputs) if (inp) feedsLoss.add(inp);
  }

  const grads = new Map<string, Tensor>();
  const accumulate = (name: string, g: Tensor) => {
    const prev = grads.get(name);
    grads.set(name, prev ? add(prev, g) : g);
  };
  const seedValue = graph.constant([1], loss.shape, loss.dtype);
  grads.set(loss.name, seedValue);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (node.stopGradient) continue;
    if (!node.outputs.some((o) => grads.has(o) && dependsOnWrt.has(o))) continue;
    const inputs = node.inputs.map((name) => (name ? graph.tensor(name) : null));
    const needs = inputs.map((t) => !!t && isFloat(t.dtype) && dependsOnWrt.has(t.name) && feedsLoss.has(t.name));
    if (!needs.some(Boolean)) continue;
    const rule = gradRules[node.opType];
    if (!rule) throw new Error(`no gradient rule for ${node.opType} (node ${node.name})`);
    const outputs = node.outputs.map((name) => graph.tensor(name));
    const gradOutputs = node.outputs.map((name) => grads.get(name) ?? null);
    const inputGrads = rule({ g: graph, node, inputs, outputs, gradOutputs, needs, options });
    inputs.forEach((t, k) => {
      const gk = inputGrads[k];
      if (!t || !needs[k] || !gk) return;
      if (gk.shape.length !== t.shape.length || gk.shape.some((d, j) => d !== t.shape[j]))
        throw new Error(`gradient rule of ${node.opType} returned shape [${gk.shape}] for input [${t.shape}]`);
      accumulate(t.name, gk);
    });
  }

  return wrt.map((t) => grads.get(t.name) ?? zeros(graph, t.shape, t.dtype));
}

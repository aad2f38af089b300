// The weight layers of a model as compression methods see them (conv [O, I, kh, kw] and linear [O, I]
// weights, in the order the forward pass uses them), and the multiply-accumulates a pruned model still
// performs.
import { GraphBuilder } from '../graph/graph-builder.ts';
import { buildModelGraph, type Model } from './model.ts';

export interface WeightLayer {
  name: string;
  shape: number[];
  kind: 'conv' | 'linear';
  /** Dense multiply-accumulates of the layer for one image. */
  macs: number;
}

/**
 * Conv and linear weights of the model (parameters feeding a Conv's or a Gemm/MatMul's weight input), in
 * the order the graph uses them.
 */
export function weightLayers(model: Model): WeightLayer[] {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false, skipMasks: true });
  const out: WeightLayer[] = [];
  const seen = new Set<string>();
  for (const n of g.nodes) {
    const isConv = n.opType === 'Conv';
    const isLinear = n.opType === 'Gemm' || n.opType === 'MatMul';
    if (!isConv && !isLinear) continue;
    const name = n.inputs[1];
    if (!name || seen.has(name) || !g.params.has(name)) continue;
    const shape = [...g.tensor(name).shape];
    const y = g.tensor(n.outputs[0]!).shape;
    const count = shape.reduce((a, b) => a * b, 1);
    // One MAC per weight per output position (conv) or per sample row (linear).
    const positions = isConv ? y.slice(2).reduce((a, b) => a * b, 1) : y.slice(0, -1).reduce((a, b) => a * b, 1);
    seen.add(name);
    out.push({ name, shape, kind: isConv ? 'conv' : 'linear', macs: count * positions });
  }
  return out;
}

/** 3x3 conv weights: the kernels pattern pruning works on. */
export const is3x3Conv = (layer: WeightLayer): boolean => layer.kind === 'conv' && layer.shape.length === 4 && layer.shape[2] === 3 && layer.shape[3] === 3;

/** MACs left when each layer's weights are masked: dense MACs times the layer's kept fraction. */
export function remainingMacs(layers: readonly WeightLayer[], masks: Readonly<Record<string, Uint8Array>>): number {
  let macs = 0;
  for (const layer of layers) {
    const mask = masks[layer.name];
    if (!mask) {
      macs += layer.macs;
      continue;
    }
    let kept = 0;
    for (let i = 0; i < mask.length; i++) kept += mask[i]!;
    macs += (layer.macs * kept) / mask.length;
  }
  return macs;
}

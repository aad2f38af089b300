// Which weights a quantiser touches. Shapes come from recording the model once (parameters are stored
// flat), and the recording order is the forward order, so "first" and "last" conv mean what they say.
import { GraphBuilder } from '../graph/graph-builder.ts';
import { buildModelGraph, type Model } from '../model/model.ts';

export interface WeightLayer {
  /** The parameter name (`features.conv1.weight`). */
  name: string;
  shape: number[];
  kind: 'conv' | 'linear';
}

export const LAYER_SELECTIONS = ['inner-convs', 'all-convs', 'convs+linear', 'list'] as const;
export type LayerSelection = (typeof LAYER_SELECTIONS)[number];

/** Conv (rank-4) and linear (rank-2) weights of the model, in forward order. */
export function weightLayers(model: Model): WeightLayer[] {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false });
  const out: WeightLayer[] = [];
  for (const p of g.params.values()) {
    if (p.dtype !== 'float32') continue;
    if (p.shape.length === 4) out.push({ name: p.name, shape: [...p.shape], kind: 'conv' });
    else if (p.shape.length === 2) out.push({ name: p.name, shape: [...p.shape], kind: 'linear' });
  }
  return out;
}

/**
 * The layers a selection names. `inner-convs` is DGMS's default (methods.md section 2, step 1): every
 * conv except the first and the last; linear layers stay float. `list` takes names as given, and a name
 * the model lacks is an error that lists the names it has.
 */
export function selectLayers(layers: WeightLayer[], selection: LayerSelection, names: readonly string[] = []): WeightLayer[] {
  const convs = layers.filter((l) => l.kind === 'conv');
  switch (selection) {
    case 'inner-convs':
      return convs.slice(1, -1);
    case 'all-convs':
      return convs;
    case 'convs+linear':
      return layers;
    case 'list': {
      const byName = new Map(layers.map((l) => [l.name, l]));
      const unknown = names.filter((n) => !byName.has(n));
      if (unknown.length > 0) throw new Error(`no weight layer ${unknown.join(', ')} in the model; it has ${layers.map((l) => l.name).join(', ')}`);
      return [...new Set(names)].map((n) => byName.get(n)!);
    }
  }
}

/** "features.conv0.weight [16x1x3x3] conv, ..." for error messages. */
export function describeLayers(layers: WeightLayer[]): string {
  return layers.map((l) => `${l.name} [${l.shape.join('x')}] ${l.kind}`).join(', ');
}

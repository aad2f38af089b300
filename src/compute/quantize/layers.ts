// Which weights a quantiser touches, chosen from the model's weight layers (model/weight-layers.ts, in
// forward order, so "first" and "last" conv mean what they say).
import type { WeightLayer } from '../model/weight-layers.ts';

export const LAYER_SELECTIONS = ['inner-convs', 'all-convs', 'convs+linear', 'list'] as const;
export type LayerSelection = (typeof LAYER_SELECTIONS)[number];

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

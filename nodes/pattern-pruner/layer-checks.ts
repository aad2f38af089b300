// The pruner's checks that need only the model's weight layers and the params, run while wiring on the
// Model node's layer facts. They follow planPrune (src/compute/prune/prune-model.ts), which makes the same
// checks on the real model when the node runs; layer-checks.test.ts holds the two to the same answers.
import { is3x3Conv, type WeightLayer } from '../../src/compute/model/weight-layers';
import type { z } from 'zod';
import type { patternPrunerParams } from './index';

type Params = z.infer<typeof patternPrunerParams>;

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** planPrune's layer choice: the first layer only with pruneFirstLayer; then by method and `layers`. */
export function prunedLayersOf(all: readonly WeightLayer[], p: Pick<Params, 'method' | 'layers' | 'pruneFirstLayer' | 'groupLength'>): WeightLayer[] {
  const first = all[0]?.name;
  const pick = all.filter((l) => p.pruneFirstLayer || l.name !== first);
  if (p.method === 'pattern') return pick.filter(is3x3Conv);
  const scope = p.layers === 'auto' ? (p.method === 'admm-nn-s' ? 'conv+linear' : 'conv') : p.layers;
  const chosen = pick.filter((l) => scope === 'conv+linear' || l.kind === 'conv');
  if (p.method === 'pcnn') return chosen.filter((l) => count(l.shape) % p.groupLength === 0);
  return chosen;
}

/** What cannot work for these layers and params, each with the param to change; empty when all is well. */
export function pruneLayerProblems(all: readonly WeightLayer[], modelName: string, p: Params): { param: string; message: string }[] {
  const layers = prunedLayersOf(all, p);
  const firstNote = p.pruneFirstLayer ? '' : ' (the first weight layer is left dense unless pruneFirstLayer is set)';
  if (layers.length === 0) {
    if (p.method === 'pattern')
      return [{ param: 'method', message: `method pattern prunes 3x3 convolution kernels, and ${modelName} has no 3x3 conv layer to prune${firstNote}; use magnitude, admm-nn-s or pcnn` }];
    if (p.method === 'pcnn')
      return [{ param: 'groupLength', message: `method pcnn splits weights into groups of ${p.groupLength}, and no layer of ${modelName} has a size divisible by ${p.groupLength}${firstNote}` }];
    return [{ param: 'layers', message: `${modelName} has no ${p.layers === 'conv+linear' ? 'conv or linear' : 'conv'} layer to prune${firstNote}` }];
  }
  const rates = p.method === 'pattern' ? { param: 'layerConnectivity', values: p.layerConnectivity } : p.method === 'pcnn' ? undefined : { param: 'layerSparsity', values: p.layerSparsity };
  for (const name of Object.keys(rates?.values ?? {})) {
    if (!layers.some((l) => l.name === name))
      return [{ param: rates!.param, message: `${rates!.param} names ${name}, which is not a pruned layer of ${modelName} (pruned: ${layers.map((l) => l.name).join(', ')})` }];
  }
  if (p.method === 'pattern') {
    for (const l of layers) {
      const kernels = l.shape[0]! * l.shape[1]!;
      const rate = p.layerConnectivity[l.name] ?? p.connectivity;
      // patterns.ts kernelsKept: kernels - round(rate * kernels).
      if (kernels - Math.round(rate * kernels) < 1)
        return [{ param: p.layerConnectivity[l.name] === undefined ? 'connectivity' : 'layerConnectivity', message: `connectivity ${rate} removes all ${kernels} kernels of ${l.name}; use a lower rate` }];
    }
  }
  return [];
}

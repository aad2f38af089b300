// The weight layers a zoo classifier will have, known from the architecture and the connected dataset's
// facts alone: the Model node states them on its output so the nodes it feeds (quantizer, pruner) can
// check their layer choices while the graph is being wired, not after minutes of training.
import { createZooModel, type ZooName, type ZooOptions } from '../../src/compute/model/model';
import { weightLayers, type WeightLayer } from '../../src/compute/model/weight-layers';

/** Built models are small but not free; validation runs after every edit, so answers are kept. */
const cache = new Map<string, WeightLayer[]>();
const CACHE_LIMIT = 64;

/**
 * The conv and linear weights of `architecture` at `width` for images of `shape` and `classes` classes,
 * or the reason it cannot be built for them (the message the node would fail with at run time).
 */
export function zooWeightLayers(architecture: ZooName, width: number, options: ZooOptions, shape: [number, number, number], classes: number): WeightLayer[] | { problem: string } {
  const key = JSON.stringify([architecture, width, options, shape, classes]);
  const known = cache.get(key);
  if (known) return known;
  let layers: WeightLayer[];
  try {
    const data = {
      shape,
      classes: Array.from({ length: classes }, (_, i) => String(i)),
      normalize: { mean: Array<number>(shape[0]).fill(0), std: Array<number>(shape[0]).fill(1) },
    };
    layers = weightLayers(createZooModel(data, { architecture, width, seed: 0, options }));
  } catch (e) {
    return { problem: (e as Error).message };
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, layers);
  return layers;
}

// The weight layers a zoo classifier will have, known from the architecture and the connected dataset's
// facts alone: the Model node states them on its output so the nodes it feeds (quantizer, pruner) can
// check their layer choices while the graph is being wired, not after minutes of training.
import { createZooModel, type ZooName, type ZooOptions } from '../../src/compute/model/model';
import { MgnetSettingError } from '../../src/compute/model/mgnet';
import { weightLayers, type WeightLayer } from '../../src/compute/model/weight-layers';

/** The Model node params an MGNet setting error can name; any other cause is the architecture's. */
const GLIMPSE_PARAMS: readonly string[] = ['backbone', 'glimpses', 'glimpseScale', 'auxWeight'];

/**
 * The Model node param a zoo build failure is about: an MGNet setting (a glimpse too small for the
 * backbone names glimpseScale) or else the architecture, which cannot read the dataset's images.
 */
export function paramOfZooError(e: unknown): string {
  return e instanceof MgnetSettingError && GLIMPSE_PARAMS.includes(e.setting) ? e.setting : 'architecture';
}

/** Built models are small but not free; validation runs after every edit, so answers are kept. */
const cache = new Map<string, WeightLayer[]>();
const CACHE_LIMIT = 64;

/**
 * The conv and linear weights of `architecture` at `width` for images of `shape` and `classes` classes,
 * or the reason it cannot be built for them (the message the node would fail with at run time) and the
 * param that reason is about.
 */
export function zooWeightLayers(architecture: ZooName, width: number, options: ZooOptions, shape: [number, number, number], classes: number): WeightLayer[] | { problem: string; param: string } {
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
    return { problem: (e as Error).message, param: paramOfZooError(e) };
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, layers);
  return layers;
}

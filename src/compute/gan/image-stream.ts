// A data stream of one set of images (a domain of an unpaired task), shuffled on its own: CycleGAN
// draws domain A and domain B in independent orders, so no pairing is ever seen.
import type { Rng } from '../graph/init.ts';
import { gatherImages, normalizationTables } from '../ort/batches.ts';
import type { HostTensor } from '../ort/session.ts';
import type { DataStream } from '../train/streams.ts';
import type { Dataset } from '../data/dataset.ts';

export function imageStream(pixels: Uint8Array, shape: readonly [number, number, number], count: number, options: { batch: number; rng: Rng; name: string; normalize: Dataset['normalize'] }): DataStream {
  if (count < options.batch) throw new Error(`a batch of ${options.batch} needs at least ${options.batch} images, the data has ${count}`);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const batches = Math.floor(count / options.batch);
  let cursor = 0;
  const tables = normalizationTables(options.normalize, shape[0]);
  const tensor: HostTensor = { dtype: 'float32', shape: [options.batch, ...shape], values: new Float32Array(options.batch * shape[0] * shape[1] * shape[2]) };
  const shuffle = () => {
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(options.rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    cursor = 0;
  };
  return {
    names: [options.name],
    batchesPerEpoch: batches,
    startEpoch: shuffle,
    next: () => {
      if (cursor >= batches) shuffle();
      const start = cursor++ * options.batch;
      gatherImages(pixels, shape, order.subarray(start, start + options.batch), tables, tensor.values as Float32Array);
      return { [options.name]: tensor };
    },
  };
}

// The diagonal empirical Fisher information: the mean squared loss gradient at the current
// parameters, over the data the model was trained on. Regularisers that protect important weights
// (EWC, AFEC) weigh each parameter by it.

import type { ModelState, TrainStep } from './compiled-graph.ts';
import type { HostTensor } from './session.ts';

export interface FisherOptions {
  /**
   * Multiplies every squared gradient. A mean-reduced loss shrinks a batch gradient by the batch
   * size, so methods that square batch gradients may rescale them. AFEC (Wang et al. 2021) sums
   * 20 * g_b^2 over batches of 20 and divides by the number of images, which is this mean over
   * batches with scale 1 (src/compute/continual/afec.ts). Defaults to 1.
   */
  scale?: number;
  /**
   * Square each sample's own gradient instead of each batch's: `step` must be compiled for batch
   * size 1, and every batch given is split into single samples along axis 0.
   */
  perSample?: boolean;
}

/**
 * Mean over the batches (or, with `perSample`, over the samples) of `scale * g^2` per parameter,
 * where g is the gradient `step` computes on `state`. Neither the parameters nor the buffers
 * change (running statistics are not updated).
 */
export async function empiricalFisher(
  step: TrainStep,
  state: ModelState,
  batches: Iterable<Record<string, HostTensor>>,
  options: FisherOptions = {},
): Promise<Map<string, Float32Array>> {
  const scale = options.scale ?? 1;
  const sums = new Map<string, Float64Array>();
  let count = 0;
  const accumulate = async (batch: Record<string, HostTensor>) => {
    const { grads } = await step.run(state, batch);
    for (const [name, g] of grads) {
      let sum = sums.get(name);
      if (!sum) sums.set(name, (sum = new Float64Array(g.length)));
      for (let i = 0; i < g.length; i++) sum[i] = sum[i]! + g[i]! * g[i]!;
    }
    count++;
  };
  for (const batch of batches) {
    if (!options.perSample) await accumulate(batch);
    else for (const sample of splitSamples(batch, step.batchInputs)) await accumulate(sample);
  }
  if (count === 0) throw new Error('empirical Fisher needs at least one batch');
  const fisher = new Map<string, Float32Array>();
  for (const [name, sum] of sums) fisher.set(name, Float32Array.from(sum, (s) => (scale * s) / count));
  return fisher;
}

/** Single-sample views (no copies) of a batch's inputs, split along axis 0. */
function splitSamples(batch: Record<string, HostTensor>, names: readonly string[]): Record<string, HostTensor>[] {
  let n: number | undefined;
  for (const name of names) {
    const t = batch[name];
    if (!t) throw new Error(`missing batch input "${name}"`);
    const size = t.shape[0];
    if (size === undefined) throw new Error(`batch input "${name}" has no batch axis`);
    if (n !== undefined && size !== n) throw new Error(`batch inputs disagree on the batch size: ${n} and ${size} ("${name}")`);
    n = size;
  }
  const samples: Record<string, HostTensor>[] = [];
  for (let i = 0; i < (n ?? 0); i++) {
    const sample: Record<string, HostTensor> = {};
    for (const name of names) {
      const t = batch[name]!;
      const stride = t.values.length / t.shape[0]!;
      sample[name] = { dtype: t.dtype, shape: [1, ...t.shape.slice(1)], values: t.values.subarray(i * stride, (i + 1) * stride) };
    }
    samples.push(sample);
  }
  return samples;
}

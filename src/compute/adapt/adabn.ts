// AdaBN (Li et al. 2016, "Revisiting batch normalization for practical domain adaptation"): the
// simplest known adaptation baseline for the calibrator. The classifier's weights stay as trained; only
// its batch-norm running statistics are re-estimated on the target images, unlabelled.
//
// The statistics come from training-mode forward passes over the target train images, each batch
// updating the running mean and variance with the layer's momentum (0.1), PyTorch's way. Deeper layers
// see inputs normalised by the batch statistics of the target, as in a PyTorch re-estimation. At least
// MIN_BATCHES batches are run (the data cycled), so the source statistics keep under 0.9^50 = 0.5% of
// their weight.
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { classifyBatch } from '../ort/batches.ts';
import { CompiledFunction, initialState } from '../ort/compiled-graph.ts';
import type { SessionOptions } from '../ort/session.ts';
import { asModelInput } from '../model/evaluate.ts';
import { buildModelGraph, type Model } from '../model/model.ts';

export const ADABN_MIN_BATCHES = 50;

export interface AdaBnResult {
  model: Model;
  /** Batch-norm layers whose statistics were re-estimated (0: the model has none, it is returned unchanged). */
  layers: number;
  batches: number;
}

export async function adaptBatchNorm(model: Model, target: Dataset, options: SessionOptions & { batchSize?: number; signal?: AbortSignal } = {}): Promise<AdaBnResult> {
  const batch = Math.max(1, Math.min(options.batchSize ?? 128, target.count));
  const g = new GraphBuilder({ training: true });
  buildModelGraph(model, g, { batch, training: true });
  // Fetched under their own names: a graph output may not reuse the name of the buffer input it updates.
  const updates = Object.fromEntries([...g.bufferUpdates].map(([name, t]) => [`next:${name}`, t]));
  const layers = g.bufferUpdates.size / 2;
  if (layers === 0 || target.count === 0) return { model, layers: 0, batches: 0 };
  const fn = await CompiledFunction.compile(g, updates, options);
  const state = initialState(g);
  const input = asModelInput(model, target);
  const perPass = Math.floor(target.count / batch) || 1;
  const batches = Math.max(ADABN_MIN_BATCHES, perPass);
  for (let b = 0; b < batches; b++) {
    options.signal?.throwIfAborted();
    const start = (b % perPass) * batch;
    const indices = Int32Array.from({ length: batch }, (_, i) => (start + i) % target.count);
    const { images } = classifyBatch(input, indices);
    const out = await fn.run(state, { input: images });
    for (const name of g.bufferUpdates.keys()) state.buffers.set(name, out[`next:${name}`]!.values as Float32Array);
  }
  const buffers = { ...model.buffers };
  for (const name of g.bufferUpdates.keys()) buffers[name] = Float32Array.from(state.buffers.get(name) as Float32Array);
  return { model: { ...model, buffers }, layers, batches };
}

// Runs a generator (or a classifier's feature layer) over images in fixed-size batches on one compiled
// inference session, with its current weights or with weights from a training snapshot. The fit
// loop's epoch hooks use it for the sample strip and the test PSNR, the evaluation for everything.
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { CompiledFunction, initialState, type ModelState } from '../ort/compiled-graph.ts';
import { gatherImages, normalizationTables } from '../ort/batches.ts';
import { buildModelGraph, scopedName, type Model } from '../model/model.ts';

export class ModelRunner {
  private constructor(
    readonly model: Model,
    private readonly fn: CompiledFunction,
    private readonly state: ModelState,
    readonly batch: number,
    readonly outputSize: number,
  ) {}

  /** `output`: the model's output, or a named tensor it exposes (`features` of a classifier). */
  static async create(model: Model, batch: number, output: 'output' | 'features' = 'output'): Promise<ModelRunner> {
    const g = new GraphBuilder({ training: false });
    const built = buildModelGraph(model, g, { batch, training: false });
    const out = built.outputs[output];
    if (!out) throw new Error(`${model.name} exposes no ${output}`);
    const fn = await CompiledFunction.compile(g, { out }, { optimizationLevel: 'extended', intraOpThreads: 1 });
    return new ModelRunner(model, fn, initialState(g), batch, out.size / batch);
  }

  /** Uses the weights a training run holds under `scope` (a snapshot's params, a fit state). */
  loadParams(params: Record<string, Float32Array>, scope?: string): void {
    for (const name of Object.keys(this.model.params)) {
      const v = params[scopedName(scope, name)];
      if (v) this.state.params.set(name, v);
    }
  }

  /**
   * The outputs for `count` images already normalised as the model reads them ([count, c, h, w]
   * values), in one array of count * outputSize values.
   */
  async run(inputs: Float32Array, count: number, signal?: AbortSignal): Promise<Float32Array> {
    const [c, h, w] = this.model.meta.inputShape;
    const size = c * h * w;
    const out = new Float32Array(count * this.outputSize);
    const feed = new Float32Array(this.batch * size);
    for (let start = 0; start < count; start += this.batch) {
      signal?.throwIfAborted();
      const real = Math.min(this.batch, count - start);
      feed.set(inputs.subarray(start * size, (start + real) * size));
      // A partial last batch repeats its last image; those outputs are dropped.
      for (let i = real; i < this.batch; i++) feed.copyWithin(i * size, (real - 1) * size, real * size);
      const r = await this.fn.run(this.state, { input: { dtype: 'float32', shape: [this.batch, c, h, w], values: feed } });
      out.set((r.out!.values as Float32Array).subarray(0, real * this.outputSize), start * this.outputSize);
    }
    return out;
  }
}

/** Images of `pixels` (the first `count`), normalised with `norm`. */
export function normalizedPixels(pixels: Uint8Array, shape: readonly [number, number, number], count: number, norm: Dataset['normalize']): Float32Array {
  const out = new Float32Array(count * shape[0] * shape[1] * shape[2]);
  gatherImages(pixels, shape, Int32Array.from({ length: count }, (_, i) => i), normalizationTables(norm, shape[0]), out);
  return out;
}

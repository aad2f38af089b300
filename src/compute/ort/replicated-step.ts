// A training step split across replicas: the graph is recorded at a share of the batch, each replica
// runs it in a worker thread of its own on its share, and the losses, metrics and gradients are
// averaged. onnxruntime gains little from a second intra-op thread on small graphs (LeNet-5's step:
// 4.6 ms with 2 threads, 4.9 ms with 1), while two single-threaded sessions on half batches run side
// by side; so a recipe whose step allows it trains on every core this way.
//
// The average is the full batch's step exactly (up to float rounding) when the loss is a batch mean of
// per-sample terms plus terms that do not depend on the batch (penalties on the weights), and no op
// mixes samples. Batch statistics (batch norm in training mode) do mix them, so graphs that update
// buffers are refused; so are random inputs (dropout masks drawn per run). Fetched whole tensors must
// be float32 and batch-major (a generator's output): the replicas' shares are concatenated on axis 0.
//
//   main: params -> shared blocks, batch -> one share per replica -> "run" to every worker
//   worker r: session.run on the shared feeds -> loss, metrics, gradients into its output block -> "ok"
//   main: "average [start, end)" to every worker, one range of the gradients each
//   worker r: the replicas' mean of its range into the shared mean block -> "ok"
//   main: loss and metrics averaged, gradients viewed in the mean block -> StepResult, as TrainStep gives it

import { Worker } from 'node:worker_threads';
import type { GraphBuilder, Tensor } from '../graph/graph-builder.ts';
import { elementCount, type DType, type TensorValues } from '../onnx/tensor-data.ts';
import { encodeModel } from '../onnx/model.ts';
import type { StepProfile } from '../train/profile.ts';
import { fetchedOutput, gradOutput, LOSS, metricOutput, sessionModel, trainStepOutputs, type CompileOptions, type ModelState, type StepResult, type TrainStepSpec } from './compiled-graph.ts';
import { defaultThreads, type HostTensor } from './session.ts';

const WORKER = new URL('./replica-worker.mjs', import.meta.url);

const bytesPer: Record<DType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };
const arrays: Record<DType, new (buffer: SharedArrayBuffer) => TensorValues> = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

interface SharedInput {
  name: string;
  dtype: DType;
  /** The shape the graph declares (a replica's share for batch inputs). */
  shape: readonly number[];
  size: number;
  /** One block for state (every replica reads it), one per replica for batch inputs. */
  buffers: SharedArrayBuffer[];
  views: TensorValues[];
}

function sharedInput(name: string, dtype: DType, shape: readonly number[], copies: number): SharedInput {
  const size = elementCount(shape);
  const buffers = Array.from({ length: copies }, () => new SharedArrayBuffer(size * bytesPer[dtype]));
  return { name, dtype, shape, size, buffers, views: buffers.map((b) => new arrays[dtype](b)) };
}

/** Why a step on this graph (fetching these whole tensors) cannot be split across replicas, or null when it can. */
export function replicationRefusal(g: GraphBuilder, outputs: Record<string, Tensor> = {}): string | null {
  if (g.bufferUpdates.size > 0) return 'the graph updates buffers (batch statistics), which each replica would compute on its share alone';
  if (g.randomInputs.size > 0) return 'the graph draws random inputs (dropout) on every run';
  for (const [name, t] of Object.entries(outputs)) if (t.dtype !== 'float32' || t.rank === 0) return `the fetched tensor ${name} is not a float32 batch`;
  return null;
}

export class ReplicatedTrainStep {
  private constructor(
    private readonly workers: Worker[],
    private readonly state: SharedInput[],
    private readonly batch: SharedInput[],
    private readonly outputs: Float32Array[],
    /** The replicas' mean of the output blocks' gradient part, laid out as an output block. */
    private readonly mean: Float32Array,
    private readonly paramNames: readonly string[],
    private readonly metricNames: readonly string[],
    /** Where each parameter's gradient sits in an output block, after the loss and the metrics. */
    private readonly gradLayout: readonly { offset: number; size: number }[],
    /** The fetched whole tensors: name, one replica's shape, place in an output block. */
    private readonly fetched: readonly { name: string; shape: readonly number[]; offset: number; size: number }[],
  ) {}

  /** The graph of `spec` is one replica's: its batch inputs are each replica's share of the batch. */
  static async compile(spec: TrainStepSpec, options: CompileOptions, replicas: number): Promise<ReplicatedTrainStep> {
    if (!Number.isInteger(replicas) || replicas < 2) throw new Error(`a replicated step needs at least 2 replicas, not ${replicas}`);
    const refusal = replicationRefusal(spec.graph, spec.outputs);
    if (refusal) throw new Error(`this training step cannot be split across replicas: ${refusal}`);
    const g = spec.graph;
    const { outputs, paramNames, metricNames, outputNames } = trainStepOutputs(spec);
    const model = await sessionModel(g, outputs, options);
    const state: SharedInput[] = [];
    const batch: SharedInput[] = [];
    for (const input of model.graph.input) {
      const info = g.params.get(input.name) ?? g.buffers.get(input.name);
      if (info) state.push(sharedInput(info.name, info.dtype, info.shape, 1));
      else {
        const t = g.tensor(input.name);
        batch.push(sharedInput(t.name, t.dtype, t.shape, replicas));
      }
    }
    // Output block: loss, metrics, then every gradient.
    const layout: { name: string; offset: number; size: number }[] = [{ name: LOSS, offset: 0, size: 1 }];
    let offset = 1;
    for (const m of metricNames) layout.push({ name: metricOutput(m), offset: offset++, size: 1 });
    const gradLayout: { offset: number; size: number }[] = [];
    for (const p of paramNames) {
      const size = elementCount(g.params.get(p)!.shape);
      gradLayout.push({ offset, size });
      layout.push({ name: gradOutput(p), offset, size });
      offset += size;
    }
    const fetched: { name: string; shape: readonly number[]; offset: number; size: number }[] = [];
    for (const o of outputNames) {
      const t = spec.outputs![o]!;
      fetched.push({ name: o, shape: t.shape, offset, size: t.size });
      layout.push({ name: fetchedOutput(o), offset, size: t.size });
      offset += t.size;
    }
    const outputBuffers = Array.from({ length: replicas }, () => new SharedArrayBuffer(offset * 4));
    const meanBuffer = new SharedArrayBuffer(offset * 4);
    const bytes = encodeModel(model);
    const threads = Math.max(1, Math.floor((options.intraOpThreads ?? defaultThreads()) / replicas));
    const workers: Worker[] = [];
    try {
      for (let r = 0; r < replicas; r++) {
        const inputs = [...state.map((s) => ({ s, buffer: s.buffers[0]! })), ...batch.map((b) => ({ s: b, buffer: b.buffers[r]! }))].map(({ s, buffer }) => ({
          name: s.name,
          dtype: s.dtype,
          shape: [...s.shape],
          buffer,
        }));
        const worker = new Worker(WORKER, {
          workerData: { model: bytes, threads, inputs, outputs: layout, outputBuffer: outputBuffers[r], allOutputBuffers: outputBuffers, meanBuffer },
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => reply(w)));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new ReplicatedTrainStep(workers, state, batch, outputBuffers.map((b) => new Float32Array(b)), new Float32Array(meanBuffer), paramNames, metricNames, gradLayout, fetched);
  }

  get replicas(): number {
    return this.workers.length;
  }

  /** Batch inputs the caller feeds, each with replicas x the graph's batch. */
  get batchInputs(): string[] {
    return this.batch.map((b) => b.name);
  }

  /**
   * One step. The gradients it returns are views of shared memory that the next run overwrites: use
   * them (update, clip, mask) before running again, as the fit loop does, or copy them.
   */
  async run(state: ModelState, batch: Record<string, HostTensor>, profile?: StepProfile): Promise<StepResult> {
    let t = performance.now();
    for (const s of this.state) {
      const values = state.params.get(s.name) ?? state.buffers.get(s.name);
      if (!values) throw new Error(`no value for ${s.name}`);
      (s.views[0] as Float32Array).set(values as Float32Array);
    }
    const replicas = this.workers.length;
    for (const b of this.batch) {
      const given = batch[b.name];
      if (!given) throw new Error(`missing batch input "${b.name}"`);
      if (given.values.length !== replicas * b.size)
        throw new Error(`batch input ${b.name}: ${given.values.length} values, expected ${replicas} shares of [${b.shape.join(', ')}]`);
      const values = given.values as Float32Array;
      for (let r = 0; r < replicas; r++) (b.views[r] as Float32Array).set(values.subarray(r * b.size, (r + 1) * b.size));
    }
    if (profile) t = profile.lap('feeds', t);
    await Promise.all(this.workers.map((w) => reply(w, 'run')));
    if (profile) t = profile.lap('run', t);
    // The gradients are most of an output block (millions of values for a GAN): each worker averages
    // an equal range of them, so the average runs on every core.
    const first = this.gradLayout[0]?.offset ?? 0;
    const last = this.gradLayout.length ? this.gradLayout.at(-1)!.offset + this.gradLayout.at(-1)!.size : first;
    const share = Math.ceil((last - first) / replicas);
    await Promise.all(this.workers.map((w, r) => reply(w, { average: [first + r * share, Math.min(last, first + (r + 1) * share)] })));
    const mean = (offset: number) => this.outputs.reduce((sum, out) => sum + out[offset]!, 0) / replicas;
    const metrics: Record<string, number> = {};
    this.metricNames.forEach((m, i) => (metrics[m] = mean(1 + i)));
    const grads = new Map<string, Float32Array>();
    this.paramNames.forEach((p, i) => {
      const { offset, size } = this.gradLayout[i]!;
      grads.set(p, this.mean.subarray(offset, offset + size));
    });
    const outputs: Record<string, HostTensor> = {};
    for (const f of this.fetched) {
      const values = new Float32Array(f.size * replicas);
      this.outputs.forEach((out, r) => values.set(out.subarray(f.offset, f.offset + f.size), r * f.size));
      outputs[f.name] = { dtype: 'float32', shape: [f.shape[0]! * replicas, ...f.shape.slice(1)], values };
    }
    profile?.lap('fetch', t);
    return { loss: mean(0), grads, metrics, buffers: new Map(), outputs };
  }

  /** Stops the workers; the step cannot run afterwards. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker's next reply (to `request` when given: a run, or a range to average), as a promise that fails with its error. */
function reply(worker: Worker, request?: 'run' | { average: [number, number] }): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: { ok: boolean; error?: string }) => {
      cleanup();
      if (m.ok) resolve();
      else reject(new Error(`training replica: ${m.error}`));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`training replica stopped (exit code ${code})`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    if (request) worker.postMessage(request);
  });
}

// One replica of a replicated training step (replicated-step.ts), in a worker thread of its own: a
// session over the same model as the other replicas, fed from shared memory the main thread fills
// before each step (the parameters, this replica's share of the batch), its loss, metrics and
// gradients copied into this replica's shared output block. Then, asked to, it averages one range of
// every replica's output blocks into the shared mean block, so the average over millions of gradient
// values runs on every core instead of the main thread alone. Plain JavaScript so the worker needs no
// TypeScript loader: it only imports onnxruntime.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const arrays = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array };

try {
  const { model, threads, inputs, outputs, outputBuffer, allOutputBuffers, meanBuffer } = workerData;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  // onnxruntime's binding does not take arrays over shared memory, so each input has a local copy,
  // refreshed from its shared block before every run (a tensor over it, made once, reads the new values).
  const copies = inputs.map((i) => {
    const shared = new arrays[i.dtype](i.buffer);
    const local = new arrays[i.dtype](shared.length);
    return { name: i.name, shared, local, tensor: new ort.Tensor(i.dtype, local, i.shape) };
  });
  const feeds = Object.fromEntries(copies.map((c) => [c.name, c.tensor]));
  const out = new Float32Array(outputBuffer);
  const blocks = allOutputBuffers.map((b) => new Float32Array(b));
  const mean = new Float32Array(meanBuffer);
  const names = outputs.map((o) => o.name);
  parentPort.on('message', async (message) => {
    try {
      if (message.average) {
        average(message.average[0], message.average[1]);
        parentPort.postMessage({ ok: true });
        return;
      }
      for (const c of copies) c.local.set(c.shared);
      const results = await session.run(feeds, names);
      for (const o of outputs) {
        const data = results[o.name].data;
        if (data.length !== o.size) throw new Error(`output ${o.name}: ${data.length} values, expected ${o.size}`);
        out.set(data, o.offset);
      }
      parentPort.postMessage({ ok: true });
    } catch (e) {
      parentPort.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
  /** mean[k] = the replicas' mean of block[k] for k in [start, end): one pass, two replicas unrolled. */
  function average(start, end) {
    const scale = 1 / blocks.length;
    if (blocks.length === 2) {
      const [a, b] = blocks;
      for (let k = start; k < end; k++) mean[k] = (a[k] + b[k]) * scale;
      return;
    }
    for (let k = start; k < end; k++) {
      let sum = 0;
      for (let r = 0; r < blocks.length; r++) sum += blocks[r][k];
      mean[k] = sum * scale;
    }
  }
  parentPort.postMessage({ ok: true });
} catch (e) {
  parentPort.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}

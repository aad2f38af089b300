// Inference latency of an exported model on onnxruntime: median wall time of `runs` runs after two
// warm-up runs, at a given batch size, with random normal-ish inputs (the values do not change the
// work a CNN does).
import type { InferenceSession } from 'onnxruntime-node';
import { createSession, runSession, type SessionOptions } from '../ort/session.ts';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function measureLatency(
  onnx: Uint8Array,
  inputShape: readonly number[],
  batches: readonly number[],
  runs: number,
  options: SessionOptions & { signal?: AbortSignal } = {},
): Promise<Record<number, number>> {
  const session: InferenceSession = await createSession(onnx, options);
  const input = session.inputNames[0]!;
  const out: Record<number, number> = {};
  try {
    for (const b of batches) {
      const shape = [b, ...inputShape];
      const values = new Float32Array(shape.reduce((a, d) => a * d, 1));
      for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898) * 0.8;
      const feeds = { [input]: { dtype: 'float32' as const, shape, values } };
      for (let w = 0; w < 2; w++) await runSession(session, feeds);
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        options.signal?.throwIfAborted();
        const t = performance.now();
        await runSession(session, feeds);
        times.push(performance.now() - t);
      }
      out[b] = median(times);
    }
  } finally {
    await session.release();
  }
  return out;
}

// Times compiled sessions round-robin (each warmed up 3 runs first), so machine load falls on every
// variant alike; returns each one's sorted times in ms.
import type * as ort from 'onnxruntime-node';
import { runSession, type HostTensor } from '../../src/compute/ort/session.ts';

export async function roundRobinTimes(compiled: readonly { session: ort.InferenceSession; feeds: Record<string, HostTensor> }[], rounds: number): Promise<number[][]> {
  for (const c of compiled) for (let i = 0; i < 3; i++) await runSession(c.session, c.feeds);
  const times = compiled.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < compiled.length; i++) {
      const t0 = performance.now();
      await runSession(compiled[i]!.session, compiled[i]!.feeds);
      times[i]!.push(performance.now() - t0);
    }
  return times.map((t) => t.sort((a, b) => a - b));
}

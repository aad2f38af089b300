// Speed and agreement of the generated C library against onnxruntime on this host, for every zoo
// classifier at Fashion-MNIST size (1x28x28, 10 classes, width 1, BatchNorm folded as deployed).
// The library is built twice: for this CPU (-march=native, the host build) and for the portable
// x86-64 baseline.
//   node --import tsx bench/methods/c-library.ts [names...]
// Both run one sample per call on one thread. onnxruntime is timed through onnxruntime-node, so its
// per-call figure includes the binding's overhead; the per-sample time of a batch of 32 is printed
// too, which leaves that overhead out. Rounds alternate C and onnxruntime and the median is kept, so
// a machine shared with other work slows both alike; CPU times (the C harness's clock(), this
// process's cpuUsage around onnxruntime's calls) are printed too, as they vary less under load.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModelProto } from '../../src/compute/model/export.ts';
import { CLASSIFIER_NAMES, createZooModel } from '../../src/compute/model/model.ts';
import { createSession, runSession } from '../../src/compute/ort/session.ts';
import { buildCLibrary, generateCLibrary, runCLibrary } from '../../src/compute/deploy/c-library/index.ts';

const data = { shape: [1, 28, 28] as [number, number, number], classes: Array.from({ length: 10 }, (_, i) => `c${i}`), normalize: { mean: [0.286], std: [0.353] } };
const COUNT = 32;
const ROUNDS = 5;
const MIN_MS = 300;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : [...CLASSIFIER_NAMES];
  const results = [];
  for (const name of names) {
    const model = createZooModel(data, { architecture: name as (typeof CLASSIFIER_NAMES)[number], seed: 1 });
    const proto = exportModelProto(model, { foldBatchNorm: true });
    const dir = mkdtempSync(join(tmpdir(), 'condense-c-bench-'));
    try {
      const lib = generateCLibrary(proto, {});
      let t = performance.now();
      const built = await buildCLibrary(lib, dir, 'host');
      const compileS = (performance.now() - t) / 1000;
      const portableDir = join(dir, 'portable');
      const portable = await buildCLibrary(lib, portableDir, 'host', { native: false });
      if ('skipped' in built) throw new Error(built.skipped);
      if ('skipped' in portable) throw new Error(portable.skipped);
      let seed = 1;
      const inputs = Float32Array.from({ length: COUNT * lib.inputSize }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 2);
      const session = await createSession(proto, { intraOpThreads: 1 });
      const one = (i: number) => ({ input: { dtype: 'float32' as const, shape: [1, ...lib.inputShape], values: inputs.subarray(i * lib.inputSize, (i + 1) * lib.inputSize) } });
      const batch = { input: { dtype: 'float32' as const, shape: [COUNT, ...lib.inputShape], values: inputs } };
      const ref = (await runSession(session, batch)).logits!.values as Float32Array;
      const cMs: number[] = [];
      const cPortableMs: number[] = [];
      const ortMs: number[] = [];
      const ortBatchMs: number[] = [];
      const cCpuMs: number[] = [];
      const cPortableCpuMs: number[] = [];
      const ortCpuMs: number[] = [];
      let outputs: Float32Array = new Float32Array(0);
      for (let round = 0; round < ROUNDS; round++) {
        const r = await runCLibrary(built, inputs, COUNT, lib, { minMs: MIN_MS });
        outputs = r.outputs;
        cMs.push(r.msPerSample);
        cCpuMs.push(r.cpuMsPerSample);
        const rp = await runCLibrary(portable, inputs, COUNT, lib, { minMs: MIN_MS });
        cPortableMs.push(rp.msPerSample);
        cPortableCpuMs.push(rp.cpuMsPerSample);
        let passes = 0;
        t = performance.now();
        const cpu = process.cpuUsage();
        do {
          for (let i = 0; i < COUNT; i++) await runSession(session, one(i));
          passes++;
        } while (performance.now() - t < MIN_MS);
        ortMs.push((performance.now() - t) / (passes * COUNT));
        const used = process.cpuUsage(cpu);
        ortCpuMs.push((used.user + used.system) / 1000 / (passes * COUNT));
        passes = 0;
        t = performance.now();
        do {
          await runSession(session, batch);
          passes++;
        } while (performance.now() - t < MIN_MS);
        ortBatchMs.push((performance.now() - t) / (passes * COUNT));
      }
      await session.release();
      let maxAbsDiff = 0;
      let argmaxAgree = 0;
      const k = lib.outputSize;
      for (let s = 0; s < COUNT; s++) {
        let [bc, br] = [0, 0];
        for (let j = 0; j < k; j++) {
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(outputs[s * k + j]! - ref[s * k + j]!));
          if (outputs[s * k + j]! > outputs[s * k + bc]!) bc = j;
          if (ref[s * k + j]! > ref[s * k + br]!) br = j;
        }
        if (bc === br) argmaxAgree++;
      }
      const row = {
        model: name,
        cMsPerSample: +median(cMs).toFixed(4),
        cPortableMsPerSample: +median(cPortableMs).toFixed(4),
        ortMsPerSample: +median(ortMs).toFixed(4),
        ortBatch32MsPerSample: +median(ortBatchMs).toFixed(4),
        cOverOrt: +(median(cMs) / median(ortMs)).toFixed(2),
        cOverOrtBatch32: +(median(cMs) / median(ortBatchMs)).toFixed(2),
        cPortableOverOrt: +(median(cPortableMs) / median(ortMs)).toFixed(2),
        cpu: {
          cMsPerSample: +median(cCpuMs).toFixed(4),
          cPortableMsPerSample: +median(cPortableCpuMs).toFixed(4),
          ortMsPerSample: +median(ortCpuMs).toFixed(4),
          cOverOrt: +(median(cCpuMs) / median(ortCpuMs)).toFixed(2),
          cPortableOverOrt: +(median(cPortableCpuMs) / median(ortCpuMs)).toFixed(2),
        },
        maxAbsDiff: +maxAbsDiff.toExponential(2),
        argmaxAgree: `${argmaxAgree}/${COUNT}`,
        arenaBytes: lib.arenaBytes,
        weightBytes: lib.weightBytes,
        compileS: +compileS.toFixed(1),
      };
      results.push(row);
      console.log(JSON.stringify(row));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(JSON.stringify({ rounds: ROUNDS, samples: COUNT, flags: { c: 'gcc -O2 -std=c99 -march=native', cPortable: 'gcc -O2 -std=c99 (x86-64 baseline, SSE2)' }, results }, null, 1));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

// Runs ONNX files with onnxruntime in a process of its own and prints JSON, in one of two modes:
// - 'time': the wall time of each timed run per file, after warm-up runs. Timed runs alternate between
//   the files, so load from elsewhere on the machine falls on all of them alike and their ratio (a
//   speedup) stays fair.
// - 'memory' (one file): the peak resident set (VmHWM) after creating the session and running it, minus
//   the resident set just before (the peak is reset there through /proc/self/clear_refs); null where
//   the kernel does not allow the reset. A fresh process per file, so every file pays the same
//   onnxruntime start-up and none reuses another's memory.
// argv[2]: JSON { mode, files, batch, inputShape, threads, warmup, runs }
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const job = JSON.parse(process.argv[2]);

function statusBytes(field) {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
}

function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const shape = [job.batch, ...job.inputShape];
const values = new Float32Array(shape.reduce((a, d) => a * d, 1));
for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898) * 0.8;
const bytes = job.files.map((f) => readFileSync(f));
const canReset = job.mode === 'memory' && resetPeak();
const before = statusBytes('VmRSS');
const models = [];
for (const b of bytes) {
  const session = await ort.InferenceSession.create(b, {
    intraOpNumThreads: job.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', values, shape) };
  for (let i = 0; i < job.warmup; i++) await session.run(feeds);
  models.push({ session, feeds, times: [], totalMs: 0 });
}
if (job.mode === 'memory') {
  process.stdout.write(JSON.stringify({ peakBytes: canReset ? statusBytes('VmHWM') - before : null }));
} else {
  for (let i = 0; i < job.runs; i++) {
    for (const m of models) {
      const t = performance.now();
      await m.session.run(m.feeds);
      const ms = performance.now() - t;
      m.times.push(ms);
      m.totalMs += ms;
    }
  }
  process.stdout.write(JSON.stringify(models.map(({ times, totalMs }) => ({ times, totalMs }))));
}
for (const m of models) await m.session.release();

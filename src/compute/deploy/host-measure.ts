// Measurements on this machine with onnxruntime: the latency distribution of a deployed file (in a
// process of its own, see host-run.mjs), its logits on a dataset, and the achieved peaks that fill the
// `host` target profile (compute on a large MatMul, bandwidth on a large Add).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { arch, availableParallelism, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/dataset.ts';
import { asModelInput } from '../model/evaluate.ts';
import type { Model } from '../model/model.ts';
import { DataType, modelProtoOf, type ModelProto, type TensorProto } from '../onnx/model.ts';
import { classifyBatch } from '../ort/batches.ts';
import { createSession, runSession } from '../ort/session.ts';
import type { TargetProfile } from './targets.ts';

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'host-run.mjs');

export interface LatencyMeasurement {
  batch: number;
  runs: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** Samples per second over the timed runs (their summed wall time). */
  throughput: number;
  /**
   * Peak resident memory a fresh process gained by creating the session and running it (onnxruntime's
   * own start-up included; null where /proc cannot reset the peak).
   */
  peakBytes: number | null;
}

/** The q-quantile by linear interpolation between order statistics (q in [0, 1]). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface LatencyOptions {
  batch: number;
  threads: number;
  warmup: number;
  runs: number;
  signal?: AbortSignal;
}

function runChild<T>(job: object, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    // Inside Electron, process.execPath is the app; ELECTRON_RUN_AS_NODE makes it a plain Node.
    execFile(process.execPath, [RUNNER, JSON.stringify(job)], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, signal, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`measuring ${what} failed: ${stderr.trim() || error.message}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}

/**
 * Latency percentiles over warm runs of ONNX files, timed in one child process with the files' runs
 * interleaved, and the peak memory of each in a fresh child process of its own (see host-run.mjs).
 */
export async function measureFilesLatency(files: readonly string[], inputShape: readonly number[], options: LatencyOptions): Promise<LatencyMeasurement[]> {
  const job = { files, batch: options.batch, inputShape, threads: options.threads, warmup: options.warmup, runs: options.runs };
  const timed = await runChild<{ times: number[]; totalMs: number }[]>({ ...job, mode: 'time' }, files.join(', '), options.signal);
  const memory: (number | null)[] = [];
  for (const file of files) memory.push((await runChild<{ peakBytes: number | null }>({ ...job, files: [file], mode: 'memory', warmup: Math.min(job.warmup, 3) }, file, options.signal)).peakBytes);
  return timed.map((m, i) => {
    const sorted = [...m.times].sort((a, b) => a - b);
    return {
      batch: options.batch,
      runs: options.runs,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      mean: m.totalMs / m.times.length,
      throughput: (options.batch * options.runs * 1000) / m.totalMs,
      peakBytes: memory[i]!,
    };
  });
}

/** Latency percentiles over warm runs of one ONNX file, measured in a child process. */
export async function measureFileLatency(file: string, inputShape: readonly number[], options: LatencyOptions): Promise<LatencyMeasurement> {
  return (await measureFilesLatency([file], inputShape, options))[0]!;
}

/** Logits [count, k] of an ONNX classifier file on a dataset, fed with the model's normalisation. */
export async function onnxLogits(
  onnx: Uint8Array,
  model: Model,
  data: Dataset,
  options: { threads: number; batch?: number; limit?: number; signal?: AbortSignal },
): Promise<Float32Array> {
  const session = await createSession(onnx, { intraOpThreads: options.threads });
  const input = asModelInput(model, data);
  const count = Math.min(options.limit ?? data.count, data.count);
  const k = model.meta.classes.length;
  const out = new Float32Array(count * k);
  const batch = options.batch ?? 256;
  try {
    for (let start = 0; start < count; start += batch) {
      options.signal?.throwIfAborted();
      const indices = Int32Array.from({ length: Math.min(batch, count - start) }, (_, i) => start + i);
      const { images } = classifyBatch(input, indices);
      const result = await runSession(session, { [session.inputNames[0]!]: images });
      out.set(result[session.outputNames[0]!]!.values as Float32Array, start * k);
    }
  } finally {
    await session.release();
  }
  return out;
}

/** Normalised model inputs [count, c, h, w] of the first `count` images. */
export function modelInputs(model: Model, data: Dataset, count: number): Float32Array {
  const indices = Int32Array.from({ length: Math.min(count, data.count) }, (_, i) => i);
  return classifyBatch(asModelInput(model, data), indices).images.values as Float32Array;
}

export function argmaxRows(logits: Float32Array, k: number): Int32Array {
  const n = logits.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

// --- achieved peaks of this machine -------------------------------------------------------------

function singleOpModel(opType: string, inputs: [string, number, number[]][], output: [string, number, number[]], initializer: TensorProto[] = []): ModelProto {
  return modelProtoOf({
    name: opType,
    node: [{ name: opType, opType, domain: '', input: inputs.map((i) => i[0]), output: [output[0]], attribute: [] }],
    initializer,
    input: inputs.map(([name, elemType, shape]) => ({ name, elemType, shape })),
    output: [{ name: output[0], elemType: output[1], shape: output[2] }],
    valueInfo: [],
  });
}

/**
 * Best seconds of one session run over at least `minRuns` runs and `minMs` of running: the best run is
 * the one least disturbed by other work on the machine.
 */
async function bestSeconds(proto: ModelProto, feeds: Parameters<typeof runSession>[1], threads: number, minRuns: number, minMs = 150): Promise<number> {
  const session = await createSession(proto, { intraOpThreads: threads });
  try {
    await runSession(session, feeds);
    let best = Infinity;
    const start = performance.now();
    for (let r = 0; r < minRuns || performance.now() - start < minMs; r++) {
      const t = performance.now();
      await runSession(session, feeds);
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    return best;
  } finally {
    await session.release();
  }
}

function cpuFlags(): string[] {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    return line ? line.split(':')[1]!.trim().split(/\s+/) : [];
  } catch {
    return [];
  }
}

function hostIsa(): string {
  const flags = new Set(cpuFlags());
  const wanted = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8', 'asimd', 'asimddp', 'fphp', 'asimdhp', 'sve'];
  const have = wanted.filter((f) => flags.has(f));
  return `${arch()}${have.length ? ` with ${have.join(', ')}` : ''}`;
}

function hostCaches(): TargetProfile['cacheBytes'] {
  const dir = '/sys/devices/system/cpu/cpu0/cache';
  const out: TargetProfile['cacheBytes'] = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir).filter((d) => d.startsWith('index'))) {
    try {
      const read = (f: string) => readFileSync(join(dir, entry, f), 'utf8').trim();
      const level = Number(read('level'));
      const type = read('type');
      const size = read('size');
      const bytes = Number(size.replace(/[KMG]$/, '')) * ({ K: 1024, M: 1 << 20, G: 1 << 30 }[size.slice(-1)] ?? 1);
      if (level === 1 && type === 'Data') out.l1d = bytes;
      if (level === 2) out.l2 = bytes;
      if (level === 3) out.l3 = bytes;
    } catch {
      // An entry without these files describes nothing we use.
    }
  }
  return out;
}

export interface HostFigures {
  cores: number;
  clockGHz: null;
  isa: string;
  peakGflops: { fp32: number; fp16: null; int8: number };
  memoryBandwidthGBs: number;
  cacheBytes: TargetProfile['cacheBytes'];
  ramBytes: number;
  flashBytes: number;
}

const peakCache = new Map<number, Promise<Omit<HostFigures, 'flashBytes'>>>();

/**
 * What this machine reaches at `threads` threads: GFLOP/s of a 512^3 fp32 MatMul in onnxruntime
 * (2 n^3 flops), GOP/s of the same MatMulInteger (uint8 x int8), and GB/s of a 64 MiB array copy
 * (one thread: read + write). Measured once per process and thread count.
 */
export function measureHostFigures(threads: number, packageDir: string): Promise<HostFigures> {
  let peaks = peakCache.get(threads);
  if (!peaks) {
    peaks = (async () => {
      const n = 512;
      const a = new Float32Array(n * n).map((_, i) => Math.sin(i) * 0.5);
      const fp32 = await bestSeconds(singleOpModel('MatMul', [['a', DataType.FLOAT, [n, n]], ['b', DataType.FLOAT, [n, n]]], ['y', DataType.FLOAT, [n, n]]), {
        a: { dtype: 'float32', shape: [n, n], values: a },
        b: { dtype: 'float32', shape: [n, n], values: a },
      }, threads, 10);
      const qa = new Uint8Array(n * n).map((_, i) => (i * 7) & 255);
      const qb = new Int8Array(n * n).map((_, i) => ((i * 13) & 255) - 128);
      const int8 = await bestSeconds(singleOpModel('MatMulInteger', [['a', DataType.UINT8, [n, n]], ['b', DataType.INT8, [n, n]]], ['y', DataType.INT32, [n, n]]), {
        a: { dtype: 'uint8', shape: [n, n], values: qa },
        b: { dtype: 'int8', shape: [n, n], values: qb },
      }, threads, 10);
      // Bandwidth: best of 10 copies of a 64 MiB array (4 bytes read + 4 written per element) after one
      // copy that faults the pages in.
      const m = 1 << 24;
      const src = new Float32Array(m).fill(1);
      const dst = new Float32Array(m);
      dst.set(src);
      let copy = Infinity;
      for (let r = 0; r < 10; r++) {
        const t = performance.now();
        dst.set(src);
        copy = Math.min(copy, (performance.now() - t) / 1000);
      }
      const round = (v: number) => Number(v.toFixed(1));
      return {
        cores: Math.min(threads, availableParallelism()),
        clockGHz: null,
        isa: hostIsa(),
        peakGflops: { fp32: round((2 * n ** 3) / fp32 / 1e9), fp16: null, int8: round((2 * n ** 3) / int8 / 1e9) },
        memoryBandwidthGBs: round((2 * 4 * m) / copy / 1e9),
        cacheBytes: hostCaches(),
        ramBytes: totalmem(),
      };
    })();
    peakCache.set(threads, peaks);
    peaks.catch(() => peakCache.delete(threads));
  }
  return peaks.then((p) => {
    // Free space where the package goes (its nearest existing folder).
    let dir = packageDir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    const s = statfsSync(dir);
    return { ...p, flashBytes: s.bavail * s.bsize };
  });
}

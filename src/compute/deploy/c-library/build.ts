// Builds the generated library with the system compiler (gcc for this host, Debian's
// aarch64-linux-gnu-gcc for ARM, run under qemu-user) and runs its harness on a batch of inputs.

import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../storage/write-atomic.ts';
import type { CLibrary } from './index.ts';

/** Compile flags. No -ffast-math: it reorders sums and moves results away from onnxruntime's. */
export const C_FLAGS = ['-O2', '-std=c99'] as const;

/**
 * A host build also targets this CPU (-march=native): the binary runs only here, and the kernels
 * then use AVX or AVX-512 registers and FMA where the CPU has them, as onnxruntime does at run time.
 * ISO C mode keeps the compiler from fusing multiply and add on its own (-ffp-contract=off); the
 * convolution fuses them explicitly where the target has FMA, so its last bits depend on that.
 */
const HOST_FLAGS = ['-march=native'];

export interface BuiltLibrary {
  binary: string;
  compiler: string;
  /** The flags it was compiled with. */
  flags?: string[];
  /** 'qemu-aarch64' when cross-compiled. */
  runner?: string;
}

export interface BuildOptions {
  /** Host builds only: target this CPU (default true); false gives the portable x86-64 baseline (SSE2). */
  native?: boolean;
  /** Compile the kernels' plain C99 loops instead of their GCC vector-extension paths. */
  plainC?: boolean;
}

export interface RunOptions {
  /**
   * The timed loop repeats the inputs until this many ms have passed (default 200), after an untimed
   * warm-up pass; 0 runs them once, timed (for a large set, or under qemu where each pass is slow).
   */
  minMs?: number;
  signal?: AbortSignal;
}

interface Toolchain {
  compiler: string;
  flags: string[];
  runner?: string;
  package: string;
}

const TOOLCHAINS: Record<'host' | 'aarch64', Toolchain> = {
  host: { compiler: 'gcc', flags: HOST_FLAGS, package: 'gcc' },
  // Static, so qemu-user runs it without an aarch64 sysroot.
  aarch64: { compiler: 'aarch64-linux-gnu-gcc', flags: ['-static'], runner: 'qemu-aarch64', package: 'gcc-aarch64-linux-gnu and qemu-user' },
};

function exec(file: string, args: string[], options: { cwd?: string; signal?: AbortSignal } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

async function installed(tool: string): Promise<boolean> {
  try {
    await exec(tool, ['--version']);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Compiles into `dir` with `gcc` (host) or `aarch64-linux-gnu-gcc` (aarch64); { skipped: reason } when the toolchain is missing. */
export async function buildCLibrary(
  lib: CLibrary,
  dir: string,
  target: 'host' | 'aarch64',
  options: BuildOptions = {},
): Promise<BuiltLibrary | { skipped: string }> {
  const tc = TOOLCHAINS[target];
  const flags = [...(target === 'host' && options.native === false ? [] : tc.flags), ...(options.plainC ? ['-DMODEL_PLAIN_C'] : [])];
  for (const tool of [tc.compiler, tc.runner].filter((t): t is string => !!t))
    if (!(await installed(tool))) return { skipped: `${tool} is not installed (Debian: ${tc.package})` };
  for (const [name, text] of Object.entries(lib.files)) writeFileAtomic(join(dir, name), text);
  const binary = join(dir, target === 'host' ? 'model_test' : 'model_test-aarch64');
  try {
    await exec(tc.compiler, [...C_FLAGS, ...flags, '-o', binary, 'model.c', 'weights.c', 'main.c', '-lm'], { cwd: dir });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`${tc.compiler} failed on the generated library in ${dir}:\n${stderr.split('\n').slice(0, 20).join('\n')}`);
  }
  return { binary, compiler: tc.compiler, flags: [...C_FLAGS, ...flags], ...(tc.runner && { runner: tc.runner }) };
}

/**
 * Runs the built harness on a batch of inputs (floats, batch-major) and returns outputs and the mean
 * ms per sample (wall clock; `cpuMsPerSample` is the process's CPU time, steadier on a busy machine).
 */
export async function runCLibrary(
  built: BuiltLibrary,
  inputs: Float32Array,
  count: number,
  lib: CLibrary,
  options: RunOptions = {},
): Promise<{ outputs: Float32Array; msPerSample: number; cpuMsPerSample: number }> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  if (inputs.length !== count * lib.inputSize) throw new Error(`${count} samples need ${count * lib.inputSize} floats, got ${inputs.length}`);
  const stem = join(dirname(built.binary), `run-${process.pid}-${Date.now()}`);
  const inFile = `${stem}.in.f32`;
  const outFile = `${stem}.out.f32`;
  try {
    await writeFile(inFile, new Uint8Array(inputs.buffer, inputs.byteOffset, inputs.byteLength));
    const args = [String(count), inFile, outFile, String(options.minMs ?? 200)];
    const { stderr } = built.runner
      ? await exec(built.runner, [built.binary, ...args], { signal: options.signal })
      : await exec(built.binary, args, { signal: options.signal });
    const line = stderr.split('\n').find((l) => l.startsWith('{"count"'));
    if (!line) throw new Error(`the harness printed no timing: ${stderr.slice(0, 500)}`);
    const timing = JSON.parse(line) as { ms_per_sample: number; cpu_ms_per_sample: number };
    const bytes = await readFile(outFile);
    if (bytes.byteLength !== count * lib.outputSize * 4) throw new Error(`the harness wrote ${bytes.byteLength} bytes, expected ${count * lib.outputSize * 4}`);
    const outputs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return { outputs, msPerSample: timing.ms_per_sample, cpuMsPerSample: timing.cpu_ms_per_sample };
  } finally {
    await rm(inFile, { force: true });
    await rm(outFile, { force: true });
  }
}

// C source text of the library: model.h (the API), model.c (kernels, arena, predict), weights.c (const
// arrays), main.c (a harness that runs predict over a file of inputs and times it) and README.md.

import { ACT, kernelSource, type KernelName } from './kernels.ts';
import type { Arg, LoweredModel, Step, Weight } from './lower.ts';
import type { MemoryPlan } from './memory-plan.ts';

export interface Names {
  /** Prefix of every exported symbol (`predict` becomes `<prefix>predict`). */
  prefix: string;
  /** Prefix of the macros, upper case. */
  macro: string;
}

/** The shortest decimal that reads back as the same float32, as a C float literal. */
export function cFloat(v: number): string {
  if (Number.isNaN(v)) return 'NAN';
  if (v === Infinity) return 'INFINITY';
  if (v === -Infinity) return '-INFINITY';
  const f = Math.fround(v);
  let s = f.toPrecision(9);
  for (let p = 1; p <= 9; p++) {
    const t = f.toPrecision(p);
    if (Math.fround(Number(t)) === f) {
      s = t;
      break;
    }
  }
  if (Object.is(f, -0)) s = '-0.0';
  if (!/[.e]/.test(s)) s += '.0';
  return `${s}f`;
}

function argText(a: Arg, step: Step, plan: MemoryPlan, names: Names): string {
  if ('tensor' in a) return plan.where.get(a.tensor)!;
  if ('weight' in a) return a.weight === null ? '0' : `${names.prefix}${a.weight}`;
  if ('int' in a) return String(a.int);
  const act = step.act ?? { kind: 'none', p: 0, q: 0 };
  return `${ACT[act.kind]}, ${cFloat(act.p)}, ${cFloat(act.q)}`;
}

const cName: Record<KernelName, string> = {
  activate: 'activate',
  conv2d: 'conv2d',
  convFlat: 'conv_flat',
  pool2d: 'pool2d',
  globalPool: 'global_pool',
  matmul: 'matmul',
  channelAffine: 'channel_affine',
  binary: 'binary',
  softmax: 'softmax',
};

function comment(text: string): string {
  return `/* ${text.replace(/\*\//g, '* /')} */`;
}

function callText(step: Step, plan: MemoryPlan, names: Names, model: LoweredModel): string {
  if (step.kernel === 'copy') {
    const floats = model.outputShape.reduce((a, b) => a * b, 1);
    return `memcpy(output, input, ${floats} * sizeof(float));`;
  }
  return `${cName[step.kernel]}(${step.args.map((a) => argText(a, step, plan, names)).join(', ')});`;
}

export function modelHeader(model: LoweredModel, names: Names, sizes: { arenaBytes: number; weightBytes: number }, about: string): string {
  const guard = `${names.macro}MODEL_H`;
  const m = names.macro;
  const inSize = model.inputShape.reduce((a, b) => a * b, 1);
  const outSize = model.outputShape.reduce((a, b) => a * b, 1);
  return `${comment(about)}
#ifndef ${guard}
#define ${guard}

#ifdef __cplusplus
extern "C" {
#endif

/* Floats in one input: shape [${model.inputShape.slice(1).join(', ')}], row-major (channels first). */
#define ${m}MODEL_INPUT_SIZE ${inSize}
/* Floats in one output: shape [${model.outputShape.slice(1).join(', ')}]. */
#define ${m}MODEL_OUTPUT_SIZE ${outSize}
/* Static scratch memory of predict (activations, reused across layers). */
#define ${m}MODEL_ARENA_BYTES ${sizes.arenaBytes}
/* Constant weights (flash / read-only data). */
#define ${m}MODEL_WEIGHT_BYTES ${sizes.weightBytes}

/*
 * Runs the model on one sample: input holds ${m}MODEL_INPUT_SIZE floats, output receives
 * ${m}MODEL_OUTPUT_SIZE floats. The two must not overlap. Not reentrant: calls share one static arena.
 */
void ${names.prefix}predict(const float *input, float *output);

#ifdef __cplusplus
}
#endif

#endif
`;
}

export function modelSource(model: LoweredModel, plan: MemoryPlan, names: Names, about: string): string {
  const kernels = new Set(plan.steps.map((s) => s.kernel).filter((k): k is KernelName => k !== 'copy'));
  const externs = model.weights.map((w) => `extern const float ${names.prefix}${w.id}[${w.values.length}];`).join('\n');
  const body = plan.steps.map((s) => `  ${comment(`${s.node}: ${s.summary}`)}\n  ${callText(s, plan, names, model)}`).join('\n');
  const arena = plan.arenaFloats > 0 ? `static float arena[${plan.arenaFloats}];\n` : '';
  return `${comment(about)}
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "model.h"

${externs}

${arena}
${kernelSource(kernels)}

void ${names.prefix}predict(const float *input, float *output)
{
${body}
}
`;
}

export function weightsSource(weights: Weight[], names: Names, about: string): string {
  const arrays = weights.map((w) => {
    const lines: string[] = [];
    for (let i = 0; i < w.values.length; i += 8) lines.push(`  ${Array.from(w.values.subarray(i, i + 8), cFloat).join(', ')},`);
    return `${comment(`${w.source}: ${w.values.length} values`)}\nconst float ${names.prefix}${w.id}[${w.values.length}] = {\n${lines.join('\n')}\n};`;
  });
  return `${comment(about)}
#include <math.h>

${arrays.join('\n\n')}
`;
}

/**
 * The test harness: `model_test COUNT INPUT OUTPUT [MIN_MS]` reads COUNT samples of float32 from INPUT
 * (a file, or - for stdin), writes the outputs as float32 to OUTPUT (or - for stdout), and prints one
 * JSON line on stderr with the mean wall and CPU time per sample (CPU time stays meaningful on a busy
 * machine). The timed loop repeats the whole set until at least MIN_MS (default 200) ms have passed,
 * after an untimed warm-up pass; MIN_MS 0 runs the set once, timed.
 */
export function harnessSource(names: Names): string {
  const m = names.macro;
  return `/* Test harness of the generated library: runs ${names.prefix}predict over a file of inputs and times it. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model.h"

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
  long count, i, passes = 0;
  double min_ms = 200.0, start, elapsed, cpu;
  clock_t cpu_start;
  FILE *in, *out;
  float *x, *y;
  if (argc < 4) {
    fprintf(stderr, "usage: %s COUNT INPUT|- OUTPUT|- [MIN_MS]\\n", argv[0]);
    return 2;
  }
  count = strtol(argv[1], NULL, 10);
  if (argc > 4) min_ms = atof(argv[4]);
  if (count <= 0) {
    fprintf(stderr, "COUNT must be positive\\n");
    return 2;
  }
  x = malloc((size_t)count * ${m}MODEL_INPUT_SIZE * sizeof(float));
  y = malloc((size_t)count * ${m}MODEL_OUTPUT_SIZE * sizeof(float));
  if (!x || !y) {
    fprintf(stderr, "out of memory\\n");
    return 1;
  }
  in = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "rb");
  if (!in || fread(x, sizeof(float) * ${m}MODEL_INPUT_SIZE, (size_t)count, in) != (size_t)count) {
    fprintf(stderr, "cannot read %ld inputs of %d floats from %s\\n", count, ${m}MODEL_INPUT_SIZE, argv[2]);
    return 1;
  }
  /* An untimed warm-up pass; with MIN_MS 0 the single timed pass is all (slow emulators). */
  if (min_ms > 0)
    for (i = 0; i < count; i++) ${names.prefix}predict(x + i * ${m}MODEL_INPUT_SIZE, y + i * ${m}MODEL_OUTPUT_SIZE);
  start = now_ms();
  cpu_start = clock();
  do {
    for (i = 0; i < count; i++) ${names.prefix}predict(x + i * ${m}MODEL_INPUT_SIZE, y + i * ${m}MODEL_OUTPUT_SIZE);
    passes++;
    elapsed = now_ms() - start;
  } while (elapsed < min_ms);
  cpu = (double)(clock() - cpu_start) * 1000.0 / CLOCKS_PER_SEC;
  out = strcmp(argv[3], "-") == 0 ? stdout : fopen(argv[3], "wb");
  if (!out || fwrite(y, sizeof(float) * ${m}MODEL_OUTPUT_SIZE, (size_t)count, out) != (size_t)count) {
    fprintf(stderr, "cannot write the outputs to %s\\n", argv[3]);
    return 1;
  }
  if (out != stdout) fclose(out);
  fprintf(stderr, "{\\"count\\":%ld,\\"passes\\":%ld,\\"ms_per_sample\\":%.6f,\\"cpu_ms_per_sample\\":%.6f}\\n", count, passes,
          elapsed / ((double)passes * count), cpu / ((double)passes * count));
  free(x);
  free(y);
  return 0;
}
`;
}

export interface ReadmeFacts {
  graphName: string;
  inputShape: number[];
  outputShape: number[];
  arenaBytes: number;
  weightBytes: number;
  opTypes: string[];
  steps: number;
  flags: string;
  normalize?: string;
}

export function readmeText(f: ReadmeFacts, names: Names): string {
  const m = names.macro;
  return `# C inference library: ${f.graphName}

Generated by Condense from the model's inference ONNX graph. Plain C99, no dependencies beyond
\`<math.h>\`, float32, one sample per call.

| | |
|---|---|
| Input | ${f.inputShape.slice(1).join(' x ')} floats (\`${m}MODEL_INPUT_SIZE\`), channels first |
| Output | ${f.outputShape.slice(1).join(' x ')} floats (\`${m}MODEL_OUTPUT_SIZE\`) |
| Arena (static RAM for activations) | ${f.arenaBytes} bytes (\`${m}MODEL_ARENA_BYTES\`) |
| Weights (const data, flash) | ${f.weightBytes} bytes (\`${m}MODEL_WEIGHT_BYTES\`) |
| Kernel calls per sample | ${f.steps} |
| ONNX ops in the source graph | ${f.opTypes.join(', ')} |
${f.normalize ? `\nInput preprocessing: ${f.normalize}\n` : ''}
## Files

- \`model.h\`: \`void ${names.prefix}predict(const float *input, float *output);\` and the size macros.
- \`model.c\`: the kernels and \`${names.prefix}predict\`; activations live in one static arena planned
  by liveness, so \`${names.prefix}predict\` is not reentrant (one call at a time).
- \`weights.c\`: the weights as \`const float\` arrays (BatchNormalization already folded in).
- \`main.c\`: a test harness, not needed in an application.

## Build

    cc ${f.flags} -o model_test model.c weights.c main.c -lm
    ./model_test COUNT inputs.f32 outputs.f32      # float32 files, samples one after another

The harness prints \`{"count":..,"passes":..,"ms_per_sample":..,"cpu_ms_per_sample":..}\` on stderr. In an application,
compile \`model.c\` and \`weights.c\` with your sources and call \`${names.prefix}predict\`. Avoid
\`-ffast-math\`: it reorders sums and moves results away from onnxruntime's.

With GCC or Clang the convolution uses 4-float vectors (SSE, NEON) and, when built for a CPU
with AVX or AVX-512 (\`-march=native\` on such a CPU), 8- or 16-float ones, with fused multiply-adds
where the target has FMA. On a CPU without 128-bit SIMD (a Cortex-M microcontroller) add
\`-DMODEL_PLAIN_C\` for plain C99 loops.
`;
}

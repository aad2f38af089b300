// Finite-difference check of gradient rules. The analytic gradient comes from the real path
// (float32 graph + autodiff, run in onnxruntime); the reference is a central difference of the
// same function evaluated in float64, either by onnxruntime (a float64 build of the same graph) or,
// for ops onnxruntime's CPU provider only implements in float32 (Conv, pooling), by a small
// float64 reference implementation supplied by the test.

import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import { mul, sum } from '../graph/ops/index.ts';
import { elementCount } from '../onnx/tensor-data.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { grad } from './grad.ts';
import type { GradOptions } from './types.ts';

export interface GradCheckInput {
  name: string;
  shape: number[];
  /** Defaults to uniform values in [-1, 1). */
  values?: ArrayLike<number>;
  /** int64 inputs (labels, indices) are fed as given and never differentiated. */
  int?: boolean;
  /** Set false to leave a float input out of the check. */
  grad?: boolean;
}

export interface GradCheckOptions {
  /** Builds the op under test from the inputs; any output shape (it is projected to a scalar). */
  build: (inputs: Record<string, Tensor>) => Tensor;
  inputs: GradCheckInput[];
  /** float64 forward, for ops without a float64 kernel in onnxruntime. */
  reference?: (values: Record<string, Float64Array>) => Float64Array;
  seed?: number;
  /** Finite-difference step. */
  step?: number;
  /** Passed to grad(): selects lowerings under test. */
  gradOptions?: GradOptions;
}

export interface GradCheckResult {
  /** For a supplied reference: max |float32 forward - reference forward|, to prove they agree. */
  forwardError?: number;
  /** ||analytic - numeric|| / ||numeric|| per checked input. */
  relativeError: Record<string, number>;
  maxRelativeError: number;
}

export async function checkGradients(options: GradCheckOptions): Promise<GradCheckResult> {
  const rng = createRng(options.seed ?? 1);
  const values: Record<string, Float64Array> = {};
  for (const input of options.inputs) {
    const n = elementCount(input.shape);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = input.values ? input.values[i]! : input.int ? 0 : Math.fround(rng() * 2 - 1);
    // Both evaluations see exactly the float32 values.
    if (!input.int) for (let i = 0; i < n; i++) v[i] = Math.fround(v[i]!);
    values[input.name] = v;
  }
  const checked = options.inputs.filter((i) => !i.int && i.grad !== false);

  // Analytic: float32 graph with autodiff.
  const g32 = new GraphBuilder();
  const t32: Record<string, Tensor> = {};
  for (const input of options.inputs) t32[input.name] = g32.input(input.name, input.shape, input.int ? 'int64' : 'float32');
  const y32 = options.build(t32);
  const projection = new Float64Array(y32.size);
  for (let i = 0; i < projection.length; i++) projection[i] = Math.fround(rng() * 2 - 1);
  const loss32 = sum(mul(y32, g32.constant(projection, y32.shape, y32.dtype)));
  const grads = grad(g32, loss32, checked.map((c) => t32[c.name]!), options.gradOptions);
  const outputs: Record<string, Tensor> = { 'check:loss': loss32, 'check:y': y32 };
  checked.forEach((c, i) => (outputs[`check:grad:${c.name}`] = grads[i]!));
  const session32 = await createSession(g32.toModel({ outputs }), { intraOpThreads: 1 });
  const feeds32: Record<string, HostTensor> = {};
  for (const input of options.inputs)
    feeds32[input.name] = input.int
      ? { dtype: 'int64', shape: input.shape, values: BigInt64Array.from(values[input.name]!, (x) => BigInt(x)) }
      : { dtype: 'float32', shape: input.shape, values: Float32Array.from(values[input.name]!) };
  const analytic = await runSession(session32, feeds32);
  await session32.release();

  // Reference: float64 objective.
  let objective: (vals: Record<string, Float64Array>) => Promise<number>;
  let release = async () => {};
  let forwardError: number | undefined;
  if (options.reference) {
    const reference = options.reference;
    const y = reference(values);
    const y32Values = analytic['check:y']!.values as Float32Array;
    forwardError = 0;
    for (let i = 0; i < y.length; i++) forwardError = Math.max(forwardError, Math.abs(y[i]! - y32Values[i]!));
    if (y.length !== y32Values.length) forwardError = Infinity;
    objective = async (vals) => {
      const y = reference(vals);
      if (y.length !== projection.length) throw new Error(`reference returned ${y.length} values, expected ${projection.length}`);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * projection[i]!;
      return s;
    };
  } else {
    const g64 = new GraphBuilder();
    const t64: Record<string, Tensor> = {};
    for (const input of options.inputs) t64[input.name] = g64.input(input.name, input.shape, input.int ? 'int64' : 'float64');
    const y64 = options.build(t64);
    const loss64 = sum(mul(y64, g64.constant(projection, y64.shape, 'float64')));
    const session64 = await createSession(g64.toModel({ outputs: { 'check:loss': loss64 } }), { intraOpThreads: 1 });
    release = () => session64.release();
    objective = async (vals) => {
      const feeds: Record<string, HostTensor> = {};
      for (const input of options.inputs)
        feeds[input.name] = input.int
          ? { dtype: 'int64', shape: input.shape, values: BigInt64Array.from(vals[input.name]!, (x) => BigInt(x)) }
          : { dtype: 'float64', shape: input.shape, values: vals[input.name]! };
      const out = await runSession(session64, feeds);
      return Number(out['check:loss']!.values[0]);
    };
  }

  const h = options.step ?? 1e-6;
  const relativeError: Record<string, number> = {};
  for (const c of checked) {
    const x = values[c.name]!;
    const numeric = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i]!;
      x[i] = keep + h;
      const up = await objective(values);
      x[i] = keep - h;
      const down = await objective(values);
      x[i] = keep;
      numeric[i] = (up - down) / (2 * h);
    }
    const a = analytic[`check:grad:${c.name}`]!.values as Float32Array;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < numeric.length; i++) {
      diff += (a[i]! - numeric[i]!) ** 2;
      norm += numeric[i]! ** 2;
    }
    relativeError[c.name] = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-6);
  }
  await release();
  return { relativeError, maxRelativeError: Math.max(0, ...Object.values(relativeError)), forwardError };
}

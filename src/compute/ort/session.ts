// onnxruntime-node sessions: creation with the thread settings we want, a cache keyed by the
// model's hash (so the same graph compiles once), and conversions between our typed arrays and
// ORT tensors.

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { encodeModel, type ModelProto } from '../onnx/model.ts';
import type { DType, TensorValues } from '../onnx/tensor-data.ts';
import type { StepProfile } from '../train/profile.ts';

export interface HostTensor {
  dtype: DType;
  shape: readonly number[];
  values: TensorValues;
}

export interface SessionOptions {
  /** Threads for one op; defaults to the machine's cores. */
  intraOpThreads?: number;
  /** onnxruntime graph optimisations; 'all' adds layout transforms (NCHWc) for convolutions. */
  optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Compiled graphs (CompiledFunction, TrainStep): run convolutions whose weights are fed or computed
   * on onnxruntime's blocked NCHWc kernels (see nchwc.ts). Default true.
   */
  nchwc?: boolean;
  /** Whether idle intra-op threads spin waiting for work (onnxruntime's default, true). */
  spinning?: boolean;
}

const cache = new Map<string, Promise<ort.InferenceSession>>();

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export async function createSession(model: ModelProto | Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.intraOpThreads ?? defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: options.optimizationLevel ?? 'all',
    ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
}

/** A session for the model, compiled once per (model bytes, session options) and reused. */
export function cachedSession(model: ModelProto, options: SessionOptions = {}): { key: string; session: Promise<ort.InferenceSession> } {
  const bytes = encodeModel(model);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const key = `${hash}|${options.intraOpThreads ?? defaultThreads()}|${options.optimizationLevel ?? 'all'}|${options.spinning ?? true}`;
  let session = cache.get(key);
  if (!session) {
    session = createSession(bytes, options);
    cache.set(key, session);
    session.catch(() => cache.delete(key));
  }
  return { key, session };
}

/** Releases every cached session (tests, or a long-lived process between jobs). */
export async function clearSessionCache(): Promise<void> {
  const sessions = [...cache.values()];
  cache.clear();
  for (const s of sessions) {
    try {
      await (await s).release();
    } catch {
      // A session that failed to compile has nothing to release.
    }
  }
}

const ortTypes: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

export function toOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(ortTypes[t.dtype], t.values as never, [...t.shape]);
}

export function fromOrt(t: ort.Tensor): HostTensor {
  const dtype = (Object.entries(ortTypes).find(([, v]) => v === t.type)?.[0] ?? undefined) as DType | undefined;
  if (!dtype) throw new Error(`unsupported output type ${t.type}`);
  return { dtype, shape: [...t.dims], values: t.data as TensorValues };
}

/** Runs a session with host tensors; feeds the session does not declare are ignored. */
export async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, HostTensor>,
  fetches?: readonly string[],
  profile?: StepProfile,
): Promise<Record<string, HostTensor>> {
  let t = performance.now();
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const t = feeds[name];
    if (!t) throw new Error(`missing feed "${name}"`);
    ortFeeds[name] = toOrt(t);
  }
  if (profile) t = profile.lap('feeds', t);
  const results = fetches ? await session.run(ortFeeds, [...fetches]) : await session.run(ortFeeds);
  if (profile) t = profile.lap('run', t);
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(results)) out[name] = fromOrt(t);
  profile?.lap('fetch', t);
  return out;
}

// A worker thread: loads the node registry once, then runs one node job at a time. Inputs are read from
// the object store and outputs written to it; only ids, summaries, progress and metrics go back.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ExecuteContext, NodeDefinition, Ports } from '../shared/node-sdk';
import type { ArtifactRef } from '../shared/values';
import { loadRegistry, type EngineRegistry } from './registry';
import { ObjectStore } from './object-store';
import { Cache } from './cache';
import { summarizeOutput } from './summary';
import { isNodeError, userMessageOf } from './errors';
import { quote } from './quote';
import type { FromWorker, Job, JobResult, ToWorker, WorkerConfig } from './worker-protocol';
import type { StoredOutput } from './types';

const port = parentPort!;
const config = workerData as WorkerConfig;
const post = (message: FromWorker) => port.postMessage(message);
const running = new Map<number, AbortController>();

/** Serialized objects a worker keeps in memory for the next nodes (see ObjectStore). */
const RECENT_OBJECT_BYTES = 32 * 1024 * 1024;

/** Progress is for eyes: at most one message per node every 50 ms, plus the final one. */
const PROGRESS_EVERY_MS = 50;

async function runJob(job: Job, def: NodeDefinition, store: ObjectStore, cache: Cache, signal: AbortSignal): Promise<Record<string, StoredOutput>> {
  const inputs: Record<string, unknown> = {};
  for (const [name, object] of Object.entries(job.inputs)) inputs[name] = store.readValueSync(object);
  for (const [name, spec] of Object.entries(def.inputs)) {
    if (spec.required && inputs[name] === undefined) throw new Error(`required input "${name}" got no value`);
  }
  let lastProgress = 0;
  const ctx: ExecuteContext<Ports, unknown> = {
    nodeId: job.nodeId,
    params: job.params,
    inputs,
    signal,
    progress(fraction, message) {
      const now = Date.now();
      if (fraction < 1 && now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      post({ kind: 'progress', jobId: job.jobId, fraction: Math.min(1, Math.max(0, fraction)), ...(message ? { message } : {}) });
    },
    metric(name, value, step) {
      post({ kind: 'metric', jobId: job.jobId, name, value, step });
    },
    log(message, level = 'info') {
      post({ kind: 'log', jobId: job.jobId, level, message });
    },
    artifacts: {
      write: async (name: string, data: Uint8Array, mime: string) => store.writeArtifactSync(name, data, mime),
      read: async (ref: ArtifactRef) => (await store.readArtifact(ref.sha256)).data,
    },
    seed: job.seed,
    resolvePath: (p: string) => path.resolve(job.baseDir, p),
  };
  const result = (await def.execute(ctx as never)) as Record<string, unknown> | undefined;
  // A node that finished after the user cancelled must not leave outputs behind.
  signal.throwIfAborted();
  const outputs: Record<string, StoredOutput> = {};
  for (const [name, spec] of Object.entries(def.outputs)) {
    const value = result?.[name];
    if (value === undefined) throw new Error(`${def.type} returned no value for output "${name}"`);
    outputs[name] = { ...store.putValueSync(value), summary: summarizeOutput(value, spec.type) };
  }
  cache.put({ key: job.cacheKey, type: job.type, typeVersion: job.typeVersion, createdAt: Date.now(), outputs });
  return outputs;
}

async function main() {
  let registry: EngineRegistry;
  try {
    registry = await loadRegistry({
      ...(config.nodesDir !== null ? { nodesDir: config.nodesDir } : {}),
      nodeDirs: config.nodeDirs,
    });
  } catch (error) {
    post({ kind: 'init-failed', error: (error as Error).message });
    return;
  }
  const store = new ObjectStore(config.home, RECENT_OBJECT_BYTES);
  // Workers only write entries; the size cap is the main thread's business.
  const cache = new Cache(config.home, store, Number.POSITIVE_INFINITY);
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'abort') {
      running.get(message.jobId)?.abort();
      return;
    }
    const { job } = message;
    const controller = new AbortController();
    running.set(job.jobId, controller);
    const def = registry.get(job.type);
    const work = def ? runJob(job, def, store, cache, controller.signal) : Promise.reject(new Error(`unknown node type ${quote(job.type)}`));
    work.then(
      (outputs): JobResult => ({ ok: true, outputs }),
      (error: unknown): JobResult =>
        // Whatever a node throws once its run is cancelled (most often the AbortError of
        // signal.throwIfAborted) is the cancel itself, not a failure: say so in those words.
        controller.signal.aborted
          ? { ok: false, cancelled: true, error: 'cancelled' }
          : {
              ok: false,
              cancelled: false,
              error: userMessageOf(error),
              ...(!isNodeError(error) && error instanceof Error && error.stack ? { stack: error.stack } : {}),
            },
    ).then((result) => {
      running.delete(job.jobId);
      post({ kind: 'result', jobId: job.jobId, result });
    });
  });
  post({ kind: 'ready' });
}

void main();

// Messages between the scheduler (main thread) and worker threads. Values never cross: inputs and outputs
// travel as object ids in the shared on-disk store, so a message stays small whatever the data size.
import type { StoredOutput } from './types';

export interface WorkerConfig {
  home: string;
  nodesDir: string | false | null;
  nodeDirs: string[];
}

export interface Job {
  jobId: number;
  nodeId: string;
  type: string;
  /** Params after the schema parse (defaults applied). */
  params: Record<string, unknown>;
  /** input port -> object id; ports left open are absent. */
  inputs: Record<string, string>;
  seed: number;
  /** Where the outputs are cached once stored; the worker writes the entry itself. */
  cacheKey: string;
  typeVersion: number;
  /** The graph file's folder: relative paths resolve against it. */
  baseDir: string;
}

export type JobResult =
  | { ok: true; outputs: Record<string, StoredOutput> }
  | { ok: false; cancelled: boolean; error: string; stack?: string };

export type ToWorker = { kind: 'job'; job: Job } | { kind: 'abort'; jobId: number };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'init-failed'; error: string }
  | { kind: 'progress'; jobId: number; fraction: number; message?: string }
  | { kind: 'metric'; jobId: number; name: string; value: number; step: number }
  | { kind: 'log'; jobId: number; level: 'info' | 'warn'; message: string }
  | { kind: 'result'; jobId: number; result: JobResult };

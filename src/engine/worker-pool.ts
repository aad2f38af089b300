// A bounded pool of worker threads running node jobs off the main thread. Workers start on first use,
// load the registry once and then take one job at a time. Cancelling a job asks the node to stop through
// its abort signal; a node that ignores it for STOP_GRACE_MS has its worker terminated and replaced.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, Job, JobResult, ToWorker, WorkerConfig } from './worker-protocol';

export const STOP_GRACE_MS = 2000;

export const DEFAULT_WORKER_ENTRY = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

export interface JobCallbacks {
  onStart?(): void;
  onProgress?(fraction: number, message?: string): void;
  onMetric?(name: string, value: number, step: number): void;
  onLog?(level: 'info' | 'warn', message: string): void;
}

interface PendingJob {
  job: Job;
  callbacks: JobCallbacks;
  signal?: AbortSignal;
  resolve(result: JobResult): void;
  /** Removes the abort listener once the job settles. */
  cleanup?: () => void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  current?: PendingJob;
  stopTimer?: NodeJS.Timeout;
  dead: boolean;
}

const cancelled = (error = 'cancelled'): JobResult => ({ ok: false, cancelled: true, error });

export class WorkerPool {
  private workers: PoolWorker[] = [];
  private queue: PendingJob[] = [];
  private nextJobId = 1;
  private closed = false;
  private initError: string | undefined;
  readonly size: number;
  private readonly entry: string;
  private readonly config: WorkerConfig;

  constructor(options: WorkerConfig & { size: number; entry?: string }) {
    this.size = Math.max(1, Math.floor(options.size));
    this.entry = options.entry ?? DEFAULT_WORKER_ENTRY;
    this.config = { home: options.home, nodesDir: options.nodesDir, nodeDirs: options.nodeDirs };
  }

  /** Worker threads alive (started or starting). */
  get threads(): number {
    return this.workers.length;
  }

  /** Jobs executing right now. */
  get busy(): number {
    return this.workers.filter((w) => w.current).length;
  }

  run(job: Omit<Job, 'jobId'>, callbacks: JobCallbacks = {}, signal?: AbortSignal): Promise<JobResult> {
    if (this.closed) return Promise.resolve(cancelled('the engine is closed'));
    if (signal?.aborted) return Promise.resolve(cancelled());
    return new Promise<JobResult>((resolve) => {
      const pending: PendingJob = { job: { ...job, jobId: this.nextJobId++ }, callbacks, signal, resolve };
      if (signal) {
        const onAbort = () => this.abort(pending);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  private settle(pending: PendingJob, result: JobResult) {
    pending.cleanup?.();
    pending.resolve(result);
  }

  private abort(pending: PendingJob) {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(pending, cancelled());
      return;
    }
    const owner = this.workers.find((w) => w.current === pending);
    if (!owner) return;
    owner.worker.postMessage({ kind: 'abort', jobId: pending.job.jobId } satisfies ToWorker);
    owner.stopTimer = setTimeout(() => {
      if (owner.current !== pending) return;
      owner.current = undefined;
      this.retire(owner);
      this.settle(pending, cancelled(`cancelled (the node did not stop within ${STOP_GRACE_MS / 1000} s and was terminated)`));
      this.pump();
    }, STOP_GRACE_MS);
  }

  private retire(owner: PoolWorker) {
    owner.dead = true;
    clearTimeout(owner.stopTimer);
    this.workers = this.workers.filter((w) => w !== owner);
    void owner.worker.terminate();
  }

  private spawn(): PoolWorker {
    const worker = new Worker(this.entry, { workerData: this.config });
    const owner: PoolWorker = { worker, ready: false, dead: false };
    worker.on('message', (message: FromWorker) => this.onMessage(owner, message));
    const fail = (reason: string) => {
      if (owner.dead) return;
      const job = owner.current;
      owner.current = undefined;
      this.retire(owner);
      if (job) this.settle(job, { ok: false, cancelled: !!job.signal?.aborted, error: `Error: the worker running this node stopped: ${reason}` });
      if (!owner.ready) this.failQueue(`Error: worker could not start: ${reason}`);
      this.pump();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.workers.push(owner);
    return owner;
  }

  private failQueue(error: string) {
    this.initError = error;
    for (const pending of this.queue.splice(0)) this.settle(pending, { ok: false, cancelled: false, error });
  }

  private onMessage(owner: PoolWorker, message: FromWorker) {
    if (message.kind === 'ready') {
      owner.ready = true;
      this.pump();
      // An idle worker must not keep a CLI process alive.
      if (!owner.current) owner.worker.unref();
      return;
    }
    if (message.kind === 'init-failed') {
      this.retire(owner);
      this.failQueue(`Error: ${message.error}`);
      return;
    }
    const pending = owner.current;
    if (!pending || pending.job.jobId !== message.jobId) return;
    if (message.kind === 'progress') pending.callbacks.onProgress?.(message.fraction, message.message);
    else if (message.kind === 'metric') pending.callbacks.onMetric?.(message.name, message.value, message.step);
    else if (message.kind === 'log') pending.callbacks.onLog?.(message.level, message.message);
    else if (message.kind === 'result') {
      clearTimeout(owner.stopTimer);
      owner.current = undefined;
      owner.worker.unref();
      this.settle(pending, message.result);
      this.pump();
    }
  }

  private pump() {
    if (this.closed) return;
    if (this.initError) {
      this.failQueue(this.initError);
      return;
    }
    while (this.queue.length) {
      const idle = this.workers.find((w) => w.ready && !w.current && !w.dead);
      if (!idle) {
        const starting = this.workers.filter((w) => !w.ready).length;
        // Start another worker only while the queue outnumbers the ones already starting.
        if (this.workers.length < this.size && starting < this.queue.length) {
          this.spawn();
          continue;
        }
        return;
      }
      const pending = this.queue.shift()!;
      idle.current = pending;
      idle.worker.ref();
      idle.worker.postMessage({ kind: 'job', job: pending.job } satisfies ToWorker);
      pending.callbacks.onStart?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) this.settle(pending, cancelled('the engine is closed'));
    const workers = this.workers;
    this.workers = [];
    for (const w of workers) {
      w.dead = true;
      clearTimeout(w.stopTimer);
      if (w.current) this.settle(w.current, cancelled('the engine is closed'));
    }
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

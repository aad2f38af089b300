// The engine: load -> migrate -> validate -> plan -> schedule -> cache -> events -> runs DB.
// Hosts (CLI, `condense serve`, Electron main) create one engine per process and share it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Graph } from '../shared/graph/schema';
import { resolveHome } from './home';
import { loadRegistry } from './registry';
import { loadGraphFile, loadGraphText, saveGraphFile } from './load';
import { validateGraph } from './validate';
import { ObjectStore } from './object-store';
import { Cache } from './cache';
import { RunsDb } from './runs';
import { WorkerPool } from './worker-pool';
import { debugLogger, startRun } from './run';
import { FileHasher } from './cache-key';
import { sweepStaleTempFiles } from '../compute/storage/temp-files';
import type { Engine, EngineOptions, RunHandle, RunOptions } from './types';

export type * from './types';

export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const home = resolveHome(options.home);
  fs.mkdirSync(home, { recursive: true });
  const nodesDir = options.nodesDir ?? process.env.CONDENSE_NODES_DIR ?? undefined;
  const nodeDirs = (options.nodeDirs ?? []).map((d) => path.resolve(d));
  const registry = await loadRegistry({ nodesDir, nodeDirs });
  const store = new ObjectStore(home);
  const cache = new Cache(home, store, options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES);
  // Temp files of writers that were killed mid-write (kill -9, a crash) are never renamed; clear them.
  for (const dir of [store.objectsDir, cache.entriesDir, store.artifactsDir, home, path.join(home, 'autosave')]) sweepStaleTempFiles(dir);
  const runs = new RunsDb(path.join(home, 'runs.sqlite'));
  const pool = new WorkerPool({
    size: Math.max(1, options.workers ?? os.availableParallelism()),
    home,
    nodesDir: nodesDir ?? null,
    nodeDirs,
    ...(options.workerEntry ? { entry: options.workerEntry } : {}),
  });
  const active = new Set<RunHandle>();
  const hasher = new FileHasher();
  const pinned = new Map<string, number>();
  const debugLog = debugLogger(home);
  let closed = false;

  return {
    home,
    registry,
    loadGraphText: (text, filePath) => loadGraphText(text, registry, filePath),
    loadGraphFile: (filePath) => loadGraphFile(filePath, registry),
    saveGraphFile: (filePath, graph: Graph) => saveGraphFile(filePath, graph),
    validate: (graph) => validateGraph(graph, registry),
    run(runOptions: RunOptions): RunHandle {
      if (closed) throw new Error('the engine is closed');
      const handle = startRun(runOptions, { registry, cache, runs, pool, hasher, pinned, debugLog });
      active.add(handle);
      void handle.done.finally(() => active.delete(handle));
      return handle;
    },
    readObject: (sha256) => store.readValue(sha256),
    readArtifact: (sha256) => store.readArtifact(sha256),
    listRuns: () => runs.listRuns(),
    getRun: (runId) => runs.getRun(runId),
    async close() {
      if (closed) return;
      closed = true;
      for (const handle of active) handle.cancel();
      await Promise.allSettled([...active].map((h) => h.done));
      await pool.close();
      runs.close();
    },
  };
}

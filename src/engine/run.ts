// One run: validate what the requested sinks need, key every node, ask the cache, plan, then schedule the
// nodes to run on the worker pool as their inputs become ready. Every step is reported as a RunEvent, in
// order, to the caller and to the runs database.
import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent, ValidationIssue } from '../shared/events';
import type { GraphNode } from '../shared/graph/schema';
import type { NodeDefinition } from '../shared/node-sdk';
import type { EngineRegistry } from './registry';
import type { Cache } from './cache';
import type { RunsDb } from './runs';
import type { WorkerPool } from './worker-pool';
import type { RunHandle, RunOptions, RunResult, StoredOutput } from './types';
import { ancestorsOf, indexGraph, topologicalOrder, type GraphIndex } from './graph-index';
import { cacheKeysOf, type FileHasher, type KeyedNode } from './cache-key';
import { planRun } from './plan';
import { validateGraph } from './validate';
import { shorten } from './quote';

/** The most characters of a node's error kept in its event (and so in the runs database and the CLI). */
const MAX_EVENT_MESSAGE_CHARS = 800;

export interface RunDeps {
  registry: EngineRegistry;
  cache: Cache;
  runs: RunsDb;
  pool: WorkerPool;
  hasher: FileHasher;
  /** Objects used by runs in progress, with how many runs use each: eviction must leave them alone. */
  pinned: Map<string, number>;
  debugLog(message: string): void;
}

/** Time-ordered so ids sort like runs started; random tail so two runs in one millisecond differ. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Issues that stop this run: those on nodes it needs, and graph-wide ones. Others may be mid-edit. */
export function blockingIssues(issues: ValidationIssue[], needed: Set<string>): ValidationIssue[] {
  return issues.filter((i) => i.nodeId === undefined || needed.has(i.nodeId));
}

/**
 * A bypassed node's outputs: for each output port, the first input of the same type (or, for an Any
 * output, the first input) that carries a value. Pure.
 */
export function bypassOutputs(def: NodeDefinition, inputs: Record<string, StoredOutput | undefined>): Record<string, StoredOutput> {
  const outputs: Record<string, StoredOutput> = {};
  for (const [name, spec] of Object.entries(def.outputs)) {
    const match = Object.entries(def.inputs).find(
      ([port, inSpec]) => inputs[port] !== undefined && (spec.type === 'Any' || inSpec.type === spec.type || inSpec.type === 'Any'),
    );
    if (match) outputs[name] = inputs[match[0]]!;
  }
  return outputs;
}

/** The problems that stop this run before it starts: unknown sinks, and blocking issues of the graph. */
export function runRefusal(options: Pick<RunOptions, 'graph' | 'sinks' | 'until'>, registry: EngineRegistry): ValidationIssue[] {
  const index = indexGraph(options.graph);
  const known = new Set(index.ids);
  const sinks = options.sinks ?? (options.until !== undefined ? [options.until] : index.ids);
  return [
    ...sinks.filter((id) => !known.has(id)).map((id): ValidationIssue => ({ code: 'schema', message: `there is no node "${id}" to run` })),
    ...blockingIssues(validateGraph(options.graph, registry), ancestorsOf(index, sinks)),
  ];
}

export function startRun(options: RunOptions, deps: RunDeps): RunHandle {
  const runId = newRunId();
  // An invalid graph is refused before anything is recorded: a run that could not start is no run, and
  // it must not leave an empty failed row in the history.
  const refused = runRefusal(options, deps.registry);
  if (refused.length > 0) {
    return { runId, refused, done: Promise.resolve({ runId, status: 'failed', issues: refused, events: [], outputs: {} }), cancel: () => undefined };
  }
  const controller = new AbortController();
  // Every queued job listens to the run's signal; a wide graph easily queues more than the default ten.
  setMaxListeners(0, controller.signal);
  const done = executeRun(runId, options, deps, controller.signal).catch((error: unknown) => crashedRun(runId, options, deps, error));
  return { runId, done, cancel: () => controller.abort() };
}

/**
 * An engine bug (or a disk that refuses a write) must still end the run for the host: it gets a failed
 * result and a closing run-finished instead of a rejected promise.
 */
function crashedRun(runId: string, options: RunOptions, deps: RunDeps, error: unknown): RunResult {
  deps.debugLog(`run ${runId} crashed: ${(error as Error)?.stack ?? String(error)}`);
  const event: RunEvent = { type: 'run-finished', runId, at: Date.now(), ms: 0, status: 'failed', counts: { ran: 0, cached: 0, failed: 0, skipped: 0 } };
  try {
    deps.runs.record(event);
  } catch {
    // The runs database may be what failed; the host still hears the end of the run.
  }
  try {
    options.onEvent?.(event);
  } catch {
    // a throwing listener was already logged once
  }
  return { runId, status: 'failed', issues: [{ code: 'schema', message: `Error: ${(error as Error)?.message ?? String(error)}` }], events: [event], outputs: {} };
}

async function executeRun(runId: string, options: RunOptions, deps: RunDeps, signal: AbortSignal): Promise<RunResult> {
  const { registry, cache, runs } = deps;
  const graph = options.graph;
  const startedAt = Date.now();
  const events: RunEvent[] = [];
  const outputs: Record<string, Record<string, StoredOutput>> = {};
  const pinned: string[] = [];
  const counts = { ran: 0, cached: 0, failed: 0, skipped: 0 };
  const graphPath = options.graphPath ? path.resolve(options.graphPath) : undefined;
  const baseDir = graphPath ? path.dirname(graphPath) : path.resolve(options.baseDir ?? process.cwd());
  runs.startRun({ id: runId, graph, ...(graphPath ? { graphPath } : {}), startedAt });

  const emit = (event: RunEvent, stored?: Record<string, StoredOutput>) => {
    events.push(event);
    runs.record(event, stored);
    try {
      options.onEvent?.(event);
    } catch (error) {
      deps.debugLog(`onEvent listener threw: ${(error as Error).stack ?? String(error)}`);
    }
  };
  const summaries = (stored: Record<string, StoredOutput>) =>
    Object.fromEntries(Object.entries(stored).map(([port, o]) => [port, o.summary]));
  const finish = (status: RunResult['status'], issues: ValidationIssue[] = []): RunResult => {
    emit({ type: 'run-finished', runId, at: Date.now(), ms: Date.now() - startedAt, status, counts: { ...counts } });
    return { runId, status, issues, events, outputs };
  };

  const nodes = new Map<string, GraphNode>(graph.nodes.map((n) => [n.id, n]));
  const index = indexGraph(graph);
  const sinks = options.sinks ?? (options.until !== undefined ? [options.until] : index.ids);
  const needed = ancestorsOf(index, sinks);

  const { order } = topologicalOrder(index, needed);
  let keys: Map<string, KeyedNode>;
  try {
    keys = await cacheKeysOf({
      nodes,
      order,
      incoming: index.incoming,
      definitionOf: (type) => registry.get(type),
      graphSeed: graph.seed ?? 0,
      resolvePath: (p) => path.resolve(baseDir, p),
      hasher: deps.hasher,
    });
  } catch (error) {
    deps.debugLog(`computing cache keys failed: ${(error as Error).stack}`);
    emit({ type: 'run-started', runId, at: Date.now(), nodeIds: [], cachedNodeIds: [] });
    return finish('failed', [{ code: 'schema', message: `Error: ${(error as Error).message}` }]);
  }

  // Asked lazily by the planner, so only entries the run actually reads are looked up (and count as used).
  const hits = new Map<string, Record<string, StoredOutput> | undefined>();
  const isCached = (id: string): boolean => {
    if (options.noCache || nodes.get(id)!.bypass) return false;
    if (!hits.has(id)) hits.set(id, cache.lookup(keys.get(id)!.key)?.outputs);
    return hits.get(id) !== undefined;
  };
  const plan = planRun(index, order, sinks, isCached);
  const position = new Map(order.map((id, i) => [id, i]));
  const all = [...plan.cached, ...plan.run].sort((a, b) => position.get(a)! - position.get(b)!);
  emit({ type: 'run-started', runId, at: Date.now(), nodeIds: all, cachedNodeIds: plan.cached });

  const pin = (stored: Record<string, StoredOutput>) => {
    for (const o of Object.values(stored)) {
      deps.pinned.set(o.object, (deps.pinned.get(o.object) ?? 0) + 1);
      pinned.push(o.object);
    }
  };
  for (const id of plan.cached) {
    const stored = hits.get(id)!;
    outputs[id] = stored;
    pin(stored);
    counts.cached++;
    emit({ type: 'node-cached', runId, nodeId: id, at: Date.now(), outputs: summaries(stored) }, stored);
  }

  const status = await schedule({ runId, plan: plan.run, index, nodes, keys, outputs, baseDir, deps, signal, emit, counts, summaries, pin });

  for (const object of pinned) {
    const left = deps.pinned.get(object)! - 1;
    if (left > 0) deps.pinned.set(object, left);
    else deps.pinned.delete(object);
  }
  const result = finish(status);
  try {
    await cache.evict(new Set(deps.pinned.keys()));
  } catch (error) {
    deps.debugLog(`cache eviction failed: ${(error as Error).stack}`);
  }
  return result;
}

interface ScheduleArgs {
  runId: string;
  plan: string[];
  index: GraphIndex;
  nodes: Map<string, GraphNode>;
  keys: Map<string, KeyedNode>;
  outputs: Record<string, Record<string, StoredOutput>>;
  baseDir: string;
  deps: RunDeps;
  signal: AbortSignal;
  emit(event: RunEvent, stored?: Record<string, StoredOutput>): void;
  counts: { ran: number; cached: number; failed: number; skipped: number };
  summaries(stored: Record<string, StoredOutput>): Record<string, { type: string } & Record<string, unknown>>;
  pin(stored: Record<string, StoredOutput>): void;
}

/** Runs the planned nodes as their parents finish; resolves once every planned node has settled. */
function schedule(a: ScheduleArgs): Promise<RunResult['status']> {
  const { runId, index, nodes, keys, outputs, deps, emit, counts } = a;
  const planned = new Set(a.plan);
  const position = new Map(a.plan.map((id, i) => [id, i]));
  const waiting = new Map<string, number>();
  const settled = new Set<string>();
  const started = new Set<string>();
  let failed = false;

  for (const id of a.plan) {
    waiting.set(id, new Set((index.incoming.get(id) ?? []).map((e) => e.from.node).filter((p) => planned.has(p))).size);
  }

  return new Promise((resolve) => {
    const maybeDone = () => {
      if (settled.size === planned.size) resolve(a.signal.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded');
    };

    const skip = (ids: string[], reason: string) => {
      for (const id of ids.sort((x, y) => position.get(x)! - position.get(y)!)) {
        if (settled.has(id)) continue;
        settled.add(id);
        counts.skipped++;
        emit({ type: 'node-skipped', runId, nodeId: id, at: Date.now(), reason });
      }
    };

    /** Planned nodes downstream of `id`, following planned nodes only (a cached node cuts the path). */
    const plannedDescendants = (id: string): string[] => {
      const seen = new Set<string>();
      const stack = [id];
      while (stack.length) {
        for (const edge of index.outgoing.get(stack.pop()!) ?? []) {
          const child = edge.to.node;
          if (planned.has(child) && !seen.has(child)) {
            seen.add(child);
            stack.push(child);
          }
        }
      }
      return [...seen];
    };

    const succeeded = (id: string, stored: Record<string, StoredOutput>, ms: number) => {
      settled.add(id);
      outputs[id] = stored;
      a.pin(stored);
      counts.ran++;
      emit({ type: 'node-finished', runId, nodeId: id, at: Date.now(), ms, outputs: a.summaries(stored) }, stored);
      for (const child of new Set((index.outgoing.get(id) ?? []).map((e) => e.to.node))) {
        if (!planned.has(child) || settled.has(child)) continue;
        const left = waiting.get(child)! - 1;
        waiting.set(child, left);
        if (left === 0) launch(child);
      }
      maybeDone();
    };

    const failedNode = (id: string, error: string, ms: number) => {
      settled.add(id);
      failed = true;
      counts.failed++;
      // A node's message may quote a param as given (a path of any length); events stay readable.
      emit({ type: 'node-failed', runId, nodeId: id, at: Date.now(), ms, error: shorten(error, MAX_EVENT_MESSAGE_CHARS) });
      skip(plannedDescendants(id), `upstream node "${id}" failed`);
      maybeDone();
    };

    const launch = (id: string) => {
      if (a.signal.aborted || settled.has(id) || started.has(id)) return;
      started.add(id);
      const node = nodes.get(id)!;
      const def = deps.registry.get(node.type)!;
      const inputs: Record<string, StoredOutput | undefined> = {};
      for (const edge of index.incoming.get(id) ?? []) inputs[edge.to.port] = outputs[edge.from.node]?.[edge.from.port];

      if (node.bypass) {
        emit({ type: 'node-started', runId, nodeId: id, at: Date.now() });
        succeeded(id, bypassOutputs(def, inputs), 0);
        return;
      }
      const missing = Object.entries(def.inputs).find(([port, spec]) => spec.required && !inputs[port]);
      if (missing) {
        emit({ type: 'node-started', runId, nodeId: id, at: Date.now() });
        failedNode(id, `required input "${missing[0]}" got no value (its upstream node is bypassed and has no ${missing[1].type} to pass through)`, 0);
        return;
      }
      const keyed = keys.get(id)!;
      let startedAt = Date.now();
      const job = {
        nodeId: id,
        type: node.type,
        params: keyed.params,
        inputs: Object.fromEntries(Object.entries(inputs).flatMap(([port, o]) => (o ? [[port, o.object]] : []))),
        seed: keyed.seed,
        cacheKey: keyed.key,
        typeVersion: node.typeVersion,
        baseDir: a.baseDir,
      };
      void deps.pool
        .run(
          job,
          {
            onStart: () => {
              startedAt = Date.now();
              emit({ type: 'node-started', runId, nodeId: id, at: startedAt });
            },
            onProgress: (fraction, message) =>
              emit({ type: 'node-progress', runId, nodeId: id, at: Date.now(), fraction, ...(message !== undefined ? { message } : {}) }),
            onMetric: (name, value, step) => emit({ type: 'node-metric', runId, nodeId: id, at: Date.now(), name, value, step }),
            onLog: (level, message) => emit({ type: 'node-log', runId, nodeId: id, at: Date.now(), level, message }),
          },
          a.signal,
        )
        .then((result) => {
          const ms = Date.now() - startedAt;
          if (result.ok) {
            succeeded(id, result.outputs, ms);
          } else if (result.cancelled || a.signal.aborted) {
            // The engine's own reasons are shown ("cancelled (the node did not stop ...)", "the engine is
            // closed"); an error a node raised while being stopped (an AbortError) says only "cancelled".
            const reason = !result.cancelled || result.error === 'cancelled' ? 'run cancelled' : result.error.startsWith('cancelled') ? `run ${result.error}` : result.error;
            skip([id], reason);
            maybeDone();
          } else {
            if (result.stack) deps.debugLog(`node ${id} (${node.type}) failed:\n${result.stack}`);
            failedNode(id, result.error, ms);
          }
        });
    };

    a.signal.addEventListener(
      'abort',
      () => {
        // Nodes not started yet will never start; running ones settle through their job result.
        skip(a.plan.filter((id) => !started.has(id)), 'run cancelled');
        maybeDone();
      },
      { once: true },
    );
    if (a.signal.aborted) {
      skip([...a.plan], 'run cancelled');
      maybeDone();
      return;
    }
    for (const id of a.plan) if (waiting.get(id) === 0) launch(id);
    maybeDone();
  });
}

/** Appends to $home/logs/engine-debug.log: stacks and internal failures that users never see in events. */
export function debugLogger(home: string): (message: string) => void {
  const file = path.join(home, 'logs', 'engine-debug.log');
  return (message) => {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.appendFileSync(file, `${new Date().toISOString()} ${message}\n`);
    } catch {
      // The debug log is best effort; a read-only home must not fail a run.
    }
  };
}

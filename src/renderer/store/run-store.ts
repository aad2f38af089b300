// Run state for the canvas and the log panel, fed by the host's event stream.
import { create } from 'zustand';
import type { RunEvent } from '../../shared/events';
import type { Graph } from '../../shared/graph/schema';
import { applyRunEvent, beginRun, idleRunState, type RunState } from '../lib/run-state';

export interface RunStore extends RunState {
  /** True between pressing Run and the host answering with a run id. */
  starting: boolean;
  setStarting(starting: boolean): void;
  /** The graph as it was sent to the current run: results on the canvas belong to it. */
  ranGraph?: Graph;
  /** Nodes whose results no longer match the document (see lib/stale-results.ts). */
  stale: ReadonlySet<string>;
  setStale(stale: ReadonlySet<string>): void;
  /** Adopts a run id and replays events of that run that arrived before the id did. */
  begin(runId: string, graph?: Graph): void;
  receive(event: RunEvent): void;
  clear(): void;
}

/** Events can outrun the answer to `run.start`; they wait here, per run, until their run is known. */
const early = new Map<string, RunEvent[]>();

/**
 * A training node can send hundreds of progress and metric events a second. They are folded in batches, at
 * most one store update per FLUSH_MS, so the page stays responsive however chatty a node is.
 */
const FLUSH_MS = 50;
let queue: RunEvent[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

const NONE: ReadonlySet<string> = new Set();

export const useRun = create<RunStore>()((set, get) => ({
  ...idleRunState,
  starting: false,
  ranGraph: undefined,
  stale: NONE,
  setStale(stale) {
    // Most edits change nothing here; keeping the same set object spares every node a redraw.
    const current = get().stale;
    if (current.size === stale.size && [...stale].every((id) => current.has(id))) return;
    set({ stale });
  },
  setStarting(starting) {
    set({ starting });
  },
  begin(runId, graph) {
    let state: RunState = beginRun(runId);
    for (const event of early.get(runId) ?? []) state = applyRunEvent(state, event);
    early.clear();
    set({ ...state, starting: false, ranGraph: graph, stale: NONE });
  },
  receive(event) {
    const { runId, starting } = get();
    if (event.runId !== runId) {
      if (starting) early.set(event.runId, [...(early.get(event.runId) ?? []), event]);
      return;
    }
    queue.push(event);
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      const batch = queue;
      queue = [];
      set(batch.reduce(applyRunEvent, get() as RunState));
    }, FLUSH_MS);
  },
  clear() {
    early.clear();
    queue = [];
    set({ ...idleRunState, starting: false, ranGraph: undefined, stale: NONE });
  },
}));

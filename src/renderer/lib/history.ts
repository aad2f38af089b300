// The undo history as a pure value: a log of graph diffs with gesture boundaries. Every document edit is
// recorded; edits made while a gesture is open (a drag, a focused field) fold into one step, so undo takes back
// the whole gesture. Only the document graph is recorded: selection, viewport and run status never are.
import type { Graph } from '../../shared/graph/schema';
import { applyDiff, diffGraphs, type GraphDiff } from './graph-diff';

export interface History {
  undos: GraphDiff[];
  redos: GraphDiff[];
  /** An open gesture; `base` is the graph before its first edit, set once that edit is recorded. */
  gesture?: { base?: Graph };
}

/** Enough for any session of editing, and bounded so a long one does not grow without end. */
export const HISTORY_LIMIT = 500;

export const emptyHistory: History = { undos: [], redos: [] };

/** Records the edit `before` -> `after`; inside a gesture it replaces the gesture's step with the whole change. */
export function recordEdit(history: History, before: Graph, after: Graph): History {
  const { gesture } = history;
  if (gesture?.base) {
    const undos = history.undos.slice(0, -1);
    const diff = diffGraphs(gesture.base, after);
    return { undos: diff ? [...undos, diff] : undos, redos: [], gesture: diff ? gesture : { base: undefined } };
  }
  const diff = diffGraphs(before, after);
  if (!diff) return history;
  const undos = [...history.undos, diff].slice(-HISTORY_LIMIT);
  return { undos, redos: [], gesture: gesture ? { base: before } : undefined };
}

export function beginGesture(history: History): History {
  return history.gesture ? history : { ...history, gesture: {} };
}

export function endGesture(history: History): History {
  return history.gesture ? { undos: history.undos, redos: history.redos } : history;
}

/** The graph one step back, or undefined when there is nothing to undo. Ends an open gesture first. */
export function undo(history: History, graph: Graph): { history: History; graph: Graph } | undefined {
  const diff = history.undos[history.undos.length - 1];
  if (!diff) return undefined;
  return {
    history: { undos: history.undos.slice(0, -1), redos: [...history.redos, diff] },
    graph: applyDiff(graph, diff, 'backward'),
  };
}

export function redo(history: History, graph: Graph): { history: History; graph: Graph } | undefined {
  const diff = history.redos[history.redos.length - 1];
  if (!diff) return undefined;
  return {
    history: { undos: [...history.undos, diff], redos: history.redos.slice(0, -1) },
    graph: applyDiff(graph, diff, 'forward'),
  };
}

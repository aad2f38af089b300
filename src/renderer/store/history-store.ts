// Undo and redo of the open document. The history listens to the document store: every change of its graph
// is an edit to record, except the ones undo and redo make themselves; opening another graph starts afresh.
import { create } from 'zustand';
import { serializeGraph } from '../../shared/graph/serialize';
import type { Graph } from '../../shared/graph/schema';
import { useDocument } from './document-store';
import { beginGesture, emptyHistory, endGesture, recordEdit, redo, undo, type History } from '../lib/history';

export interface HistoryStoreState {
  history: History;
  canUndo: boolean;
  canRedo: boolean;
  undo(): void;
  redo(): void;
  /** Folds the edits until endGesture into one undo step (a drag, a slider, typing in one field). */
  beginGesture(): void;
  endGesture(): void;
}

const flags = (history: History) => ({ history, canUndo: history.undos.length > 0, canRedo: history.redos.length > 0 });

/** True while undo or redo writes the graph, so the listener below does not record that write. */
let applying = false;
/** The graph as last opened or saved, so undoing back to it clears the unsaved-changes marker. */
let savedGraph: Graph | undefined = useDocument.getState().dirty ? undefined : useDocument.getState().graph;

function step(move: typeof undo): void {
  const { history } = useHistory.getState();
  const doc = useDocument.getState();
  const result = move(endGesture(history), doc.graph);
  if (!result) return;
  applying = true;
  try {
    const dirty = !savedGraph || serializeGraph(result.graph) !== serializeGraph({ ...savedGraph, ui: { ...savedGraph.ui, viewport: result.graph.ui.viewport } });
    useDocument.setState({ graph: result.graph, dirty, revision: doc.revision + 1 });
  } finally {
    applying = false;
  }
  useHistory.setState(flags(result.history));
}

export const useHistory = create<HistoryStoreState>()((set, get) => ({
  ...flags(emptyHistory),
  undo: () => step(undo),
  redo: () => step(redo),
  beginGesture: () => set(flags(beginGesture(get().history))),
  endGesture: () => set(flags(endGesture(get().history))),
}));

useDocument.subscribe((now, before) => {
  // Whenever the document is clean its graph is the saved one; a document marked dirty without an edit (a
  // recovered draft) has no saved state to come back to.
  if (!now.dirty) savedGraph = now.graph;
  else if (!before.dirty && now.graph === before.graph) savedGraph = undefined;
  if (now.generation !== before.generation) {
    useHistory.setState(flags(emptyHistory));
    return;
  }
  if (applying || now.graph === before.graph) return;
  const { history } = useHistory.getState();
  const next = recordEdit(history, before.graph, now.graph);
  if (next !== history) useHistory.setState(flags(next));
});

// The editing commands of the canvas (clipboard, duplicate, layout, groups, notes, bypass, undo) over the React
// Flow instance and the stores, shared by the keyboard shortcuts and the toolbar.
import { useMemo } from 'react';
import { useReactFlow, type ReactFlowInstance } from '@xyflow/react';
import type { Graph } from '../../shared/graph/schema';
import { autoLayout, type Size } from '../lib/auto-layout';
import { addNote, createGroup, setBypass } from '../lib/canvas-edit';
import { copyFragment, fragmentText, parseFragment, pasteFragment } from '../lib/clipboard';
import { useCanvasUi } from '../store/canvas-ui-store';
import { useDocument } from '../store/document-store';
import { useHistory } from '../store/history-store';
import { useUi } from '../store/ui-store';
import { isAnnotationId } from './annotation-nodes';

/** How far each paste of the same text lands from the last, so copies never hide each other. */
export const PASTE_OFFSET = 40;
const FIT = { padding: 0.15, maxZoom: 1 };

// The last text put on the clipboard by the editor: the fallback when the system clipboard is not readable.
let copied: string | undefined;
let pasteCount = 0;

function selectedNodeIds(flow: ReactFlowInstance): string[] {
  return flow
    .getNodes()
    .filter((n) => n.selected && !isAnnotationId(n.id))
    .map((n) => n.id);
}

function viewCentre(flow: ReactFlowInstance): { x: number; y: number } {
  const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
  return rect ? flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }) : { x: 0, y: 0 };
}

/** Selects exactly `ids` once the canvas has drawn them (they come from a document edit a moment ago). */
function selectLater(flow: ReactFlowInstance, ids: string[]): void {
  const wanted = new Set(ids);
  requestAnimationFrame(() => {
    flow.setNodes((nodes) => nodes.map((n) => (Boolean(n.selected) === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })));
    useUi.getState().select(ids.length === 1 ? ids[0] : undefined);
  });
}

export function createCanvasCommands(flow: ReactFlowInstance) {
  const edit = (change: (graph: Graph) => Graph) => useDocument.getState().edit(change);

  const paste = (text: string | undefined): boolean => {
    const fragment = text ? parseFragment(text) : undefined;
    if (!fragment) return false;
    pasteCount = text === copied ? pasteCount + 1 : 1;
    copied = text;
    let ids: string[] = [];
    edit((g) => {
      const result = pasteFragment(g, fragment, { x: PASTE_OFFSET * pasteCount, y: PASTE_OFFSET * pasteCount });
      ids = result.nodeIds;
      return result.graph;
    });
    selectLater(flow, ids);
    return true;
  };

  return {
    selectedNodeIds: () => selectedNodeIds(flow),

    /** The selection as graph text (also kept for a paste when the system clipboard cannot be read). */
    copy(): string | undefined {
      const ids = selectedNodeIds(flow);
      if (ids.length === 0) return undefined;
      copied = fragmentText(copyFragment(useDocument.getState().graph, ids));
      pasteCount = 0;
      return copied;
    },

    /** Pastes graph text; without text, what the editor copied last. Returns false when it was not a graph. */
    paste: (text?: string) => paste(text ?? copied),

    duplicate(): void {
      const ids = selectedNodeIds(flow);
      if (ids.length === 0) return;
      let pasted: string[] = [];
      edit((g) => {
        const result = pasteFragment(g, copyFragment(g, ids), { x: PASTE_OFFSET, y: PASTE_OFFSET });
        pasted = result.nodeIds;
        return result.graph;
      });
      selectLater(flow, pasted);
    },

    selectAll(): void {
      flow.setNodes((nodes) => nodes.map((n) => (isAnnotationId(n.id) || n.selected ? n : { ...n, selected: true })));
    },

    layout(): void {
      const sizes: Record<string, Size> = {};
      for (const n of flow.getNodes()) if (n.measured?.width && n.measured.height) sizes[n.id] = { width: n.measured.width, height: n.measured.height };
      edit((g) => autoLayout(g, sizes));
      requestAnimationFrame(() => void flow.fitView(FIT));
    },

    fit: () => void flow.fitView(FIT),

    group(): void {
      const ids = selectedNodeIds(flow);
      if (ids.length === 0) return;
      edit((g) => createGroup(g, ids).graph);
    },

    addNote(at?: { x: number; y: number }): void {
      const position = at ?? viewCentre(flow);
      edit((g) => addNote(g, position).graph);
    },

    /** Bypasses the selected nodes, or brings them back when all of them are bypassed already. */
    toggleBypass(): void {
      const ids = selectedNodeIds(flow);
      if (ids.length === 0) return;
      const nodes = useDocument.getState().graph.nodes.filter((n) => ids.includes(n.id));
      const on = !nodes.every((n) => n.bypass === true);
      edit((g) => setBypass(g, ids, on));
    },

    openSearchAtCentre(): void {
      const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
      if (!rect) return;
      useCanvasUi.getState().openSearch({ at: { x: rect.width / 2 - 150, y: rect.height / 3 }, flow: viewCentre(flow) });
    },

    undo: () => useHistory.getState().undo(),
    redo: () => useHistory.getState().redo(),
  };
}

export type CanvasCommands = ReturnType<typeof createCanvasCommands>;

export function useCanvasCommands(): CanvasCommands {
  const flow = useReactFlow();
  return useMemo(() => createCanvasCommands(flow), [flow]);
}

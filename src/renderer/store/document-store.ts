// The open document: the graph exactly as it will be saved, where it came from, and whether it changed.
// Run state and selection live in their own stores so they never touch the document.
import { create } from 'zustand';
import type { LoadedGraph } from '../../shared/api/contract';
import type { ValidationIssue } from '../../shared/events';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph } from '../../shared/graph/serialize';

export interface DocumentState {
  graph: Graph;
  /** The graph file's path on the host: relative paths in params resolve against its folder. */
  path?: string;
  /** Where Save writes on the host's disk; unset for new documents and for examples (they open as copies). */
  saveTarget?: string;
  /** A file from a newer Condense: it can be viewed and downloaded, not saved over. */
  readOnly: boolean;
  dirty: boolean;
  /** Problems from the host's validation, shown on the nodes. */
  issues: ValidationIssue[];
  /** Bumped on every change of `graph`, so validation can skip answers to older versions. */
  revision: number;
  /** Bumped when another graph is opened (not on edits), so the canvas frames it once. */
  generation: number;

  replace(graph: Graph, from?: { path?: string; saveTarget?: string; readOnly?: boolean; issues?: ValidationIssue[] }): void;
  /** Applies a pure edit; an edit that returns the same graph changes nothing. */
  edit(change: (graph: Graph) => Graph): void;
  setIssues(issues: ValidationIssue[], revision: number): void;
  markSaved(saveTarget?: string): void;
}

export const useDocument = create<DocumentState>()((set, get) => ({
  graph: emptyGraph(),
  readOnly: false,
  dirty: false,
  issues: [],
  revision: 0,
  generation: 0,

  replace(graph, from = {}) {
    set({
      graph,
      path: from.path,
      saveTarget: from.saveTarget,
      readOnly: from.readOnly ?? false,
      issues: from.issues ?? [],
      dirty: false,
      revision: get().revision + 1,
      generation: get().generation + 1,
    });
  },

  edit(change) {
    const { graph, revision } = get();
    const next = change(graph);
    if (next === graph) return;
    set({ graph: next, dirty: true, revision: revision + 1 });
  },

  setIssues(issues, revision) {
    if (revision === get().revision) set({ issues });
  },

  markSaved(saveTarget) {
    set((s) => ({ dirty: false, saveTarget: saveTarget ?? s.saveTarget, path: saveTarget ?? s.path }));
  },
}));

export function loadedToDocument(loaded: LoadedGraph, saveTarget?: string): Parameters<DocumentState['replace']>[1] {
  return { path: loaded.path, saveTarget, readOnly: loaded.readOnly, issues: loaded.issues };
}

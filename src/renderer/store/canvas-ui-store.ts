// Display-only state of the canvas tools: the search popup, the minimap and the shortcuts panel. None of it is
// part of the document or of the undo history.
import { create } from 'zustand';
import type { WireEnd } from '../lib/node-search';

export interface NodeSearchRequest {
  /** Where the popup opens, relative to the canvas element. */
  at: { x: number; y: number };
  /** Where the chosen node goes, in flow coordinates. */
  flow: { x: number; y: number };
  /** A wire dropped on empty canvas: the new node is wired to this end. */
  wire?: WireEnd & { node: string; port: string };
}

export interface CanvasUiState {
  search?: NodeSearchRequest;
  minimap: boolean;
  help: boolean;
  openSearch(request: NodeSearchRequest): void;
  closeSearch(): void;
  toggleMinimap(): void;
  setHelp(open: boolean): void;
}

export const useCanvasUi = create<CanvasUiState>()((set) => ({
  minimap: true,
  help: false,
  openSearch: (search) => set({ search }),
  closeSearch: () => set({ search: undefined }),
  toggleMinimap: () => set((s) => ({ minimap: !s.minimap })),
  setHelp: (help) => set({ help }),
}));

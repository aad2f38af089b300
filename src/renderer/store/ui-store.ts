// Editor state that is neither document nor run: selection and transient messages.
import { create } from 'zustand';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface UiState {
  selectedNodeId?: string;
  toasts: Toast[];
  select(nodeId: string | undefined): void;
  toast(text: string, kind?: Toast['kind']): void;
  dismiss(id: number): void;
}

let nextToast = 1;
const TOAST_MS = 6000;

export const useUi = create<UiState>()((set, get) => ({
  toasts: [],
  select(selectedNodeId) {
    if (get().selectedNodeId !== selectedNodeId) set({ selectedNodeId });
  },
  toast(text, kind = 'info') {
    const id = nextToast++;
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
    setTimeout(() => get().dismiss(id), TOAST_MS);
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

// Right-click on a node: run up to it (only it and the ancestors it needs), or select it.
import { useEffect } from 'react';
import { create } from 'zustand';
import { useActions } from '../editor-actions';
import { useRun } from '../store/run-store';
import { useUi } from '../store/ui-store';

interface NodeMenuState {
  menu?: { nodeId: string; x: number; y: number };
  show(nodeId: string, x: number, y: number): void;
  hide(): void;
}

export const useNodeMenu = create<NodeMenuState>()((set) => ({
  show: (nodeId, x, y) => set({ menu: { nodeId, x, y } }),
  hide: () => set({ menu: undefined }),
}));

/** For React Flow's onNodeContextMenu: opens the menu at the pointer instead of the browser's. */
export function openNodeMenu(event: { preventDefault(): void; clientX: number; clientY: number }, node: { id: string }): void {
  event.preventDefault();
  useUi.getState().select(node.id);
  useNodeMenu.getState().show(node.id, event.clientX, event.clientY);
}

export function NodeContextMenu() {
  const menu = useNodeMenu((s) => s.menu);
  const hide = useNodeMenu((s) => s.hide);
  const running = useRun((s) => s.phase === 'running' || s.starting);
  const actions = useActions();
  useEffect(() => {
    if (!menu) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent && e.key !== 'Escape') return;
      if (e instanceof MouseEvent && (e.target as Element).closest?.('[data-testid="node-context-menu"]')) return;
      hide();
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
    };
  }, [menu, hide]);
  if (!menu) return null;
  return (
    <div className="menu context-menu" role="menu" style={{ left: menu.x, top: menu.y }} data-testid="node-context-menu">
      <button
        type="button"
        role="menuitem"
        className="menu-item"
        disabled={running}
        onClick={() => {
          hide();
          void actions.run(menu.nodeId);
        }}
        data-testid="context-run-until"
      >
        ▶ Run up to here
      </button>
    </div>
  );
}

// The editor's keyboard shortcuts, the clipboard events and the undo gestures of text fields, in one place, and
// the help panel that lists the shortcuts (so the list and the handlers cannot drift apart).
import { useEffect } from 'react';
import { useCanvasUi } from '../store/canvas-ui-store';
import { useHistory } from '../store/history-store';
import { useCanvasCommands, type CanvasCommands } from './canvas-commands';

const MOD = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl';

export interface Shortcut {
  keys: string;
  what: string;
  /** True when this key event is the shortcut. Absent for keys React Flow handles itself. */
  match?: (e: KeyboardEvent) => boolean;
  run?: (c: CanvasCommands) => void;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const key = (e: KeyboardEvent, k: string) => e.key.toLowerCase() === k;

export const SHORTCUTS: Shortcut[] = [
  { keys: `${MOD}+Z`, what: 'Undo', match: (e) => mod(e) && !e.shiftKey && key(e, 'z'), run: (c) => c.undo() },
  { keys: `${MOD}+Shift+Z, ${MOD}+Y`, what: 'Redo', match: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')), run: (c) => c.redo() },
  { keys: `${MOD}+C / ${MOD}+V`, what: 'Copy / paste the selected nodes (as graph JSON)' },
  { keys: `${MOD}+D`, what: 'Duplicate the selection', match: (e) => mod(e) && key(e, 'd'), run: (c) => c.duplicate() },
  { keys: `${MOD}+A`, what: 'Select all nodes', match: (e) => mod(e) && key(e, 'a'), run: (c) => c.selectAll() },
  { keys: `${MOD}+G`, what: 'Group the selection', match: (e) => mod(e) && key(e, 'g'), run: (c) => c.group() },
  { keys: `${MOD}+B`, what: 'Bypass the selected nodes (or bring them back)', match: (e) => mod(e) && key(e, 'b'), run: (c) => c.toggleBypass() },
  { keys: 'Delete, Backspace', what: 'Delete the selection' },
  { keys: 'Shift+drag', what: 'Box select; Shift+click adds to the selection' },
  { keys: 'Double-click canvas, Shift+A', what: 'Search and add a node', match: (e) => e.shiftKey && !mod(e) && key(e, 'a'), run: (c) => c.openSearchAtCentre() },
  { keys: 'Drop a wire on the canvas', what: 'Add a node that takes the wire' },
  { keys: 'N', what: 'Add a note', match: (e) => !mod(e) && !e.shiftKey && key(e, 'n'), run: (c) => c.addNote() },
  { keys: 'L', what: 'Auto-layout the graph', match: (e) => !mod(e) && !e.shiftKey && key(e, 'l'), run: (c) => c.layout() },
  { keys: 'F', what: 'Zoom to fit', match: (e) => !mod(e) && !e.shiftKey && key(e, 'f'), run: (c) => c.fit() },
  { keys: 'M', what: 'Show or hide the minimap', match: (e) => !mod(e) && !e.shiftKey && key(e, 'm'), run: () => useCanvasUi.getState().toggleMinimap() },
  { keys: '?', what: 'This list', match: (e) => e.key === '?', run: () => useCanvasUi.getState().setHelp(!useCanvasUi.getState().help) },
];

function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/**
 * Fields whose typing or dragging is one undo step per focus (text, numbers, sliders); toggles are one step
 * each. Search boxes are left out: what they add (a node per Enter) is one step per node.
 */
function isGestureField(target: EventTarget | null): boolean {
  const el = target as HTMLInputElement | null;
  if (!el || !el.tagName || el.closest('.node-search')) return false;
  if (el.tagName === 'TEXTAREA') return true;
  return el.tagName === 'INPUT' && ['text', 'number', 'range', 'url', ''].includes(el.type);
}

export function useEditingShortcuts(): void {
  const commands = useCanvasCommands();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target) || e.defaultPrevented) return;
      if (e.key === 'Escape') {
        useCanvasUi.getState().closeSearch();
        useCanvasUi.getState().setHelp(false);
        return;
      }
      const shortcut = SHORTCUTS.find((s) => s.match?.(e));
      if (!shortcut?.run) return;
      e.preventDefault();
      shortcut.run(commands);
    };
    // Copy and paste use the clipboard events, so the text reaches other tabs and files, and a paste needs no
    // permission prompt. Inside a text field they are left to the field.
    const onCopy = (e: ClipboardEvent) => {
      if (isEditable(e.target) || (window.getSelection()?.toString() ?? '') !== '') return;
      const text = commands.copy();
      if (!text || !e.clipboardData) return;
      e.clipboardData.setData('text/plain', text);
      e.preventDefault();
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target)) return;
      const text = e.clipboardData?.getData('text/plain');
      if (commands.paste(text || undefined)) e.preventDefault();
    };
    const onFocusIn = (e: FocusEvent) => {
      if (isGestureField(e.target)) useHistory.getState().beginGesture();
    };
    const onFocusOut = (e: FocusEvent) => {
      if (isGestureField(e.target)) useHistory.getState().endGesture();
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    document.addEventListener('focusin', onFocusIn);
    document.addEventListener('focusout', onFocusOut);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
      document.removeEventListener('focusin', onFocusIn);
      document.removeEventListener('focusout', onFocusOut);
    };
  }, [commands]);
}

export function ShortcutsHelp() {
  const open = useCanvasUi((s) => s.help);
  const setHelp = useCanvasUi((s) => s.setHelp);
  if (!open) return null;
  return (
    <div className="help-backdrop" onMouseDown={() => setHelp(false)}>
      <div className="help-panel" role="dialog" aria-label="Keyboard shortcuts" onMouseDown={(e) => e.stopPropagation()} data-testid="help-panel">
        <div className="help-head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" onClick={() => setHelp(false)} aria-label="Close" data-testid="help-close">
            ✕
          </button>
        </div>
        <table className="help-table">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Edit > Undo / Redo from the desktop app menu: a text field being typed in keeps its own undo; otherwise the graph's. */
export function undoFromMenu(command: 'undo' | 'redo'): void {
  if (isEditable(document.activeElement)) document.execCommand(command);
  else if (command === 'undo') useHistory.getState().undo();
  else useHistory.getState().redo();
}

// The editing buttons: undo, redo and the shortcuts list in the toolbar; layout, zoom to fit, minimap, group,
// note and bypass in a small bar on the canvas, next to what they act on.
import { Panel } from '@xyflow/react';
import { useCanvasUi } from '../store/canvas-ui-store';
import { useHistory } from '../store/history-store';
import { useCanvasCommands } from './canvas-commands';

const MOD = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl+';

export function EditingTools() {
  const commands = useCanvasCommands();
  const canUndo = useHistory((s) => s.canUndo);
  const canRedo = useHistory((s) => s.canRedo);
  const setHelp = useCanvasUi((s) => s.setHelp);
  return (
    <div className="toolbar-group editing-tools" data-testid="editing-tools">
      <button type="button" className="icon-button" onClick={commands.undo} disabled={!canUndo} title={`Undo (${MOD}Z)`} aria-label="Undo" data-testid="undo">
        ↶
      </button>
      <button type="button" className="icon-button" onClick={commands.redo} disabled={!canRedo} title={`Redo (${MOD}Shift+Z)`} aria-label="Redo" data-testid="redo">
        ↷
      </button>
      <button type="button" className="icon-button" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts" data-testid="help">
        ?
      </button>
    </div>
  );
}

export function CanvasTools() {
  const commands = useCanvasCommands();
  const minimap = useCanvasUi((s) => s.minimap);
  const toggleMinimap = useCanvasUi((s) => s.toggleMinimap);
  return (
    <Panel position="top-left" className="canvas-tools" data-testid="canvas-tools">
      <button type="button" onClick={commands.layout} title="Lay the graph out left to right (L)" data-testid="auto-layout">
        Layout
      </button>
      <button type="button" onClick={commands.fit} title="Zoom to fit (F)" data-testid="zoom-fit">
        Fit
      </button>
      <button type="button" onClick={toggleMinimap} aria-pressed={minimap} title="Minimap (M)" data-testid="toggle-minimap">
        Map
      </button>
      <span className="toolbar-sep" />
      <button type="button" onClick={commands.group} title={`Group the selected nodes (${MOD}G)`} data-testid="group-selection">
        Group
      </button>
      <button type="button" onClick={() => commands.addNote()} title="Add a note (N)" data-testid="add-note">
        Note
      </button>
      <button type="button" onClick={commands.toggleBypass} title={`Bypass the selected nodes (${MOD}B)`} data-testid="bypass">
        Bypass
      </button>
    </Panel>
  );
}

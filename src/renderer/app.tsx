// The editor shell: toolbar on top, palette | canvas | inspector, the run log below.
import { useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { ConnectionState, RendererApiClient } from './api/api-client';
import { ApiContext } from './api/api-context';
import { createEditorActions, EditorActionsContext, type EditorActions } from './editor-actions';
import { useDocument } from './store/document-store';
import { useRun } from './store/run-store';
import { Canvas } from './components/canvas';
import { Inspector } from './components/inspector';
import { Palette } from './components/palette';
import { BottomPanel } from './components/bottom-panel';
import { Toasts } from './components/toasts';
import { Toolbar } from './components/toolbar';
import { ShortcutsHelp, undoFromMenu, useEditingShortcuts } from './components/editing-shortcuts';
import { ExamplesGallery } from './components/examples-gallery';
import { ImageViewer } from './components/image-viewer';
import { RecoveryBanner } from './components/recovery-banner';
import { useAutosave } from './hooks/use-autosave';
import { useFileDrop } from './hooks/use-file-drop';
import { staleNodes } from './lib/stale-results';

/** Validation runs on the host a moment after the last edit rather than on every keystroke. */
const VALIDATE_DELAY_MS = 250;

function useHostWiring(api: RendererApiClient, actions: EditorActions): ConnectionState {
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const revision = useDocument((s) => s.revision);

  useEffect(() => api.onEvent((event) => useRun.getState().receive(event)), [api]);

  // The catalogue is (re)loaded whenever the connection opens, so a restarted host is picked up.
  useEffect(
    () =>
      api.onConnection((state) => {
        setConnection(state);
        if (state === 'open') void actions.loadCatalog().then(() => actions.openStartExample());
      }),
    [api, actions],
  );

  useEffect(() => {
    const timer = setTimeout(() => void actions.validate(), VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [revision, actions]);

  useEffect(
    () =>
      api.onMenu((menu) => {
        switch (menu.command) {
          case 'new':
            return actions.newDocument();
          case 'open':
            return void (menu.example ? actions.openExample({ path: menu.path }) : actions.openPath(menu.path));
          case 'save':
            return void (menu.path ? actions.saveAs(menu.path) : actions.save());
          case 'run':
            return void actions.run();
          case 'stop':
            return void actions.stop();
          case 'undo':
          case 'redo':
            return undoFromMenu(menu.command);
        }
      }),
    [api, actions],
  );

  useEffect(() => {
    // In Electron the app menu owns Ctrl+S; in a tab the page does, instead of the browser's "save page".
    const onKey = (e: KeyboardEvent) => {
      if (api.host === 'browser' && (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void actions.save();
      }
    };
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (useDocument.getState().dirty) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [api, actions]);

  return connection;
}

/** Keeps the run store's out-of-date marks in step with the document after each edit. */
function useStaleResults(): void {
  const graph = useDocument((s) => s.graph);
  const ranGraph = useRun((s) => s.ranGraph);
  useEffect(() => useRun.getState().setStale(ranGraph ? staleNodes(ranGraph, graph) : new Set()), [graph, ranGraph]);
}

function Editor({ api }: { api: RendererApiClient }) {
  const actions = useMemo(() => createEditorActions(api), [api]);
  const connection = useHostWiring(api, actions);
  useStaleResults();
  useEditingShortcuts();
  useAutosave(api);
  const fileOver = useFileDrop(actions);
  return (
    <EditorActionsContext.Provider value={actions}>
      <div className={`app${fileOver ? ' file-over' : ''}`}>
        <Toolbar connection={connection} />
        <RecoveryBanner connection={connection} />
        <div className="workspace">
          <Palette />
          <Canvas />
          <Inspector />
        </div>
        <BottomPanel />
        <Toasts />
        <ShortcutsHelp />
        <ExamplesGallery />
        <ImageViewer />
      </div>
    </EditorActionsContext.Provider>
  );
}

export function App({ api }: { api: RendererApiClient }) {
  return (
    <ApiContext.Provider value={api}>
      <ReactFlowProvider>
        <Editor api={api} />
      </ReactFlowProvider>
    </ApiContext.Provider>
  );
}

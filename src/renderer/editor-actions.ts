// What the toolbar, palette, canvas and menus do, in one place: each action talks to the host through the
// ApiClient and updates the stores. Components call these and hold no host logic of their own.
import { createContext, useContext } from 'react';
import type { AutosaveRecord, ExampleInfo, LoadedGraph } from '../shared/api/contract';
import type { ValidationIssue } from '../shared/events';
import { emptyGraph, serializeGraph } from '../shared/graph/serialize';
import type { RendererApiClient } from './api/api-client';
import { downloadText, pickSaveFile, writeFileHandle, type FileHandleLike } from './lib/file-access';
import { addNode, connect, moveNodes, removeElements, type Endpoint } from './lib/graph-edit';
import { loadedToDocument, useDocument } from './store/document-store';
import { useCatalog } from './store/catalog-store';
import { useRun } from './store/run-store';
import { useUi } from './store/ui-store';

/** `1 problem`, `3 problems`. */
export function problemCount(n: number): string {
  return `${n} problem${n === 1 ? '' : 's'}`;
}

/** An issue as one line that names where it is: `train · epochs: epochs must be at most 1000 (got 5000)`. */
export function describeIssue(issue: ValidationIssue): string {
  const where = [issue.nodeId, issue.param ?? issue.port].filter(Boolean).join(' · ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A file name from the graph name: `Inspect Fashion-MNIST` -> `inspect-fashion-mnist.condense.json`. */
export function fileNameOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug || 'untitled'}.condense.json`;
}

function confirmDiscard(): boolean {
  return !useDocument.getState().dirty || window.confirm('Discard the unsaved changes of this graph?');
}

/** What a first start shows instead of an empty canvas: a pipeline that runs with no files of the user's. */
export const START_EXAMPLE = 'inspect-fashion-mnist';

export function createEditorActions(api: RendererApiClient) {
  const toast = (text: string, kind?: 'info' | 'error') => useUi.getState().toast(text, kind);

  const show = (loaded: LoadedGraph, saveTarget?: string): boolean => {
    // A file that could not be read at all comes back without a graph; the open document stays.
    if (!loaded.graph) {
      toast(loaded.message ?? 'This file could not be opened.', 'error');
      return false;
    }
    useDocument.getState().replace(loaded.graph, loadedToDocument(loaded, saveTarget));
    useRun.getState().clear();
    useUi.getState().select(undefined);
    if (loaded.message) toast(loaded.message, loaded.readOnly ? 'error' : 'info');
    return true;
  };

  /** The file a browser tab's Save As picked, valid for the document it was picked for. */
  let fileHandle: { handle: FileHandleLike; generation: number } | undefined;

  const saveOnHost = async (path: string): Promise<void> => {
    try {
      const saved = await api.call('graph.save', { path, graph: useDocument.getState().graph });
      useDocument.getState().markSaved(saved.path);
      toast(`Saved ${saved.path}`);
    } catch (error) {
      toast(`Could not save ${path}: ${errorText(error)}`, 'error');
    }
  };

  return {
    async loadCatalog(): Promise<void> {
      try {
        const [descriptors, examples] = await Promise.all([api.call('nodes.list', {}), api.call('examples.list', {})]);
        useCatalog.getState().setDescriptors(descriptors);
        useCatalog.getState().setExamples(examples);
      } catch (error) {
        toast(`Could not load the node types: ${errorText(error)}`, 'error');
      }
    },

    /** Opens START_EXAMPLE once, and only while the document is the untouched empty one of a fresh start. */
    async openStartExample(): Promise<void> {
      const doc = useDocument.getState();
      if (doc.generation > 0 || doc.dirty || doc.graph.nodes.length > 0) return;
      const example = useCatalog.getState().examples.find((e) => e.path.endsWith(`${START_EXAMPLE}.condense.json`));
      if (example) await this.openExample(example);
    },

    async recent(): Promise<string[]> {
      try {
        return await api.call('recent.list', {});
      } catch {
        return [];
      }
    },

    newDocument(): void {
      if (!confirmDiscard()) return;
      useDocument.getState().replace(emptyGraph());
      useRun.getState().clear();
      useUi.getState().select(undefined);
    },

    /**
     * Examples open as copies: they keep their path so relative files resolve, but Save never writes into
     * the app's own example files.
     */
    async openExample(example: Pick<ExampleInfo, 'path'> & { name?: string }): Promise<void> {
      if (!confirmDiscard()) return;
      try {
        show(await api.call('graph.open', { path: example.path }));
      } catch (error) {
        toast(`Could not open ${example.name ?? example.path}: ${errorText(error)}`, 'error');
      }
    },

    async openPath(path: string): Promise<void> {
      if (!confirmDiscard()) return;
      try {
        const loaded = await api.call('graph.open', { path });
        show(loaded, loaded.readOnly ? undefined : (loaded.path ?? path));
      } catch (error) {
        toast(`Could not open ${path}: ${errorText(error)}`, 'error');
      }
    },

    async openFile(file: File): Promise<void> {
      if (!confirmDiscard()) return;
      try {
        show(await api.call('graph.parse', { text: await file.text() }));
      } catch (error) {
        toast(`Could not open ${file.name}: ${errorText(error)}`, 'error');
      }
    },

    /**
     * In a browser tab: downloads the canonical text, and also saves it on the host when the graph came from
     * a host path. In Electron: saves to the document's file, asking for one first if it has none.
     */
    async save(): Promise<void> {
      const { graph, saveTarget, readOnly } = useDocument.getState();
      if (api.host === 'browser') {
        if (fileHandle && fileHandle.generation === useDocument.getState().generation) {
          try {
            await writeFileHandle(fileHandle.handle, serializeGraph(graph));
            useDocument.getState().markSaved();
            toast(`Saved ${fileHandle.handle.name}`);
          } catch (error) {
            toast(`Could not save ${fileHandle.handle.name}: ${errorText(error)}`, 'error');
          }
          return;
        }
        downloadText(fileNameOf(graph.meta.name), serializeGraph(graph));
        if (!saveTarget || readOnly) {
          useDocument.getState().markSaved();
          return;
        }
        await saveOnHost(saveTarget);
        return;
      }
      const target = saveTarget && !readOnly ? saveTarget : await api.chooseSavePath?.(fileNameOf(graph.meta.name));
      if (target) await saveOnHost(target);
    },

    /** Save As: writes the graph to `path` on the host, which becomes the document's file. */
    async saveAs(path: string): Promise<void> {
      await saveOnHost(path);
    },

    /**
     * Save As from the toolbar. Electron: the native dialog. A browser tab: the File System Access picker
     * where it exists (later saves of this document go to the same file), else a download under a new name.
     */
    async saveAsDialog(): Promise<void> {
      const { graph } = useDocument.getState();
      const suggested = fileNameOf(graph.meta.name);
      if (api.host === 'electron') {
        const target = await api.chooseSavePath?.(suggested);
        if (target) await saveOnHost(target);
        return;
      }
      let handle: FileHandleLike | undefined;
      try {
        handle = await pickSaveFile(suggested);
      } catch (error) {
        toast(`Could not choose a file: ${errorText(error)}`, 'error');
        return;
      }
      if (handle) {
        try {
          await writeFileHandle(handle, serializeGraph(graph));
          fileHandle = { handle, generation: useDocument.getState().generation };
          useDocument.getState().markSaved();
          toast(`Saved ${handle.name}`);
        } catch (error) {
          toast(`Could not save ${handle.name}: ${errorText(error)}`, 'error');
        }
        return;
      }
      const name = window.prompt('Save as', suggested);
      if (!name) return;
      downloadText(name.endsWith('.json') ? name : `${name}.condense.json`, serializeGraph(graph));
      useDocument.getState().markSaved();
    },

    /** Asks before unsaved changes are lost; true when there are none or the user agrees. */
    confirmDiscard,

    /** An autosave left by an editor that did not close cleanly, if any. */
    async findRecovery(): Promise<AutosaveRecord | null> {
      try {
        return await api.call('autosave.read', {});
      } catch {
        return null;
      }
    },

    /**
     * Brings back autosaved work as an unsaved document, to the file it belonged to; work on an example keeps
     * the example's folder for relative paths but, as always for examples, no file to save over.
     */
    restoreRecovery(record: AutosaveRecord): void {
      const fromExample = useCatalog.getState().examples.some((e) => e.path === record.path);
      useDocument.getState().replace(record.graph, record.path ? { path: record.path, saveTarget: fromExample ? undefined : record.path } : {});
      // Still unsaved: the restored work is only on the host's autosave until the user saves it.
      useDocument.setState({ dirty: true });
      useRun.getState().clear();
      useUi.getState().select(undefined);
      toast('Restored the unsaved work.');
    },

    async discardRecovery(): Promise<void> {
      try {
        await api.call('autosave.clear', {});
      } catch {
        // Nothing to do: the next edit overwrites it anyway.
      }
    },

    /** Runs the graph; with `until`, only that node and the ancestors it needs (the engine plans from it). */
    async run(until?: string): Promise<void> {
      const run = useRun.getState();
      if (run.starting || run.phase === 'running') return;
      // Only a file of the user's own gives relative paths a folder: a new graph and an example copy have
      // none, so the host puts their files under $CONDENSE_HOME/outputs/<graph name>.
      const { graph, saveTarget } = useDocument.getState();
      run.setStarting(true);
      try {
        const started = await api.call('run.start', { graph, ...(saveTarget ? { path: saveTarget } : {}), ...(until ? { until } : {}) });
        if (started.refused) {
          // The host's check is the final word (the editor's may be a moment behind the last edit): its
          // issues go on the nodes, and nothing ran.
          useRun.getState().setStarting(false);
          const { revision } = useDocument.getState();
          useDocument.getState().setIssues(started.refused, revision);
          toast(`Not run: ${problemCount(started.refused.length)} to fix first (${describeIssue(started.refused[0])})`, 'error');
          return;
        }
        useRun.getState().begin(started.runId, graph);
      } catch (error) {
        useRun.getState().setStarting(false);
        toast(`Could not start the run: ${errorText(error)}`, 'error');
      }
    },

    async stop(): Promise<void> {
      const { runId, phase } = useRun.getState();
      if (!runId || phase !== 'running') return;
      try {
        await api.call('run.stop', { runId });
      } catch (error) {
        toast(`Could not stop the run: ${errorText(error)}`, 'error');
      }
    },

    async validate(): Promise<void> {
      const { graph, path, revision } = useDocument.getState();
      try {
        const issues = await api.call('graph.validate', path ? { graph, path } : { graph });
        useDocument.getState().setIssues(issues, revision);
      } catch {
        // Validation is advisory while editing; the run validates again and reports any problem.
      }
    },

    addNode(type: string, position: { x: number; y: number }): string | undefined {
      const descriptor = useCatalog.getState().byType.get(type);
      if (!descriptor) return undefined;
      let added: string | undefined;
      useDocument.getState().edit((graph) => {
        const result = addNode(graph, descriptor, position);
        added = result.nodeId;
        return result.graph;
      });
      useUi.getState().select(added);
      return added;
    },

    connect(from: Endpoint, to: Endpoint): boolean {
      const result = connect(useDocument.getState().graph, useCatalog.getState().byType, from, to);
      if (!result.ok) {
        toast(result.reason, 'error');
        return false;
      }
      useDocument.getState().edit(() => result.graph);
      return true;
    },

    remove(nodeIds: string[], edgeIds: string[]): void {
      useDocument.getState().edit((graph) => removeElements(graph, nodeIds, edgeIds));
      const selected = useUi.getState().selectedNodeId;
      if (selected && nodeIds.includes(selected)) useUi.getState().select(undefined);
    },

    move(positions: Record<string, { x: number; y: number }>): void {
      useDocument.getState().edit((graph) => moveNodes(graph, positions));
    },
  };
}

export type EditorActions = ReturnType<typeof createEditorActions>;

export const EditorActionsContext = createContext<EditorActions | null>(null);

export function useActions(): EditorActions {
  const actions = useContext(EditorActionsContext);
  if (!actions) throw new Error('useActions outside EditorActionsContext');
  return actions;
}

// The API contract implemented once over the engine. `condense serve` (WebSocket) and the Electron main
// process (IPC) both use it, so a method missing here fails to compile for both transports.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Engine, RunHandle } from '../engine/types';
import { unsavedGraphFolder } from '../engine/unsaved-outputs';
import type { ApiHandlers } from '../shared/api/contract';
import type { RunEvent } from '../shared/events';
import { clearAutosave, readAutosave, writeAutosave } from './autosave';
import { EXAMPLES_DIR, listExamples } from './examples';
import { listFolder } from './folder-listing';
import { defaultRoots, type PathRoots } from './path-roots';
import { addRecent, listRecent } from './settings';
import { appVersion } from './version';

export interface ApiHost {
  kind: 'electron' | 'browser';
  /** Receives every event of every run started through the API, in order. */
  emit(event: RunEvent): void;
  /** Relative paths from the renderer resolve against this folder (default: process.cwd()). */
  cwd?: string;
  /** Where the example graphs are (default: resources/examples). */
  examplesDir?: string;
  /**
   * The folders the page may list, open and save in (default: the user's home, cwd, the examples and
   * $CONDENSE_HOME). The Electron shell adds the folders the user picks in native dialogs.
   */
  roots?: PathRoots;
}

export interface HostApiHandlers extends ApiHandlers {
  /** Cancels every run still going and waits for them to end (window closed, server stopped). */
  stopAll(): Promise<void>;
}

export function createApiHandlers(engine: Engine, host: ApiHost): HostApiHandlers {
  const running = new Map<string, RunHandle>();
  const resolve = (file: string) => path.resolve(host.cwd ?? process.cwd(), file);
  const examplesDir = path.resolve(host.examplesDir ?? EXAMPLES_DIR);
  const roots = host.roots ?? defaultRoots({ cwd: host.cwd ?? process.cwd(), condenseHome: engine.home, examplesDir });

  return {
    'app.info': async () => ({ version: appVersion(), host: host.kind, home: engine.home, platform: process.platform }),
    'nodes.list': async () => engine.registry.descriptors(),
    'examples.list': async () => listExamples(host.examplesDir),
    'recent.list': async () => listRecent(engine.home),
    'graph.open': async ({ path: file }) => {
      const absolute = roots.check(resolve(file), 'open');
      // Graphs are JSON files; refusing other names keeps parse errors from quoting a private file's start.
      if (!absolute.endsWith('.json')) throw new Error(`open ${absolute}: refused, a graph is a .condense.json file`);
      const loaded = await engine.loadGraphFile(absolute);
      // Recent files are the user's own: not examples, and not paths that could not be read.
      const isExample = path.dirname(absolute) === examplesDir;
      if (!isExample && existsSync(absolute)) await addRecent(engine.home, absolute);
      return loaded;
    },
    'graph.parse': async ({ text, path: file }) => engine.loadGraphText(text, file === undefined ? undefined : resolve(file)),
    'graph.validate': async ({ graph, path: file }) => engine.validate(graph, file === undefined ? undefined : resolve(file)),
    'graph.save': async ({ path: file, graph }) => {
      const saved = await engine.saveGraphFile(roots.check(resolve(file), 'save'), graph);
      await addRecent(engine.home, saved.path);
      return saved;
    },
    'run.start': async ({ graph, path: file, until, noCache }) => {
      const handle = engine.run({
        graph,
        graphPath: file === undefined ? undefined : resolve(file),
        // An unsaved graph writes its relative outputs under $CONDENSE_HOME, never into the host's cwd.
        ...(file === undefined ? { baseDir: unsavedGraphFolder(engine.home, graph.meta.name) } : {}),
        until,
        noCache,
        onEvent: (event) => host.emit(event),
      });
      if (handle.refused) return { refused: handle.refused };
      running.set(handle.runId, handle);
      // A failed or cancelled run is reported through its events; here it only leaves the table.
      void handle.done.catch(() => undefined).finally(() => running.delete(handle.runId));
      return { runId: handle.runId };
    },
    'run.stop': async ({ runId }) => {
      const handle = running.get(runId);
      if (!handle) return { stopped: false };
      handle.cancel();
      return { stopped: true };
    },
    'runs.list': async () => engine.listRuns(),
    'runs.get': async ({ runId }) => {
      const record = engine.getRun(runId);
      if (!record) throw new Error(`No run with id "${runId}".`);
      return record;
    },
    'autosave.write': async ({ graph, path: file }) => {
      const record = await writeAutosave(engine.home, { graph, path: file === undefined ? undefined : resolve(file) });
      return { savedAt: record.savedAt };
    },
    'autosave.read': async () => readAutosave(engine.home),
    'autosave.clear': async () => ({ cleared: await clearAutosave(engine.home) }),
    'files.list': async ({ dir }) => {
      const listing = await listFolder(roots.check(resolve(dir ?? '.'), 'list'));
      // The picker walks up through `parent`; it stops at the edge of the roots.
      if (listing.parent === undefined || roots.allows(listing.parent)) return listing;
      return { dir: listing.dir, entries: listing.entries };
    },
    'artifacts.read': async ({ sha256 }) => {
      const artifact = await engine.readArtifact(sha256);
      return { mime: artifact.mime, base64: Buffer.from(artifact.data).toString('base64') };
    },
    stopAll: async () => {
      const handles = [...running.values()];
      for (const handle of handles) handle.cancel();
      await Promise.allSettled(handles.map((handle) => handle.done));
    },
  };
}

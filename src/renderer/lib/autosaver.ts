// Autosave of the unsaved document to the host: written AUTOSAVE_DELAY_MS after the last edit (one write
// per pause in editing, not one per keystroke), and forgotten as soon as the document is clean again
// (saved, or discarded by opening another). Recovery on start reads what was left behind.
import type { Graph } from '../../shared/graph/schema';

export const AUTOSAVE_DELAY_MS = 1000;

export interface AutosaveSnapshot {
  graph: Graph;
  dirty: boolean;
  revision: number;
  /** The document's file (its Save target, or the example it was opened from), when it has one. */
  path?: string;
}

export interface AutosaveTarget {
  write(document: { graph: Graph; path?: string }): Promise<unknown>;
  clear(): Promise<unknown>;
}

export interface Autosaver {
  /** Call with the document after every change; cheap when nothing changed. */
  update(snapshot: AutosaveSnapshot): void;
  /** Writes a pending change now (the window is closing). */
  flush(): void;
  dispose(): void;
}

export function createAutosaver(target: AutosaveTarget, delayMs = AUTOSAVE_DELAY_MS): Autosaver {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: AutosaveSnapshot | undefined;
  let lastRevision: number | undefined;
  let wasDirty = false;
  // Host errors are not the user's concern while editing: the next edit tries again.
  const quietly = (p: Promise<unknown>) => void p.catch(() => undefined);

  const write = () => {
    timer = undefined;
    if (!pending) return;
    const { graph, path } = pending;
    pending = undefined;
    quietly(target.write(path ? { graph, path } : { graph }));
  };

  return {
    update(snapshot) {
      if (snapshot.revision === lastRevision && snapshot.dirty === wasDirty) return;
      lastRevision = snapshot.revision;
      if (!snapshot.dirty) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        pending = undefined;
        if (wasDirty) quietly(target.clear());
        wasDirty = false;
        return;
      }
      wasDirty = true;
      pending = snapshot;
      if (timer) clearTimeout(timer);
      timer = setTimeout(write, delayMs);
    },
    flush() {
      if (timer) clearTimeout(timer);
      write();
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}

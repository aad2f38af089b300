// Types of `window.condense`, the bridge the preload script exposes to the renderer in Electron.
// Types and channel names only, no runtime imports: the renderer may import it, and the sandboxed preload
// bundle stays self-contained.
import type { ApiClient } from '../shared/api/contract';

/**
 * What the app menu asks the renderer to do. Native dialogs already ran in the main process and paths are
 * absolute; a renderer that only reads `command` still does the right kind of thing.
 */
export type MenuCommand =
  | { command: 'new' }
  /** Open…, Open Recent, or an example (`example: true`: open as a new, unsaved copy). */
  | { command: 'open'; path: string; example?: boolean }
  /** Without `path`: save to the document's path (a document without one asks `chooseSavePath`). With `path`: Save As. */
  | { command: 'save'; path?: string }
  | { command: 'run' }
  | { command: 'stop' }
  /** Edit > Undo / Redo: the graph history, or the focused text field's own undo while typing. */
  | { command: 'undo' }
  | { command: 'redo' };

export interface CondenseBridge extends ApiClient {
  onMenu(listener: (command: MenuCommand) => void): () => void;
  /** The native save dialog; undefined when the user cancels. */
  chooseSavePath(suggestedName?: string): Promise<string | undefined>;
}

/** IPC channel names shared by main and preload. */
export const CHANNELS = {
  call: 'condense:call',
  event: 'condense:event',
  menu: 'condense:menu',
  chooseSavePath: 'condense:choose-save-path',
} as const;

/** What the main process answers to a call: errors travel as data so the message reaches the renderer intact. */
export type CallReply = { ok: true; result: unknown } | { ok: false; error: string };

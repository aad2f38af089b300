// The one API contract between the renderer and a host. Electron IPC (src/main + src/preload) and the
// WebSocket server of `condense serve` (src/cli/serve) both implement `ApiHandlers`; a missing handler is a
// compile error, and every request is validated against `api[method].input` at the boundary.
import { z } from 'zod';
import type { NodeDescriptor } from '../node-descriptor';
import type { RunEvent, ValidationIssue } from '../events';
import { graphSchema, type Graph } from '../graph/schema';

function call<I extends z.ZodType, O>(input: I) {
  return { input, output: undefined as unknown as O };
}

export interface LoadedGraph {
  /** Absolute path when the graph came from disk. */
  path?: string;
  graph: Graph;
  /** Structured problems: unknown node types (kept as placeholders), bad params, missing inputs, ... */
  issues: ValidationIssue[];
  /** True when the file is from a newer Condense: it may be viewed but not saved over. */
  readOnly: boolean;
  /** A one-line explanation for the user when something was migrated, repaired or refused. */
  message?: string;
}

export interface ExampleInfo {
  name: string;
  path: string;
  description: string;
}

export interface RunSummaryRow {
  id: string;
  graphName: string;
  graphPath?: string;
  startedAt: number;
  finishedAt?: number;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  counts: { ran: number; cached: number; failed: number; skipped: number };
}

export interface RunRecord extends RunSummaryRow {
  graph: Graph;
  events: RunEvent[];
  metrics: { nodeId: string; name: string; step: number; value: number }[];
  outputs: { nodeId: string; port: string; object: string; summary: Record<string, unknown> }[];
}

/** The unsaved document as the renderer last sent it, kept on the host so a crash does not lose it. */
export interface AutosaveRecord {
  graph: Graph;
  /** The document's file, when it has one. */
  path?: string;
  /** Milliseconds since the epoch when the host wrote it. */
  savedAt: number;
}

export interface FolderListing {
  /** Absolute path of the folder listed. */
  dir: string;
  /** Its parent, absent at the root. */
  parent?: string;
  /** Folders first, then files, each sorted by name; hidden entries (a leading dot) left out. */
  entries: { name: string; kind: 'file' | 'folder' }[];
}

export interface AppInfo {
  version: string;
  host: 'electron' | 'browser';
  home: string;
  platform: string;
}

const empty = z.object({}).strict();
const pathInput = z.object({ path: z.string().min(1) }).strict();

export const api = {
  'app.info': call<typeof empty, AppInfo>(empty),
  'nodes.list': call<typeof empty, NodeDescriptor[]>(empty),
  'examples.list': call<typeof empty, ExampleInfo[]>(empty),
  'recent.list': call<typeof empty, string[]>(empty),
  /** Reads, migrates and validates a graph file on the host's disk. */
  'graph.open': call<typeof pathInput, LoadedGraph>(pathInput),
  /** Migrates and validates graph text the renderer already has (file picker, drag and drop, paste). */
  'graph.parse': call<z.ZodObject<{ text: z.ZodString; path: z.ZodOptional<z.ZodString> }>, LoadedGraph>(
    z.object({ text: z.string(), path: z.string().optional() }).strict(),
  ),
  'graph.validate': call<z.ZodObject<{ graph: typeof graphSchema; path: z.ZodOptional<z.ZodString> }>, ValidationIssue[]>(
    z.object({ graph: graphSchema, path: z.string().optional() }).strict(),
  ),
  /** Atomic save (temp file, fsync, rename) of the canonical text; returns what was written. */
  'graph.save': call<
    z.ZodObject<{ path: z.ZodString; graph: typeof graphSchema }>,
    { path: string; bytes: number; text: string }
  >(z.object({ path: z.string().min(1), graph: graphSchema }).strict()),
  /**
   * Starts a run; progress arrives as `RunEvent`s on the event channel. An invalid graph is refused with its
   * issues (nothing starts, nothing is recorded). Without `path`, relative paths resolve against
   * $CONDENSE_HOME/outputs/<graph name>.
   */
  'run.start': call<
    z.ZodObject<{
      graph: typeof graphSchema;
      path: z.ZodOptional<z.ZodString>;
      until: z.ZodOptional<z.ZodString>;
      noCache: z.ZodOptional<z.ZodBoolean>;
    }>,
    { runId: string; refused?: undefined } | { runId?: undefined; refused: ValidationIssue[] }
  >(
    z
      .object({ graph: graphSchema, path: z.string().optional(), until: z.string().optional(), noCache: z.boolean().optional() })
      .strict(),
  ),
  'run.stop': call<z.ZodObject<{ runId: z.ZodString }>, { stopped: boolean }>(z.object({ runId: z.string() }).strict()),
  'runs.list': call<typeof empty, RunSummaryRow[]>(empty),
  'runs.get': call<z.ZodObject<{ runId: z.ZodString }>, RunRecord>(z.object({ runId: z.string() }).strict()),
  /** Keeps the unsaved document under $CONDENSE_HOME/autosave (atomic write); the newest write wins. */
  'autosave.write': call<z.ZodObject<{ graph: typeof graphSchema; path: z.ZodOptional<z.ZodString> }>, { savedAt: number }>(
    z.object({ graph: graphSchema, path: z.string().optional() }).strict(),
  ),
  /** The autosaved document, or null when there is none or its file was saved after it. */
  'autosave.read': call<typeof empty, AutosaveRecord | null>(empty),
  /** Forgets the autosave (after a save, or when the user declines to restore it). */
  'autosave.clear': call<typeof empty, { cleared: boolean }>(empty),
  /** A folder on the host, for choosing files and folders for path params. Default: the graph's folder, else the host's. */
  'files.list': call<z.ZodObject<{ dir: z.ZodOptional<z.ZodString> }>, FolderListing>(z.object({ dir: z.string().optional() }).strict()),
  /** A node's artifact (e.g. a PNG sample grid) by content hash. */
  'artifacts.read': call<z.ZodObject<{ sha256: z.ZodString }>, { mime: string; base64: string }>(
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  ),
} as const;

export type ApiMethod = keyof typeof api;
export type ApiInput<M extends ApiMethod> = z.infer<(typeof api)[M]['input']>;
export type ApiOutput<M extends ApiMethod> = (typeof api)[M]['output'];

/** Implemented by every host. The mapped type makes a missing method a compile error. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutput<M>> };

/** What the renderer calls; the same shape over IPC and over WebSocket. */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
  onEvent(listener: (event: RunEvent) => void): () => void;
}

export class ApiInputError extends Error {
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'ApiInputError';
  }
}

/** Validates a request at the boundary; throws ApiInputError naming the method and the bad field. */
export function parseApiInput<M extends ApiMethod>(method: string, input: unknown): { method: M; input: ApiInput<M> } {
  if (!Object.hasOwn(api, method)) throw new ApiInputError(method, 'unknown method');
  const result = (api as Record<string, { input: z.ZodType }>)[method].input.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    throw new ApiInputError(method, `${first.path.join('.') || 'input'}: ${first.message}`);
  }
  return { method: method as M, input: result.data as ApiInput<M> };
}

/** Wire messages of the WebSocket transport. */
export type WireRequest = { id: number; method: string; input: unknown };
export type WireMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: RunEvent };

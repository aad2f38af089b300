// The engine's public surface, used by the CLI, `condense serve` and the Electron main process.
import type { Graph } from '../shared/graph/schema';
import type { RunEvent, ValidationIssue } from '../shared/events';
import type { NodeDefinition, NodeDescriptor } from '../shared/node-sdk';
import type { LoadedGraph, RunRecord, RunSummaryRow } from '../shared/api/contract';

export interface EngineOptions {
  /** Everything kept between runs lives here: cache/, runs.sqlite, settings.json. Default $CONDENSE_HOME or ~/.condense. */
  home?: string;
  /** Extra folders holding `<name>/index.ts` node packs (tests use a no-op pack). nodes/ is always loaded. */
  nodeDirs?: string[];
  /** Worker threads running node jobs. Default: number of cores. */
  workers?: number;
  /** Cache size cap in bytes; least recently used entries are evicted beyond it. Default 10 GiB. */
  cacheMaxBytes?: number;
  /**
   * The built-in node folder. Default: the repository's nodes/ (found from this source file), or
   * $CONDENSE_NODES_DIR when a bundled host ships it elsewhere. `false` loads only `nodeDirs`.
   */
  nodesDir?: string | false;
  /** The worker thread's entry module. Default: worker-entry.mjs beside this file (override in bundles). */
  workerEntry?: string;
}

export interface RunOptions {
  graph: Graph;
  /** The graph file's path; relative paths in params resolve against its folder. */
  graphPath?: string;
  /** Where relative paths resolve when there is no graphPath (an unsaved graph); default: cwd. */
  baseDir?: string;
  /** Run only what these nodes need (default: every node). */
  sinks?: string[];
  /** Same as sinks = [until]: run up to this node. */
  until?: string;
  /** Ignore cached outputs (they are still written for next time). */
  noCache?: boolean;
  /** Called for every event, in order. */
  onEvent?: (event: RunEvent) => void;
}

export interface StoredOutput {
  /** sha256 of the serialized value in the object store. */
  object: string;
  bytes: number;
  summary: Record<string, unknown> & { type: string };
}

export interface RunResult {
  runId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  /** Set when the graph was invalid and nothing ran. */
  issues: ValidationIssue[];
  events: RunEvent[];
  /** nodeId -> port -> stored output, for every node that ran or was cached. */
  outputs: Record<string, Record<string, StoredOutput>>;
}

export interface RunHandle {
  runId: string;
  /**
   * Set when the graph is invalid for this run (issues on the nodes it needs, or an unknown sink): the run
   * never started, sent no events and is not recorded; `done` resolves failed with the same issues.
   */
  refused?: ValidationIssue[];
  done: Promise<RunResult>;
  cancel(): void;
}

export interface Registry {
  get(type: string): NodeDefinition | undefined;
  descriptors(): NodeDescriptor[];
  types(): string[];
}

export interface Engine {
  home: string;
  registry: Registry;
  /** Parse + file-level migration + per-node param migrations + validation. Never throws on bad input. */
  loadGraphText(text: string, path?: string): LoadedGraph;
  loadGraphFile(path: string): Promise<LoadedGraph>;
  /** Canonical text, written atomically (temp + fsync + rename). */
  saveGraphFile(path: string, graph: Graph): Promise<{ path: string; bytes: number; text: string }>;
  validate(graph: Graph, graphPath?: string): ValidationIssue[];
  run(options: RunOptions): RunHandle;
  /** Deserializes a stored output (a Dataset, a Report, ...). */
  readObject(sha256: string): Promise<unknown>;
  readArtifact(sha256: string): Promise<{ mime: string; data: Uint8Array }>;
  /** Newest first. A run whose process died (kill -9) reads as cancelled with `interrupted: true`. */
  listRuns(): (RunSummaryRow & { interrupted?: true })[];
  getRun(runId: string): (RunRecord & { interrupted?: true }) | undefined;
  close(): Promise<void>;
}

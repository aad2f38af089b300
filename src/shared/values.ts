// Plain, serialisable shapes of values that flow between nodes and that the renderer shows.
// Heavy values (datasets, models) live in the engine's object store; the renderer only ever sees summaries
// and artifact references.

/** A content-addressed blob written by a node (a PNG, a JSON table, an ONNX file). */
export interface ArtifactRef {
  kind: 'artifact';
  sha256: string;
  name: string;
  mime: string;
  bytes: number;
}

/** A table of rows for metrics and reports. */
export interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** A pass/fail verdict shown on the node (a deployment budget: "latency 3.1 ms <= 5 ms"). */
export interface Badge {
  label: string;
  ok: boolean;
  /** What was measured against what was asked, and by how much it missed. */
  detail: string;
}

/** The `Report` port type: what a node wants a person to look at. */
export interface Report {
  kind: 'report';
  title: string;
  images: ArtifactRef[];
  tables: Table[];
  text?: string;
  badges?: Badge[];
}

/**
 * The `DeployPackage` port type: a folder written for a target (model files, generated code, manifest,
 * report), described by what is in it.
 */
export interface DeployPackage {
  kind: 'deploy-package';
  /** Target profile id (`resources/targets/<id>.json` or a user file). */
  target: string;
  precision: 'fp32' | 'fp16' | 'int8';
  /** Absolute path of the folder on disk. */
  folder: string;
  files: { path: string; bytes: number; sha256: string }[];
}

/** The `Metrics` port type: named scalars plus optional tables. */
export interface Metrics {
  kind: 'metrics';
  values: Record<string, number>;
  tables: Table[];
}

/** A short JSON summary of one output, for events, the run record and the node on the canvas. */
export type OutputSummary = Record<string, unknown> & { type: string };

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

/** The `Report` port type: what a node wants a person to look at. */
export interface Report {
  kind: 'report';
  title: string;
  images: ArtifactRef[];
  tables: Table[];
  text?: string;
}

/** The `Metrics` port type: named scalars plus optional tables. */
export interface Metrics {
  kind: 'metrics';
  values: Record<string, number>;
  tables: Table[];
}

/** A short JSON summary of one output, for events, the run record and the node on the canvas. */
export type OutputSummary = Record<string, unknown> & { type: string };

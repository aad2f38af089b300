// Streamed metric curves (loss, accuracy, ...) per node and name, for the charts on the nodes, in the charts
// panel and in the run comparison. A curve keeps a bounded number of points: past the limit every other
// point is dropped, so a long run keeps its whole shape at half the resolution instead of only its tail.

export interface MetricPoint {
  step: number;
  value: number;
}

/** Curves of one node: metric name -> points in arrival order. */
export type NodeSeries = Record<string, MetricPoint[]>;

export const SERIES_LIMIT = 1000;

export function appendPoint(points: readonly MetricPoint[] | undefined, point: MetricPoint, limit = SERIES_LIMIT): MetricPoint[] {
  const next = [...(points ?? []), point];
  if (next.length <= limit) return next;
  // Keep the newest point exactly: the last value is what the node and the comparison show.
  const thinned = next.filter((_, i) => i % 2 === 0);
  if (thinned[thinned.length - 1] !== point) thinned.push(point);
  return thinned;
}

/** Curves of every node from a recorded run's metric rows. */
export function seriesOfRecord(metrics: readonly { nodeId: string; name: string; step: number; value: number }[]): Record<string, NodeSeries> {
  const out: Record<string, NodeSeries> = {};
  for (const m of metrics) {
    const node = (out[m.nodeId] ??= {});
    node[m.name] = appendPoint(node[m.name], { step: m.step, value: m.value });
  }
  return out;
}

/** The last value of every curve, keyed `nodeId/name`. */
export function lastValuesOf(series: Record<string, NodeSeries>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [nodeId, curves] of Object.entries(series)) {
    for (const [name, points] of Object.entries(curves)) {
      if (points.length > 0) out.set(`${nodeId}/${name}`, points[points.length - 1].value);
    }
  }
  return out;
}

// Two recorded runs side by side: which params differ per node (from the graph snapshots each run kept) and
// how the last value of each metric moved.
import type { Graph } from '../../shared/graph/schema';
import { lastValuesOf, seriesOfRecord } from './metric-series';

export interface ParamDiff {
  nodeId: string;
  /** A param name, or `(node)` when the node exists in one run only, or `(type)` when its type changed. */
  param: string;
  a?: string;
  b?: string;
}

export interface MetricDiff {
  nodeId: string;
  name: string;
  a?: number;
  b?: number;
  /** b - a, when both runs have the metric. */
  delta?: number;
}

/** JSON of a value with object keys sorted, so `{a:1,b:2}` and `{b:2,a:1}` compare equal. */
export function canonicalText(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v,
  );
}

export function paramDiffsOf(a: Graph, b: Graph): ParamDiff[] {
  const diffs: ParamDiff[] = [];
  const nodesB = new Map(b.nodes.map((n) => [n.id, n]));
  const ids = [...new Set([...a.nodes.map((n) => n.id), ...b.nodes.map((n) => n.id)])].sort();
  const nodesA = new Map(a.nodes.map((n) => [n.id, n]));
  for (const id of ids) {
    const na = nodesA.get(id);
    const nb = nodesB.get(id);
    if (!na || !nb) {
      diffs.push({ nodeId: id, param: '(node)', a: na ? na.type : undefined, b: nb ? nb.type : undefined });
      continue;
    }
    if (na.type !== nb.type) diffs.push({ nodeId: id, param: '(type)', a: na.type, b: nb.type });
    const names = [...new Set([...Object.keys(na.params), ...Object.keys(nb.params)])].sort();
    for (const name of names) {
      const va = canonicalText(na.params[name]);
      const vb = canonicalText(nb.params[name]);
      if (va !== vb) diffs.push({ nodeId: id, param: name, a: name in na.params ? va : undefined, b: name in nb.params ? vb : undefined });
    }
  }
  return diffs;
}

type MetricRow = { nodeId: string; name: string; step: number; value: number };

export function metricDiffsOf(a: readonly MetricRow[], b: readonly MetricRow[]): MetricDiff[] {
  const lastA = lastValuesOf(seriesOfRecord(a));
  const lastB = lastValuesOf(seriesOfRecord(b));
  const keys = [...new Set([...lastA.keys(), ...lastB.keys()])].sort();
  return keys.map((key) => {
    const slash = key.indexOf('/');
    const va = lastA.get(key);
    const vb = lastB.get(key);
    return {
      nodeId: key.slice(0, slash),
      name: key.slice(slash + 1),
      a: va,
      b: vb,
      delta: va !== undefined && vb !== undefined ? vb - va : undefined,
    };
  });
}

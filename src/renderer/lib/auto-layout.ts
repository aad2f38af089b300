// Auto-layout: the DAG in layers from left to right. A node's layer is its longest path from a source, so every
// wire points right; within a layer nodes are ordered by the mean row of what feeds them (a few barycentre
// sweeps), which keeps wires short and mostly uncrossed for pipeline-shaped graphs.
import type { Graph } from '../../shared/graph/schema';
import { moveNodes } from './graph-edit';

export interface Size {
  width: number;
  height: number;
}

export const LAYOUT_GAP = { x: 80, y: 40 };
/** Used for a node whose size the canvas has not measured yet. */
const DEFAULT_SIZE: Size = { width: 250, height: 160 };

/** Layer index per node id by longest path from the sources; wires of a cycle (invalid anyway) are ignored. */
export function layersOf(graph: Graph): Map<string, number> {
  const incoming = new Map<string, string[]>();
  const ids = new Set(graph.nodes.map((n) => n.id));
  for (const e of graph.edges) {
    if (ids.has(e.from.node) && ids.has(e.to.node)) incoming.set(e.to.node, [...(incoming.get(e.to.node) ?? []), e.from.node]);
  }
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const layerOf = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const l = Math.max(-1, ...(incoming.get(id) ?? []).map(layerOf)) + 1;
    visiting.delete(id);
    layer.set(id, l);
    return l;
  };
  for (const n of graph.nodes) layerOf(n.id);
  return layer;
}

/** Top-left positions for every node, with the layout's top-left at `origin`. */
export function layoutPositions(
  graph: Graph,
  sizes: Readonly<Record<string, Size>>,
  origin: { x: number; y: number } = { x: 0, y: 0 },
): Record<string, { x: number; y: number }> {
  const layer = layersOf(graph);
  const columns: string[][] = [];
  // Start from the current vertical order, so a layout of an already tidy graph keeps its rows.
  const currentY = (id: string) => graph.ui.positions[id]?.[1] ?? 0;
  for (const n of [...graph.nodes].sort((a, b) => currentY(a.id) - currentY(b.id) || (a.id < b.id ? -1 : 1))) {
    const l = layer.get(n.id) ?? 0;
    (columns[l] ??= []).push(n.id);
  }
  const preds = new Map<string, string[]>();
  for (const e of graph.edges) preds.set(e.to.node, [...(preds.get(e.to.node) ?? []), e.from.node]);
  for (let sweep = 0; sweep < 4; sweep++) {
    const row = new Map<string, number>();
    for (const column of columns) {
      if (!column) continue;
      const keyed = column.map((id, i) => {
        const ps = (preds.get(id) ?? []).filter((p) => row.has(p));
        return { id, key: ps.length > 0 ? ps.reduce((s, p) => s + row.get(p)!, 0) / ps.length : i };
      });
      keyed.sort((a, b) => a.key - b.key);
      column.splice(0, column.length, ...keyed.map((k) => k.id));
      column.forEach((id, i) => row.set(id, i));
    }
  }
  const sizeOf = (id: string) => sizes[id] ?? DEFAULT_SIZE;
  const heights = columns.map((c) => (c ?? []).reduce((h, id) => h + sizeOf(id).height, 0) + LAYOUT_GAP.y * ((c?.length ?? 1) - 1));
  const tallest = Math.max(0, ...heights);
  const result: Record<string, { x: number; y: number }> = {};
  let x = origin.x;
  columns.forEach((column, l) => {
    if (!column) return;
    let y = origin.y + (tallest - heights[l]) / 2;
    for (const id of column) {
      result[id] = { x, y };
      y += sizeOf(id).height + LAYOUT_GAP.y;
    }
    x += Math.max(...column.map((id) => sizeOf(id).width)) + LAYOUT_GAP.x;
  });
  return result;
}

/** The graph with every node laid out, its top-left kept where the graph's top-left was. */
export function autoLayout(graph: Graph, sizes: Readonly<Record<string, Size>>): Graph {
  const placed = graph.nodes.map((n) => graph.ui.positions[n.id]).filter((p): p is [number, number] => p !== undefined);
  const origin = placed.length > 0 ? { x: Math.min(...placed.map((p) => p[0])), y: Math.min(...placed.map((p) => p[1])) } : { x: 0, y: 0 };
  return moveNodes(graph, layoutPositions(graph, sizes, origin));
}

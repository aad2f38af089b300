// Which nodes show results that no longer match the graph: after a param change (or a rewire, a bypass,
// a new graph seed) a node keeps its last outputs on the canvas, and everything downstream of the change
// is marked out of date until the next run. Pure: the graph as it was run and the graph now in, ids out.
import type { Graph, GraphNode } from '../../shared/graph/schema';

/** What decides a node's outputs by itself, as the engine's cache key sees it (ui and ids aside). */
function ownSignature(node: GraphNode, graph: Graph): string {
  const inputs = graph.edges
    .filter((e) => e.to.node === node.id)
    .map((e) => `${e.to.port}<-${e.from.node}.${e.from.port}`)
    .sort();
  return JSON.stringify([node.type, node.typeVersion, node.params, node.bypass === true, inputs, graph.seed ?? 0]);
}

/**
 * Nodes of `now` whose own signature differs from `ran`'s, or that are downstream of one that does. A node
 * that was not in `ran` is not listed: it has no results to be stale.
 */
export function staleNodes(ran: Graph, now: Graph): Set<string> {
  const before = new Map(ran.nodes.map((n) => [n.id, ownSignature(n, ran)]));
  const nodes = new Map(now.nodes.map((n) => [n.id, n]));
  const parents = new Map<string, string[]>();
  for (const e of now.edges) parents.set(e.to.node, [...(parents.get(e.to.node) ?? []), e.from.node]);
  const memo = new Map<string, boolean>();
  const isStale = (id: string): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    // Provisional answer while visiting, so a cycle (refused by validation anyway) cannot recurse forever.
    memo.set(id, false);
    const node = nodes.get(id);
    const changed = node !== undefined && before.has(id) && before.get(id) !== ownSignature(node, now);
    const result = changed || (parents.get(id) ?? []).some((parent) => nodes.has(parent) && isStale(parent));
    memo.set(id, result);
    return result;
  };
  return new Set(now.nodes.map((n) => n.id).filter((id) => before.has(id) && isStale(id)));
}

// Copy and paste as graph JSON: the clipboard holds a valid `condense.graph` document with the copied nodes and
// the wires between them, so it pastes into another graph, another tab, or saves as a file of its own.
import { graphSchema, type Graph, type GraphEdge, type GraphNode } from '../../shared/graph/schema';
import { emptyGraph, serializeGraph } from '../../shared/graph/serialize';
import { uniqueNodeId } from './graph-edit';

/** The fragment of `graph` made of `nodeIds`: those nodes, the edges among them, their ui entries and groups. */
export function copyFragment(graph: Graph, nodeIds: Iterable<string>): Graph {
  const ids = new Set(nodeIds);
  const base = emptyGraph(graph.meta.name);
  const nodes = graph.nodes.filter((n) => ids.has(n.id));
  const kept = new Set(nodes.map((n) => n.id));
  const positions = Object.fromEntries(Object.entries(graph.ui.positions).filter(([id]) => kept.has(id)));
  const labels = graph.ui.labels ? Object.fromEntries(Object.entries(graph.ui.labels).filter(([id]) => kept.has(id))) : {};
  // A group comes along only when all of its nodes do; a half-copied frame would surprise.
  const groups = graph.ui.groups.filter((g) => g.nodeIds.length > 0 && g.nodeIds.every((id) => kept.has(id)));
  return {
    ...base,
    nodes: structuredClone(nodes),
    edges: structuredClone(graph.edges.filter((e) => kept.has(e.from.node) && kept.has(e.to.node))),
    ui: {
      ...base.ui,
      positions: structuredClone(positions),
      groups: structuredClone(groups),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    },
  };
}

export function fragmentText(fragment: Graph): string {
  return serializeGraph(fragment);
}

/** The graph in clipboard text, or undefined when the text is not a graph document (then it is not ours). */
export function parseFragment(text: string): Graph | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = graphSchema.safeParse(json);
  return parsed.success && parsed.data.nodes.length > 0 ? parsed.data : undefined;
}

function uniqueId(taken: Set<string>, prefix: string): string {
  for (let i = 1; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/**
 * Adds the fragment's nodes to `graph` under fresh ids (`inspect` -> `inspect-2` when taken), with their wires
 * re-pointed, positions moved by `offset` and groups copied. Returns the new node ids.
 */
export function pasteFragment(
  graph: Graph,
  fragment: Graph,
  offset: { x: number; y: number },
): { graph: Graph; nodeIds: string[] } {
  const rename = new Map<string, string>();
  let work: Graph = graph;
  const nodes: GraphNode[] = [];
  for (const node of fragment.nodes) {
    const id = uniqueNodeId(work, node.id);
    rename.set(node.id, id);
    const copy = { ...structuredClone(node), id };
    nodes.push(copy);
    work = { ...work, nodes: [...work.nodes, copy] };
  }
  const edgeIds = new Set(graph.edges.map((e) => e.id));
  const edges: GraphEdge[] = [];
  for (const e of fragment.edges) {
    const from = rename.get(e.from.node);
    const to = rename.get(e.to.node);
    if (!from || !to) continue;
    const id = uniqueId(edgeIds, 'e');
    edgeIds.add(id);
    edges.push({ id, from: { node: from, port: e.from.port }, to: { node: to, port: e.to.port } });
  }
  const positions = { ...graph.ui.positions };
  for (const [old, id] of rename) {
    const p = fragment.ui.positions[old];
    if (p) positions[id] = [Math.round(p[0] + offset.x), Math.round(p[1] + offset.y)];
  }
  const groupIds = new Set(graph.ui.groups.map((g) => g.id));
  const groups = fragment.ui.groups.map((g) => {
    const id = uniqueId(groupIds, 'group-');
    groupIds.add(id);
    return { ...structuredClone(g), id, nodeIds: g.nodeIds.flatMap((n) => (rename.has(n) ? [rename.get(n)!] : [])) };
  });
  const ui = { ...graph.ui, positions, groups: groups.length > 0 ? [...graph.ui.groups, ...groups] : graph.ui.groups };
  const labels = Object.entries(fragment.ui.labels ?? {}).filter(([id]) => rename.has(id));
  if (labels.length > 0) ui.labels = { ...graph.ui.labels, ...Object.fromEntries(labels.map(([id, l]) => [rename.get(id)!, l])) };
  return {
    graph: { ...graph, nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges], ui },
    nodeIds: nodes.map((n) => n.id),
  };
}

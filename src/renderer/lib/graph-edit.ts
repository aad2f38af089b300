// Pure edits of the document graph. The store applies them; they never mutate their input, so a later undo
// history can keep the previous graphs as they are.
import type { Graph, GraphEdge, GraphNode } from '../../shared/graph/schema';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { portCompatibility } from '../../shared/port-types';

export interface Endpoint {
  node: string;
  port: string;
}

export type Catalog = ReadonlyMap<string, NodeDescriptor>;

/** `base`, or `base-2`, `base-3`, ... : the first id not yet taken by a node. */
export function uniqueNodeId(graph: Graph, base: string): string {
  const clean = base.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '') || 'node';
  const taken = new Set(graph.nodes.map((n) => n.id));
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.has(`${clean}-${i}`)) return `${clean}-${i}`;
}

function uniqueEdgeId(graph: Graph): string {
  const taken = new Set(graph.edges.map((e) => e.id));
  for (let i = 1; ; i++) if (!taken.has(`e${i}`)) return `e${i}`;
}

/**
 * A node id that reads like the node: its title as a slug (`Evaluate` -> `evaluate`, `Train (supervised)`
 * -> `train-supervised`), so logs and the CLI name nodes the way the canvas does. The type's last segment
 * (`condense.model.create` -> `create`) often names the action, not the node, so it is only the fallback.
 */
export function baseIdOf(descriptor: Pick<NodeDescriptor, 'type' | 'title'>): string {
  const slug = descriptor.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug) return slug;
  const parts = descriptor.type.split('.');
  return parts[parts.length - 1] || descriptor.type;
}

/** Integer positions keep saved files short and stable under tiny drags. */
function roundXY(position: { x: number; y: number }): [number, number] {
  return [Math.round(position.x), Math.round(position.y)];
}

export function addNode(
  graph: Graph,
  descriptor: NodeDescriptor,
  position: { x: number; y: number },
): { graph: Graph; nodeId: string } {
  const nodeId = uniqueNodeId(graph, baseIdOf(descriptor));
  const node: GraphNode = {
    id: nodeId,
    type: descriptor.type,
    typeVersion: descriptor.version,
    params: structuredClone(descriptor.defaults ?? {}),
  };
  return {
    nodeId,
    graph: {
      ...graph,
      nodes: [...graph.nodes, node],
      ui: { ...graph.ui, positions: { ...graph.ui.positions, [nodeId]: roundXY(position) } },
    },
  };
}

/** True when `to` already reaches `from`, so a wire from -> to would close a loop. */
export function wouldCreateCycle(graph: Graph, from: string, to: string): boolean {
  if (from === to) return true;
  const next = new Map<string, string[]>();
  for (const e of graph.edges) next.set(e.from.node, [...(next.get(e.from.node) ?? []), e.to.node]);
  const seen = new Set<string>();
  const stack = [to];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === from) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

export type ConnectResult = { ok: true; graph: Graph; edgeId: string; replaced?: string } | { ok: false; reason: string };

/**
 * Wires an output to an input. An input holds one edge, so a new wire replaces the old one; a wire the port
 * types refuse, or one that would make a cycle, is refused with a reason a person can read.
 */
export function connect(graph: Graph, catalog: Catalog, from: Endpoint, to: Endpoint): ConnectResult {
  const source = graph.nodes.find((n) => n.id === from.node);
  const target = graph.nodes.find((n) => n.id === to.node);
  if (!source || !target) return { ok: false, reason: 'one end of the wire is not in the graph' };
  const sourceType = catalog.get(source.type);
  const targetType = catalog.get(target.type);
  if (!sourceType) return { ok: false, reason: `${source.id} has an unknown node type (${source.type})` };
  if (!targetType) return { ok: false, reason: `${target.id} has an unknown node type (${target.type})` };
  const out = sourceType.outputs[from.port];
  const input = targetType.inputs[to.port];
  if (!out) return { ok: false, reason: `${sourceType.title} has no output "${from.port}"` };
  if (!input) return { ok: false, reason: `${targetType.title} has no input "${to.port}"` };
  if (source.id === target.id) return { ok: false, reason: 'a node cannot feed itself' };
  const compatible = portCompatibility(out, input);
  if (!compatible.ok) return { ok: false, reason: `Cannot connect ${from.port} to ${to.port}: ${compatible.reason}` };
  if (wouldCreateCycle(graph, source.id, target.id)) {
    return { ok: false, reason: `Cannot connect ${source.id} to ${target.id}: the wire would make a cycle` };
  }
  const previous = graph.edges.find((e) => e.to.node === to.node && e.to.port === to.port);
  const kept = graph.edges.filter((e) => e !== previous);
  if (previous && previous.from.node === from.node && previous.from.port === from.port) {
    return { ok: true, graph, edgeId: previous.id };
  }
  const edgeId = uniqueEdgeId({ ...graph, edges: kept });
  const edge: GraphEdge = { id: edgeId, from: { ...from }, to: { ...to } };
  return { ok: true, graph: { ...graph, edges: [...kept, edge] }, edgeId, replaced: previous?.id };
}

/** Removes nodes (with their wires and their ui entries) and edges. */
export function removeElements(graph: Graph, nodeIds: Iterable<string>, edgeIds: Iterable<string>): Graph {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return graph;
  const positions = Object.fromEntries(Object.entries(graph.ui.positions).filter(([id]) => !nodes.has(id)));
  const ui = { ...graph.ui, positions };
  if (graph.ui.labels) ui.labels = Object.fromEntries(Object.entries(graph.ui.labels).filter(([id]) => !nodes.has(id)));
  if (nodes.size > 0 && graph.ui.groups.length > 0) {
    ui.groups = graph.ui.groups.map((g) => ({ ...g, nodeIds: g.nodeIds.filter((id) => !nodes.has(id)) }));
  }
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !nodes.has(n.id)),
    edges: graph.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.from.node) && !nodes.has(e.to.node)),
    ui,
  };
}

/** Stores positions; returns the same graph when nothing moved so an idle drag does not dirty the document. */
export function moveNodes(graph: Graph, moved: Record<string, { x: number; y: number }>): Graph {
  let changed = false;
  const positions = { ...graph.ui.positions };
  for (const [id, p] of Object.entries(moved)) {
    const next = roundXY(p);
    const prev = positions[id];
    if (prev && prev[0] === next[0] && prev[1] === next[1]) continue;
    positions[id] = next;
    changed = true;
  }
  return changed ? { ...graph, ui: { ...graph.ui, positions } } : graph;
}

export function setParam(graph: Graph, nodeId: string, key: string, value: unknown): Graph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) => (n.id === nodeId ? { ...n, params: { ...n.params, [key]: value } } : n)),
  };
}

export function renameGraph(graph: Graph, name: string): Graph {
  return { ...graph, meta: { ...graph.meta, name } };
}

/**
 * Where a node without a stored position is drawn: a simple left-to-right layering by longest path from the
 * sources. It is only used for display; the document keeps no position until the user moves the node.
 */
export function fallbackPositions(graph: Graph): Record<string, [number, number]> {
  const depth = new Map<string, number>();
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) incoming.set(e.to.node, [...(incoming.get(e.to.node) ?? []), e.from.node]);
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const d = Math.max(-1, ...(incoming.get(id) ?? []).map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const result: Record<string, [number, number]> = {};
  for (const n of graph.nodes) {
    const d = depthOf(n.id);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    result[n.id] = [d * 320, row * 220];
  }
  return result;
}

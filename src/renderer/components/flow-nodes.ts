// The bridge between the document graph and React Flow's node and edge lists. React Flow keeps its own
// per-node state (measured size, selection, drag); the graph stays the source of truth for what exists and
// where it sits.
import type { Edge, Node } from '@xyflow/react';
import type { Graph } from '../../shared/graph/schema';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { PORT_STYLE } from '../../shared/port-types';
import { fallbackPositions } from '../lib/graph-edit';

export type FlowNode = Node<{ type: string }, 'condense'>;

export function syncFlowNodes(graph: Graph, previous: FlowNode[]): FlowNode[] {
  const before = new Map(previous.map((n) => [n.id, n]));
  const missing = graph.nodes.some((n) => !graph.ui.positions[n.id]);
  const fallback = missing ? fallbackPositions(graph) : {};
  return graph.nodes.map((node) => {
    const [x, y] = graph.ui.positions[node.id] ?? fallback[node.id] ?? [0, 0];
    const prev = before.get(node.id);
    if (prev && prev.data.type === node.type) {
      // A node being dragged keeps the position React Flow gives it until the drag ends and is stored.
      if (prev.dragging || (prev.position.x === x && prev.position.y === y)) return prev;
      return { ...prev, position: { x, y } };
    }
    return { id: node.id, type: 'condense', position: { x, y }, data: { type: node.type } };
  });
}

export function flowEdgesOf(graph: Graph, catalog: ReadonlyMap<string, NodeDescriptor>, selected: ReadonlySet<string>): Edge[] {
  const typeOfNode = new Map(graph.nodes.map((n) => [n.id, n.type]));
  return graph.edges.map((edge) => {
    const port = catalog.get(typeOfNode.get(edge.from.node) ?? '')?.outputs[edge.from.port];
    const color = port ? PORT_STYLE[port.type].color : PORT_STYLE.Any.color;
    return {
      id: edge.id,
      source: edge.from.node,
      sourceHandle: edge.from.port,
      target: edge.to.node,
      targetHandle: edge.to.port,
      selected: selected.has(edge.id),
      style: { stroke: color, strokeWidth: selected.has(edge.id) ? 3 : 2 },
      data: { portType: port?.type ?? 'Any' },
    };
  });
}

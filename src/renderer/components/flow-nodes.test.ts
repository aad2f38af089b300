import { describe, expect, it } from 'vitest';
import { emptyGraph } from '../../shared/graph/serialize';
import type { Graph } from '../../shared/graph/schema';
import { flowEdgesOf, syncFlowNodes, type FlowNode } from './flow-nodes';

function graphOf(positions: Record<string, [number, number]>): Graph {
  const g = emptyGraph();
  return {
    ...g,
    nodes: [
      { id: 'a', type: 't.a', typeVersion: 1, params: {} },
      { id: 'b', type: 't.b', typeVersion: 1, params: {} },
    ],
    edges: [{ id: 'e1', from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } }],
    ui: { ...g.ui, positions },
  };
}

describe('flow nodes from the graph', () => {
  it('keeps React Flow state (size, selection) across syncs and follows stored positions', () => {
    const first = syncFlowNodes(graphOf({ a: [0, 0], b: [300, 0] }), []);
    const measured: FlowNode[] = first.map((n) => ({ ...n, measured: { width: 250, height: 120 }, selected: n.id === 'a' }));
    const again = syncFlowNodes(graphOf({ a: [0, 0], b: [400, 10] }), measured);
    expect(again[0]).toBe(measured[0]);
    expect(again[1]).toMatchObject({ position: { x: 400, y: 10 }, measured: { width: 250, height: 120 } });
  });

  it('leaves a node being dragged where the drag has it', () => {
    const dragging: FlowNode[] = syncFlowNodes(graphOf({ a: [0, 0], b: [300, 0] }), []).map((n) => ({ ...n, dragging: n.id === 'b', position: n.id === 'b' ? { x: 350, y: 50 } : n.position }));
    expect(syncFlowNodes(graphOf({ a: [0, 0], b: [300, 0] }), dragging)[1].position).toEqual({ x: 350, y: 50 });
  });

  it('places nodes without a stored position without storing one, and drops removed nodes', () => {
    const g = graphOf({});
    const nodes = syncFlowNodes(g, []);
    expect(nodes[0].position.x).toBeLessThan(nodes[1].position.x);
    expect(g.ui.positions).toEqual({});
    expect(syncFlowNodes({ ...g, nodes: g.nodes.slice(1), edges: [] }, nodes).map((n) => n.id)).toEqual(['b']);
  });

  it('wires edges to port handles, coloured by the output type when known', () => {
    const catalog = new Map([['t.a', { outputs: { out: { type: 'Model' } } }]]) as never;
    const [edge] = flowEdgesOf(graphOf({}), catalog, new Set(['e1']));
    expect(edge).toMatchObject({ id: 'e1', source: 'a', sourceHandle: 'out', target: 'b', targetHandle: 'in', selected: true, style: { stroke: '#1971c2' } });
  });
});

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph } from '../../shared/graph/serialize';
import { copyFragment, fragmentText, parseFragment, pasteFragment } from './clipboard';

//   a --> b --> c
function graphOf(): Graph {
  const g = emptyGraph('src');
  return {
    ...g,
    nodes: ['a', 'b', 'c'].map((id) => ({ id, type: 't.x', typeVersion: 1, params: { v: id } })),
    edges: [
      { id: 'e1', from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } },
      { id: 'e2', from: { node: 'b', port: 'out' }, to: { node: 'c', port: 'in' } },
    ],
    ui: { ...g.ui, positions: { a: [0, 0], b: [300, 0], c: [600, 0] }, labels: { b: 'Bee' }, groups: [{ id: 'group-1', title: 'AB', nodeIds: ['a', 'b'] }] },
  };
}

describe('clipboard fragments', () => {
  it('copies the chosen nodes with the edges among them only, as a valid graph document', () => {
    const fragment = copyFragment(graphOf(), ['a', 'b']);
    expect(fragment.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(fragment.edges.map((e) => e.id)).toEqual(['e1']);
    expect(fragment.ui.positions).toEqual({ a: [0, 0], b: [300, 0] });
    expect(fragment.ui.groups.map((g) => g.title)).toEqual(['AB']);
    expect(fragment.ui.labels).toEqual({ b: 'Bee' });
    expect(parseFragment(fragmentText(fragment))).toEqual(fragment);
  });

  it('leaves out a group that is only partly copied', () => {
    expect(copyFragment(graphOf(), ['b', 'c']).ui.groups).toEqual([]);
  });

  it('pastes under fresh ids, keeps the inner wire, offsets positions', () => {
    const g = graphOf();
    const { graph, nodeIds } = pasteFragment(g, copyFragment(g, ['a', 'b']), { x: 40, y: 40 });
    expect(nodeIds).toEqual(['a-2', 'b-2']);
    expect(new Set(graph.nodes.map((n) => n.id)).size).toBe(5);
    const ids = graph.edges.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(graph.edges[graph.edges.length - 1]).toEqual({ id: 'e3', from: { node: 'a-2', port: 'out' }, to: { node: 'b-2', port: 'in' } });
    expect(graph.ui.positions['a-2']).toEqual([40, 40]);
    expect(graph.ui.positions['b-2']).toEqual([340, 40]);
    expect(graph.ui.labels).toEqual({ b: 'Bee', 'b-2': 'Bee' });
    expect(graph.ui.groups.map((gr) => [gr.id, gr.nodeIds])).toEqual([
      ['group-1', ['a', 'b']],
      ['group-2', ['a-2', 'b-2']],
    ]);
    expect(graph.nodes.find((n) => n.id === 'a-2')!.params).toEqual({ v: 'a' });
    // The source graph is untouched.
    expect(g.nodes).toHaveLength(3);
  });

  it('pastes twice without clashing ids', () => {
    const g = graphOf();
    const fragment = copyFragment(g, ['c']);
    const once = pasteFragment(g, fragment, { x: 0, y: 0 }).graph;
    const twice = pasteFragment(once, fragment, { x: 0, y: 0 });
    expect(twice.nodeIds).toEqual(['c-3']);
  });

  it('rejects text that is not a graph document', () => {
    expect(parseFragment('hello')).toBeUndefined();
    expect(parseFragment('{"format":"other"}')).toBeUndefined();
    expect(parseFragment(fragmentText(emptyGraph()))).toBeUndefined();
  });
});

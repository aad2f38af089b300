import { describe, expect, it } from 'vitest';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph, serializeGraph } from '../../shared/graph/serialize';
import { applyDiff, diffGraphs } from './graph-diff';
import { beginGesture, emptyHistory, endGesture, recordEdit, redo, undo, type History } from './history';
import { moveNodes, removeElements, renameGraph, setParam } from './graph-edit';

function graphOf(): Graph {
  const g = emptyGraph('h');
  return {
    ...g,
    nodes: [
      { id: 'a', type: 't.a', typeVersion: 1, params: { x: 1 } },
      { id: 'b', type: 't.b', typeVersion: 1, params: {} },
    ],
    edges: [{ id: 'e1', from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } }],
    ui: { ...g.ui, positions: { a: [0, 0], b: [300, 0] }, groups: [{ id: 'g1', title: 'G', nodeIds: ['a'] }] },
  };
}

/** Applies each edit, recording it, and returns every graph along the way. */
function replay(start: Graph, edits: ((g: Graph) => Graph)[]): { history: History; graphs: Graph[] } {
  let history = emptyHistory;
  const graphs = [start];
  for (const edit of edits) {
    const before = graphs[graphs.length - 1];
    const after = edit(before);
    history = recordEdit(history, before, after);
    graphs.push(after);
  }
  return { history, graphs };
}

const addNode = (id: string) => (g: Graph): Graph => ({
  ...g,
  nodes: [...g.nodes, { id, type: 't.c', typeVersion: 1, params: {} }],
  ui: { ...g.ui, positions: { ...g.ui.positions, [id]: [10, 10] } },
});

describe('graph diffs', () => {
  it('is undefined for the same graph and for a viewport change alone', () => {
    const g = graphOf();
    expect(diffGraphs(g, g)).toBeUndefined();
    expect(diffGraphs(g, { ...g, ui: { ...g.ui, viewport: { x: 5, y: 5, zoom: 2 } } })).toBeUndefined();
  });

  it('keeps only the records that changed', () => {
    const g = graphOf();
    const diff = diffGraphs(g, setParam(g, 'a', 'x', 2))!;
    expect(diff.nodes?.changes).toEqual([{ id: 'a', before: g.nodes[0], after: { ...g.nodes[0], params: { x: 2 } } }]);
    expect(diff.nodes?.order).toBeUndefined();
    expect(diff.edges).toBeUndefined();
  });

  it('applies backward and forward to the exact graphs, order and labels included', () => {
    const g = graphOf();
    const after = { ...removeElements(g, ['a'], []), ui: { ...removeElements(g, ['a'], []).ui, labels: { b: 'B' } } };
    const diff = diffGraphs(g, after)!;
    expect(applyDiff(after, diff, 'backward')).toEqual(g);
    expect(applyDiff(g, diff, 'forward')).toEqual(after);
    expect(serializeGraph(applyDiff(after, diff, 'backward'))).toBe(serializeGraph(g));
  });

  it('leaves the current viewport alone when undoing', () => {
    const g = graphOf();
    const moved = moveNodes(g, { a: { x: 50, y: 60 } });
    const diff = diffGraphs(g, moved)!;
    const panned = { ...moved, ui: { ...moved.ui, viewport: { x: 9, y: 9, zoom: 1.5 } } };
    const back = applyDiff(panned, diff, 'backward');
    expect(back.ui.positions.a).toEqual([0, 0]);
    expect(back.ui.viewport).toEqual({ x: 9, y: 9, zoom: 1.5 });
  });
});

describe('history', () => {
  it('undoes a chain of edits back to the start and redoes it to the end', () => {
    const start = graphOf();
    const edits = [
      addNode('c'),
      (g: Graph) => setParam(g, 'a', 'x', 7),
      (g: Graph) => moveNodes(g, { b: { x: 1, y: 2 } }),
      (g: Graph) => removeElements(g, [], ['e1']),
      (g: Graph) => renameGraph(g, 'renamed'),
      (g: Graph) => removeElements(g, ['a'], []),
      (g: Graph) => ({ ...g, nodes: g.nodes.map((n) => (n.id === 'b' ? { ...n, bypass: true } : n)) }),
      (g: Graph) => ({ ...g, ui: { ...g.ui, notes: [{ id: 'n1', text: '# hi', position: [0, 0] as [number, number] }] } }),
    ];
    const { history, graphs } = replay(start, edits);
    expect(history.undos).toHaveLength(edits.length);
    let h = history;
    let g = graphs[graphs.length - 1];
    for (let i = graphs.length - 2; i >= 0; i--) {
      const r = undo(h, g)!;
      ({ history: h, graph: g } = r);
      expect(serializeGraph(g)).toBe(serializeGraph(graphs[i]));
    }
    expect(undo(h, g)).toBeUndefined();
    for (let i = 1; i < graphs.length; i++) {
      ({ history: h, graph: g } = redo(h, g)!);
      expect(serializeGraph(g)).toBe(serializeGraph(graphs[i]));
    }
    expect(redo(h, g)).toBeUndefined();
  });

  it('does not record an edit that changes nothing', () => {
    const g = graphOf();
    expect(recordEdit(emptyHistory, g, moveNodes(g, { a: { x: 0, y: 0 } }))).toBe(emptyHistory);
  });

  it('folds the edits of one gesture into one step', () => {
    const g0 = graphOf();
    let h = beginGesture(emptyHistory);
    const g1 = setParam(g0, 'a', 'x', 2);
    h = recordEdit(h, g0, g1);
    const g2 = setParam(g1, 'a', 'x', 3);
    h = recordEdit(h, g1, g2);
    h = endGesture(h);
    const g3 = moveNodes(g2, { a: { x: 5, y: 5 } });
    h = recordEdit(h, g2, g3);
    expect(h.undos).toHaveLength(2);
    const back = undo(h, g3)!;
    const start = undo(back.history, back.graph)!;
    expect(start.graph).toEqual(g0);
  });

  it('drops the step of a gesture that ends where it began', () => {
    const g0 = graphOf();
    let h = beginGesture(emptyHistory);
    const g1 = setParam(g0, 'a', 'x', 2);
    h = recordEdit(h, g0, g1);
    h = recordEdit(h, g1, g0);
    expect(endGesture(h).undos).toHaveLength(0);
  });

  it('clears redo on a new edit', () => {
    const g0 = graphOf();
    const g1 = setParam(g0, 'a', 'x', 2);
    const h = recordEdit(emptyHistory, g0, g1);
    const back = undo(h, g1)!;
    const g2 = setParam(back.graph, 'a', 'x', 9);
    expect(recordEdit(back.history, back.graph, g2).redos).toHaveLength(0);
  });
});

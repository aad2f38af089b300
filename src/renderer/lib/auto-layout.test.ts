import { describe, expect, it } from 'vitest';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph } from '../../shared/graph/serialize';
import { autoLayout, LAYOUT_GAP, layersOf, layoutPositions } from './auto-layout';

//   a --> b --> d
//    \--> c --/
function diamond(): Graph {
  const g = emptyGraph();
  const edge = (id: string, from: string, to: string) => ({ id, from: { node: from, port: 'o' }, to: { node: to, port: 'i' } });
  return {
    ...g,
    nodes: ['d', 'c', 'b', 'a'].map((id) => ({ id, type: 't', typeVersion: 1, params: {} })),
    edges: [edge('e1', 'a', 'b'), edge('e2', 'a', 'c'), edge('e3', 'b', 'd'), edge('e4', 'c', 'd')],
    ui: { ...g.ui, positions: { a: [500, 500], b: [0, 0], c: [900, 100], d: [50, 900] } },
  };
}

const size = { width: 200, height: 100 };
const sizes = { a: size, b: size, c: size, d: size };

describe('auto-layout', () => {
  it('puts each node one layer right of its furthest input', () => {
    expect(Object.fromEntries(layersOf(diamond()))).toEqual({ a: 0, b: 1, c: 1, d: 2 });
  });

  it('places layers left to right with a gap and stacks a layer without overlap', () => {
    const p = layoutPositions(diamond(), sizes);
    expect(p.a.x).toBe(0);
    expect(p.b.x).toBe(200 + LAYOUT_GAP.x);
    expect(p.d.x).toBe(2 * (200 + LAYOUT_GAP.x));
    expect(Math.abs(p.b.y - p.c.y)).toBe(100 + LAYOUT_GAP.y);
    // Single nodes sit centred against the tallest layer.
    expect(p.a.y).toBe((p.b.y + p.c.y) / 2);
    for (const e of diamond().edges) expect(p[e.from.node].x).toBeLessThan(p[e.to.node].x);
  });

  it('keeps the top-left of the graph and gives every node a stored position', () => {
    const out = autoLayout(diamond(), sizes);
    const xs = Object.values(out.ui.positions).map((p) => p[0]);
    const ys = Object.values(out.ui.positions).map((p) => p[1]);
    expect(Math.min(...xs)).toBe(0);
    expect(Math.min(...ys)).toBe(0);
    expect(Object.keys(out.ui.positions).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps the rows of an already tidy layer', () => {
    const g = diamond();
    const swapped = { ...g, ui: { ...g.ui, positions: { ...g.ui.positions, b: [0, 800] as [number, number], c: [0, 0] as [number, number] } } };
    const p = layoutPositions(swapped, sizes);
    expect(p.c.y).toBeLessThan(p.b.y);
  });
});

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph } from '../../shared/graph/serialize';
import { staleNodes } from './stale-results';

//   data ──> model ──> train ──> eval
//                 └──────────────> export
function pipeline(): Graph {
  const node = (id: string, params: Record<string, unknown> = {}) => ({ id, type: `t.${id}`, typeVersion: 1, params });
  const edge = (id: string, from: string, to: string) => ({ id, from: { node: from, port: 'out' }, to: { node: to, port: 'in' } });
  return {
    ...emptyGraph(),
    nodes: [node('data', { size: 28 }), node('model'), node('train', { epochs: 1 }), node('eval'), node('export')],
    edges: [edge('e1', 'data', 'model'), edge('e2', 'model', 'train'), edge('e3', 'train', 'eval'), edge('e4', 'model', 'export')],
  };
}

const withParams = (g: Graph, id: string, params: Record<string, unknown>): Graph => ({
  ...g,
  nodes: g.nodes.map((n) => (n.id === id ? { ...n, params } : n)),
});

describe('staleNodes', () => {
  it('marks nothing while the graph is as it was run, and ignores moves and labels', () => {
    const g = pipeline();
    const moved = { ...g, ui: { ...g.ui, positions: { data: [400, 10] as [number, number] }, labels: { data: 'Data' } } };
    expect(staleNodes(g, moved)).toEqual(new Set());
  });

  it('marks a changed node and everything downstream of it, not its siblings', () => {
    const g = pipeline();
    expect(staleNodes(g, withParams(g, 'train', { epochs: 5 }))).toEqual(new Set(['train', 'eval']));
    expect(staleNodes(g, withParams(g, 'data', { size: 32 }))).toEqual(new Set(['data', 'model', 'train', 'eval', 'export']));
  });

  it('marks a rewired input, a bypass and a new graph seed', () => {
    const g = pipeline();
    const rewired = { ...g, edges: g.edges.map((e) => (e.id === 'e3' ? { ...e, from: { node: 'model', port: 'out' } } : e)) };
    expect(staleNodes(g, rewired)).toEqual(new Set(['eval']));
    const bypassed = { ...g, nodes: g.nodes.map((n) => (n.id === 'export' ? { ...n, bypass: true } : n)) };
    expect(staleNodes(g, bypassed)).toEqual(new Set(['export']));
    expect(staleNodes(g, { ...g, seed: 7 }).size).toBe(5);
  });

  it('does not list nodes added after the run (they have no results)', () => {
    const g = pipeline();
    const added = { ...g, nodes: [...g.nodes, { id: 'extra', type: 't.extra', typeVersion: 1, params: {} }] };
    expect(staleNodes(g, added)).toEqual(new Set());
  });
});

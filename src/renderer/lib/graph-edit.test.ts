import { describe, expect, it } from 'vitest';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { emptyGraph, serializeGraph } from '../../shared/graph/serialize';
import type { PortSpec } from '../../shared/port-types';
import { addNode, connect, fallbackPositions, moveNodes, removeElements, setParam, uniqueNodeId, wouldCreateCycle } from './graph-edit';

function descriptor(type: string, inputs: Record<string, PortSpec>, outputs: Record<string, PortSpec>): NodeDescriptor {
  return {
    type,
    version: 2,
    title: type.split('.').pop()!,
    category: 'Test',
    description: '',
    docs: '',
    inputs,
    outputs,
    paramsSchema: {},
    defaults: { size: 4 },
  };
}

const source = descriptor('test.source', {}, { data: { type: 'Dataset' } });
const model = descriptor('test.model', {}, { model: { type: 'Model', constraints: { task: 'detect' } } });
const sink = descriptor('test.sink', { data: { type: 'Dataset', required: true }, model: { type: 'Model', constraints: { task: 'classify' } } }, { data: { type: 'Dataset' } });
const catalog = new Map([source, model, sink].map((d) => [d.type, d]));

// source ──data──▶ sink ──data──▶ sink-2
function chain() {
  let g = emptyGraph('t');
  g = addNode(g, source, { x: 0, y: 0 }).graph;
  g = addNode(g, sink, { x: 300.4, y: 10.6 }).graph;
  g = addNode(g, sink, { x: 600, y: 0 }).graph;
  const a = connect(g, catalog, { node: 'source', port: 'data' }, { node: 'sink', port: 'data' });
  if (!a.ok) throw new Error(a.reason);
  const b = connect(a.graph, catalog, { node: 'sink', port: 'data' }, { node: 'sink-2', port: 'data' });
  if (!b.ok) throw new Error(b.reason);
  return b.graph;
}

describe('graph edits', () => {
  it('adds nodes with readable unique ids, the type version, defaults and a rounded position', () => {
    const g = chain();
    expect(g.nodes.map((n) => n.id)).toEqual(['source', 'sink', 'sink-2']);
    expect(g.nodes[1]).toEqual({ id: 'sink', type: 'test.sink', typeVersion: 2, params: { size: 4 } });
    expect(g.ui.positions.sink).toEqual([300, 11]);
    expect(uniqueNodeId(g, 'a b/c')).toBe('a-b-c');
  });

  it('names a node after its title, not the last word of its type', () => {
    const titled = (type: string, title: string) => ({ ...descriptor(type, {}, {}), title });
    let g = addNode(emptyGraph(), titled('condense.eval.model', 'Evaluate'), { x: 0, y: 0 }).graph;
    g = addNode(g, titled('condense.train.supervised', 'Train (supervised)'), { x: 0, y: 0 }).graph;
    g = addNode(g, titled('condense.model.create', 'Model'), { x: 0, y: 0 }).graph;
    g = addNode(g, titled('condense.model.create', 'Model'), { x: 0, y: 0 }).graph;
    g = addNode(g, titled('x.odd', '∑'), { x: 0, y: 0 }).graph;
    expect(g.nodes.map((n) => n.id)).toEqual(['evaluate', 'train-supervised', 'model', 'model-2', 'odd']);
  });

  it('does not share the defaults object between nodes', () => {
    const g = addNode(emptyGraph(), sink, { x: 0, y: 0 }).graph;
    (g.nodes[0].params as { size: number }).size = 9;
    expect(sink.defaults.size).toBe(4);
  });

  it('refuses incompatible wires with the reason', () => {
    const g = addNode(chain(), model, { x: 0, y: 0 }).graph;
    const wrongType = connect(g, catalog, { node: 'source', port: 'data' }, { node: 'sink', port: 'model' });
    expect(wrongType).toEqual({ ok: false, reason: 'Cannot connect data to model: a Dataset output cannot feed a Model input' });
    const wrongTask = connect(g, catalog, { node: 'model', port: 'model' }, { node: 'sink', port: 'model' });
    expect(wrongTask.ok).toBe(false);
    expect(!wrongTask.ok && wrongTask.reason).toContain('task = classify');
  });

  it('refuses a wire that closes a cycle', () => {
    const g = chain();
    expect(wouldCreateCycle(g, 'sink-2', 'sink')).toBe(true);
    const r = connect(g, catalog, { node: 'sink-2', port: 'data' }, { node: 'sink', port: 'data' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('cycle');
  });

  it('keeps one wire per input: a new wire replaces the old one', () => {
    let g = addNode(chain(), source, { x: 0, y: 200 }).graph;
    const r = connect(g, catalog, { node: 'source-2', port: 'data' }, { node: 'sink', port: 'data' });
    if (!r.ok) throw new Error(r.reason);
    g = r.graph;
    expect(r.replaced).toBe('e1');
    expect(g.edges.filter((e) => e.to.node === 'sink' && e.to.port === 'data')).toEqual([
      { id: 'e1', from: { node: 'source-2', port: 'data' }, to: { node: 'sink', port: 'data' } },
    ]);
  });

  it('removes nodes with their wires and positions', () => {
    const g = removeElements(chain(), ['sink'], []);
    expect(g.nodes.map((n) => n.id)).toEqual(['source', 'sink-2']);
    expect(g.edges).toEqual([]);
    expect(Object.keys(g.ui.positions)).toEqual(['source', 'sink-2']);
    expect(removeElements(chain(), [], ['e2']).edges.map((e) => e.id)).toEqual(['e1']);
  });

  it('returns the same graph when nothing moved, so the document stays clean', () => {
    const g = chain();
    expect(moveNodes(g, { sink: { x: 300.2, y: 11.3 } })).toBe(g);
    expect(moveNodes(g, { sink: { x: 10, y: 20 } }).ui.positions.sink).toEqual([10, 20]);
  });

  it('edits never mutate their input', () => {
    const g = chain();
    const before = serializeGraph(g);
    setParam(g, 'sink', 'size', 8);
    moveNodes(g, { source: { x: 5, y: 5 } });
    removeElements(g, ['source'], ['e2']);
    expect(serializeGraph(g)).toBe(before);
  });

  it('lays out nodes without positions left to right by depth', () => {
    const g = chain();
    const p = fallbackPositions({ ...g, ui: { ...g.ui, positions: {} } });
    expect(p.source[0]).toBeLessThan(p.sink[0]);
    expect(p.sink[0]).toBeLessThan(p['sink-2'][0]);
  });
});

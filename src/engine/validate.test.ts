import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry, type EngineRegistry } from './registry';
import { validateGraph } from './validate';
import { graphOf } from './graph-builder';
import { TEST_NODE_PACK } from './test-support';

let registry: EngineRegistry;
beforeAll(async () => {
  registry = await loadRegistry({ nodesDir: false, nodeDirs: [TEST_NODE_PACK] });
});

const build = () => graphOf('t', registry);

describe('validateGraph', () => {
  //   x ──> sum.a <── y   (one input, two edges)
  it('accepts a valid graph and flags an input with two edges', () => {
    const ok = build().node('x', 'test.number').node('sum', 'test.add').edge('x.value', 'sum.a').build();
    expect(validateGraph(ok, registry)).toEqual([]);
    const twice = build()
      .node('x', 'test.number')
      .node('y', 'test.number')
      .node('sum', 'test.add')
      .edge('x.value', 'sum.a', 'e1')
      .edge('y.value', 'sum.a', 'e2')
      .build();
    expect(validateGraph(twice, registry)).toEqual([
      expect.objectContaining({ code: 'input-taken', nodeId: 'sum', port: 'a', edgeId: 'e2' }),
    ]);
  });

  it('reports a missing required input on its port', () => {
    const graph = build().node('sum', 'test.add').build();
    expect(validateGraph(graph, registry)).toEqual([
      { nodeId: 'sum', port: 'a', code: 'missing-input', message: 'required input "a" (Metrics) is not connected' },
    ]);
  });

  it('keeps unknown types and reports them', () => {
    const graph = build().node('m', 'vendor.mystery').build();
    expect(validateGraph(graph, registry)).toEqual([expect.objectContaining({ nodeId: 'm', code: 'unknown-type' })]);
  });

  //   n (noop, Any) ──> sum.a (Metrics)
  it('refuses incompatible ports with the reason', () => {
    const graph = build().node('n', 'test.noop').node('r', 'test.report').node('sum', 'test.add').edge('r.report', 'sum.a').build();
    expect(validateGraph(graph, registry)).toEqual([
      expect.objectContaining({
        code: 'incompatible-ports',
        nodeId: 'sum',
        port: 'a',
        message: 'r.report -> sum.a: a Report output cannot feed a Metrics input',
      }),
    ]);
  });

  it('reports dangling edges, unknown ports and duplicate ids', () => {
    const graph = build()
      .node('a', 'test.number')
      .node('a', 'test.number')
      .node('b', 'test.noop')
      .edge('ghost.out', 'b.a', 'e1')
      .edge('a.nope', 'b.b', 'e2')
      .edge('a.value', 'b.zzz', 'e3')
      .edge('a.value', 'b.c', 'e3')
      .build();
    const issues = validateGraph(graph, registry);
    expect(issues.map((i) => [i.code, i.nodeId ?? null, i.edgeId ?? null, i.port ?? null])).toEqual([
      ['duplicate-id', 'a', null, null],
      ['dangling-edge', 'b', 'e1', null],
      ['unknown-port', 'a', 'e2', 'nope'],
      ['unknown-port', 'b', 'e3', 'zzz'],
      ['duplicate-id', null, 'e3', null],
    ]);
    expect(issues[1].message).toContain('"ghost"');
  });

  //   a ──> b ──> c ──> a
  it('names every node of a cycle', () => {
    const graph = build()
      .node('a', 'test.noop')
      .node('b', 'test.noop')
      .node('c', 'test.noop')
      .edge('a.out', 'b.a')
      .edge('b.out', 'c.a')
      .edge('c.out', 'a.a')
      .build();
    const issues = validateGraph(graph, registry);
    expect(issues.map((i) => i.nodeId)).toEqual(['a', 'b', 'c']);
    expect(new Set(issues.map((i) => i.message))).toEqual(new Set(['part of a cycle: a -> b -> c -> a']));
  });

  it('maps param problems to the param, with the allowed range', () => {
    const graph = build()
      .node('big', 'test.number', { value: 5000 })
      .node('small', 'test.number', { value: -5000 })
      .node('word', 'test.number', { value: 'three' })
      .node('typo', 'test.number', { valeu: 3 })
      .node('steps', 'test.slow', { steps: 2.5 })
      .build();
    expect(validateGraph(graph, registry)).toEqual([
      { nodeId: 'big', param: 'value', code: 'param', message: 'value must be at most 1000 (got 5000)' },
      { nodeId: 'small', param: 'value', code: 'param', message: 'value must be at least -1000 (got -5000)' },
      { nodeId: 'word', param: 'value', code: 'param', message: 'value must be a number (got "three")' },
      { nodeId: 'typo', param: 'valeu', code: 'param', message: 'unknown param "valeu" (test.number has: value)' },
      { nodeId: 'steps', param: 'steps', code: 'param', message: 'steps must be an integer (got 2.5)' },
    ]);
  });

  it('reports nodes saved by another version of their type', () => {
    const graph = build().node('old', 'test.number', { n: 1 }, { typeVersion: 1 }).node('new', 'test.number', {}, { typeVersion: 9 }).build();
    expect(validateGraph(graph, registry).map((i) => [i.nodeId, i.code])).toEqual([
      ['old', 'param'],
      ['new', 'newer-file'],
    ]);
  });
});

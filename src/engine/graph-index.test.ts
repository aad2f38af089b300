import { describe, expect, it } from 'vitest';
import { ancestorsOf, descendantsOf, findCycles, indexGraph, topologicalOrder } from './graph-index';
import { graphOf } from './graph-builder';

describe('graph-index', () => {
  //   a ──> c ──> d
  //   b ──────────^
  const diamond = graphOf()
    .node('d', 'test.noop')
    .node('c', 'test.noop')
    .node('a', 'test.noop')
    .node('b', 'test.noop')
    .edge('a.out', 'c.a')
    .edge('c.out', 'd.a')
    .edge('b.out', 'd.b')
    .build();

  it('orders parents before children, ties in file order', () => {
    expect(topologicalOrder(indexGraph(diamond)).order).toEqual(['a', 'c', 'b', 'd']);
  });

  it('finds ancestors and descendants', () => {
    const index = indexGraph(diamond);
    expect([...ancestorsOf(index, ['c'])].sort()).toEqual(['a', 'c']);
    expect([...descendantsOf(index, 'a')].sort()).toEqual(['c', 'd']);
  });

  //   a ──> b ──> c ──> a  (a loop), d alone, e ──> e (self loop)
  it('names the nodes of each cycle in walking order', () => {
    const graph = graphOf()
      .node('a', 'test.noop')
      .node('b', 'test.noop')
      .node('c', 'test.noop')
      .node('d', 'test.noop')
      .node('e', 'test.noop')
      .edge('a.out', 'b.a')
      .edge('b.out', 'c.a')
      .edge('c.out', 'a.a')
      .edge('e.out', 'e.a')
      .build();
    const index = indexGraph(graph);
    expect(findCycles(index).map((c) => c.join(' '))).toEqual(expect.arrayContaining(['a b c', 'e']));
    expect(findCycles(index)).toHaveLength(2);
    expect(topologicalOrder(index)).toEqual({ order: ['d'], blocked: ['a', 'b', 'c', 'e'] });
  });

  it('handles a long chain without deep recursion', () => {
    const builder = graphOf();
    for (let i = 0; i < 20000; i++) {
      builder.node(`n${i}`, 'test.noop');
      if (i) builder.edge(`n${i - 1}.out`, `n${i}.a`);
    }
    const index = indexGraph(builder.build());
    expect(findCycles(index)).toEqual([]);
    expect(topologicalOrder(index).order.at(-1)).toBe('n19999');
  });
});

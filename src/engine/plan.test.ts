import { describe, expect, it } from 'vitest';
import { indexGraph, topologicalOrder } from './graph-index';
import { planRun } from './plan';
import { graphOf } from './graph-builder';

//   a ──> b ──> d
//   c ──────────^      e (unrelated)
const graph = graphOf()
  .node('a', 'test.noop')
  .node('b', 'test.noop')
  .node('c', 'test.noop')
  .node('d', 'test.noop')
  .node('e', 'test.noop')
  .edge('a.out', 'b.a')
  .edge('b.out', 'd.a')
  .edge('c.out', 'd.b')
  .build();
const index = indexGraph(graph);
const order = topologicalOrder(index).order;

describe('planRun', () => {
  it('runs everything when nothing is cached', () => {
    expect(planRun(index, order, index.ids, () => false)).toEqual({ run: ['a', 'b', 'c', 'd', 'e'], cached: [] });
  });

  it('runs only the ancestors of the requested sink', () => {
    expect(planRun(index, order, ['b'], () => false)).toEqual({ run: ['a', 'b'], cached: [] });
  });

  it('stops at a cached node: its own inputs are not needed', () => {
    expect(planRun(index, order, ['d'], (id) => id === 'b' || id === 'a')).toEqual({ run: ['c', 'd'], cached: ['b'] });
  });

  it('reads a cached sink without running anything', () => {
    expect(planRun(index, order, ['d'], () => true)).toEqual({ run: [], cached: ['d'] });
  });
});

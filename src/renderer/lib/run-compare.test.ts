import { describe, expect, it } from 'vitest';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph } from '../../shared/graph/serialize';
import { canonicalText, metricDiffsOf, paramDiffsOf } from './run-compare';

function graphOf(nodes: Graph['nodes']): Graph {
  return { ...emptyGraph('g'), nodes };
}

describe('run comparison', () => {
  it('lists changed, added and removed params and nodes', () => {
    const a = graphOf([
      { id: 'train', type: 'x.train', typeVersion: 1, params: { lr: 0.1, epochs: 2, opt: { name: 'sgd', m: 0.9 } } },
      { id: 'old', type: 'x.old', typeVersion: 1, params: {} },
    ]);
    const b = graphOf([
      { id: 'train', type: 'x.train', typeVersion: 1, params: { lr: 0.01, opt: { m: 0.9, name: 'sgd' }, seed: 3 } },
      { id: 'new', type: 'x.new', typeVersion: 1, params: {} },
    ]);
    expect(paramDiffsOf(a, b)).toEqual([
      { nodeId: 'new', param: '(node)', a: undefined, b: 'x.new' },
      { nodeId: 'old', param: '(node)', a: 'x.old', b: undefined },
      { nodeId: 'train', param: 'epochs', a: '2', b: undefined },
      { nodeId: 'train', param: 'lr', a: '0.1', b: '0.01' },
      { nodeId: 'train', param: 'seed', a: undefined, b: '3' },
    ]);
    expect(paramDiffsOf(a, a)).toEqual([]);
  });

  it('compares the last value of each metric', () => {
    const diffs = metricDiffsOf(
      [
        { nodeId: 't', name: 'loss', step: 0, value: 2 },
        { nodeId: 't', name: 'loss', step: 1, value: 1 },
        { nodeId: 't', name: 'acc', step: 1, value: 0.5 },
      ],
      [
        { nodeId: 't', name: 'loss', step: 0, value: 1.5 },
        { nodeId: 't', name: 'loss', step: 1, value: 0.5 },
      ],
    );
    expect(diffs).toEqual([
      { nodeId: 't', name: 'acc', a: 0.5, b: undefined, delta: undefined },
      { nodeId: 't', name: 'loss', a: 1, b: 0.5, delta: -0.5 },
    ]);
  });

  it('writes objects with sorted keys', () => {
    expect(canonicalText({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

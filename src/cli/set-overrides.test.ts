import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { Registry } from '../engine/types';
import type { Graph } from '../shared/graph/schema';
import { defineNode, type NodeDefinition } from '../shared/node-sdk';
import { validateGraph } from '../engine/validate';
import { formatIssue } from './issues';
import { applyOverrides, parseSetArg, parseSetValue } from './set-overrides';

const scale = defineNode({
  type: 'test.scale',
  version: 1,
  title: 'Scale',
  category: 'Test',
  description: 'x',
  inputs: {},
  outputs: {},
  params: z.object({ factor: z.number().min(0).max(4).default(1), mode: z.enum(['a', 'b']).default('a') }),
  async execute() {
    return {};
  },
});

const registry: Registry = {
  get: (type) => (type === scale.type ? (scale as unknown as NodeDefinition) : undefined),
  descriptors: () => [],
  types: () => [scale.type],
};

const graph = {
  format: 'condense.graph',
  schemaVersion: 1,
  meta: { name: 't' },
  nodes: [
    { id: 'stage.1', type: 'test.scale', typeVersion: 1, params: { factor: 2 } },
    { id: 'stage', type: 'test.scale', typeVersion: 1, params: {} },
  ],
  edges: [],
  ui: { positions: {}, viewport: { x: 0, y: 0, zoom: 1 }, groups: [], notes: [] },
  assets: [],
} as Graph;

describe('--set parsing', () => {
  it('reads JSON when it parses and a string otherwise', () => {
    expect(parseSetValue('3')).toBe(3);
    expect(parseSetValue('true')).toBe(true);
    expect(parseSetValue('[1,2]')).toEqual([1, 2]);
    expect(parseSetValue('"3"')).toBe('3');
    expect(parseSetValue('adam')).toBe('adam');
    expect(parseSetValue('')).toBe('');
    expect(parseSetValue('a=b')).toBe('a=b');
  });

  it('matches the longest node id, so ids may hold dots', () => {
    const ids = graph.nodes.map((n) => n.id);
    expect(parseSetArg('stage.1.factor=3', ids)).toEqual({ nodeId: 'stage.1', param: 'factor', value: 3 });
    expect(parseSetArg('stage.factor=0.5', ids)).toEqual({ nodeId: 'stage', param: 'factor', value: 0.5 });
    expect(parseSetArg('other.x=y=z', ids)).toEqual({ nodeId: 'other', param: 'x', value: 'y=z' });
    expect(() => parseSetArg('stage', ids)).toThrow(/expected node.param=value/);
    expect(() => parseSetArg('=3', ids)).toThrow(/expected node.param=value/);
  });
});

describe('applyOverrides', () => {
  it('changes a copy and leaves the graph alone', () => {
    const result = applyOverrides(graph, [{ nodeId: 'stage', param: 'mode', value: 'b' }], registry);
    expect(result.problems).toEqual([]);
    expect(result.graph.nodes[1].params).toEqual({ mode: 'b' });
    expect(graph.nodes[1].params).toEqual({});
  });

  it('names node and param for every refused value', () => {
    const result = applyOverrides(
      graph,
      [
        { nodeId: 'stage.1', param: 'factor', value: 9 },
        { nodeId: 'stage', param: 'mode', value: 'c' },
        { nodeId: 'stage', param: 'nope', value: 1 },
        { nodeId: 'gone', param: 'factor', value: 1 },
      ],
      registry,
    );
    expect(result.problems).toHaveLength(4);
    expect(result.problems[0]).toMatch(/^node stage\.1 param factor: .*\(got 9\)$/);
    // The same sentence validation gives for the same value in a graph file.
    const invalid = { ...graph, nodes: graph.nodes.map((n) => (n.id === 'stage.1' ? { ...n, params: { factor: 9 } } : n)) };
    const issue = validateGraph(invalid, registry).find((i) => i.nodeId === 'stage.1' && i.param === 'factor')!;
    expect(result.problems[0]).toBe(formatIssue(issue));
    expect(result.problems[1]).toMatch(/^node stage param mode: /);
    expect(result.problems[2]).toBe('node stage param nope: no such param (params: factor, mode)');
    expect(result.problems[3]).toMatch(/^node gone param factor: the graph has no node "gone"/);
  });
});

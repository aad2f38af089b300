import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from '../../shared/events';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph } from '../../shared/graph/serialize';
import { runBlockers } from './run-blockers';

//   data ──> train ──> eval        lonely
const graph: Graph = {
  ...emptyGraph(),
  nodes: ['data', 'train', 'eval', 'lonely'].map((id) => ({ id, type: `t.${id}`, typeVersion: 1, params: {} })),
  edges: [
    { id: 'e1', from: { node: 'data', port: 'out' }, to: { node: 'train', port: 'in' } },
    { id: 'e2', from: { node: 'train', port: 'out' }, to: { node: 'eval', port: 'in' } },
  ],
};

const issue = (nodeId: string | undefined, message: string): ValidationIssue => ({ ...(nodeId ? { nodeId } : {}), code: 'param', message });

describe('runBlockers', () => {
  const issues = [issue('train', 'epochs must be at most 1000 (got 5000)'), issue('lonely', 'required input "a" is not connected'), issue(undefined, 'edge e9 is dangling')];

  it('blocks a whole run on every issue', () => {
    expect(runBlockers(graph, issues)).toEqual(issues);
  });

  it('blocks a run up to a node only on what that node needs, and on graph-wide issues', () => {
    expect(runBlockers(graph, issues, 'eval')).toEqual([issues[0], issues[2]]);
    expect(runBlockers(graph, issues, 'data')).toEqual([issues[2]]);
  });
});

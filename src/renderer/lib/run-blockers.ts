// Which of the document's problems stop a run, mirroring the engine's rule (src/engine/run.ts,
// blockingIssues): issues on the nodes the run needs, and issues that belong to no node. A problem on a
// node that "Run to selected" does not need leaves that run free to start. Pure.
import type { ValidationIssue } from '../../shared/events';
import type { Graph } from '../../shared/graph/schema';

/** `until` and every node it reads from, directly or not. */
export function ancestorsAndSelf(graph: Graph, until: string): Set<string> {
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) parents.set(e.to.node, [...(parents.get(e.to.node) ?? []), e.from.node]);
  const seen = new Set<string>();
  const stack = [until];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(parents.get(id) ?? []));
  }
  return seen;
}

/** The issues that make the engine refuse a run of the whole graph, or of `until` and what it needs. */
export function runBlockers(graph: Graph, issues: readonly ValidationIssue[], until?: string): ValidationIssue[] {
  const needed = until === undefined ? undefined : ancestorsAndSelf(graph, until);
  return issues.filter((i) => i.nodeId === undefined || needed === undefined || needed.has(i.nodeId));
}

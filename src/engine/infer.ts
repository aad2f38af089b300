// Static facts along the graph: each node's `infer` turns its params and its inputs' facts into facts
// about its outputs, in topological order, and names inputs that cannot fit (shape or classes). Runs as
// part of validation, so a mismatch is shown on the edge before anything runs.
import type { ValidationIssue } from '../shared/events';
import type { Graph } from '../shared/graph/schema';
import type { PortFacts } from '../shared/node-sdk';
import { topologicalOrder, type GraphIndex } from './graph-index';
import type { Registry } from './types';

export function inferIssues(graph: Graph, index: GraphIndex, registry: Registry): ValidationIssue[] {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const facts = new Map<string, Record<string, PortFacts>>();
  const issues: ValidationIssue[] = [];
  for (const id of topologicalOrder(index).order) {
    const node = nodes.get(id)!;
    const def = registry.get(node.type);
    if (!def?.infer || node.bypass) continue;
    const params = def.params.safeParse(node.params);
    // Bad params are reported by the param check already.
    if (!params.success) continue;
    const inputs: Record<string, PortFacts | undefined> = {};
    const edgeOf = new Map<string, string>();
    for (const edge of index.incoming.get(id) ?? []) {
      inputs[edge.to.port] = facts.get(edge.from.node)?.[edge.from.port];
      edgeOf.set(edge.to.port, edge.id);
    }
    let result;
    try {
      result = def.infer(params.data, inputs);
    } catch (error) {
      // Inference is advice: a bug in it must never make a graph unloadable; the run reports the real problem.
      issues.push({ nodeId: id, code: 'param', message: `could not check the inputs before running: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (result.outputs) facts.set(id, result.outputs);
    for (const issue of result.issues ?? []) {
      if (issue.param !== undefined) {
        // A param that cannot work with the connected inputs: shown on its field, like a range problem.
        issues.push({ nodeId: id, param: issue.param, code: 'param', message: issue.message });
        continue;
      }
      const edgeId = edgeOf.get(issue.port);
      issues.push({ nodeId: id, port: issue.port, ...(edgeId ? { edgeId } : {}), code: 'incompatible-ports', message: `input "${issue.port}": ${issue.message}` });
    }
  }
  return issues;
}

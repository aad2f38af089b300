// Graph validation: every problem becomes a structured issue on the node, port, param or edge it concerns,
// so the canvas can mark it and the CLI can print it. Pure: the graph and the registry in, issues out.
import type { ValidationIssue } from '../shared/events';
import type { Graph, GraphNode } from '../shared/graph/schema';
import { inferIssues } from './infer';
import { paramIssueMessage } from '../shared/param-messages';
import { portCompatibility } from '../shared/port-types';
import type { Registry } from './types';
import { findCycles, indexGraph } from './graph-index';
import { quote, shorten } from './quote';

// One wording for a bad param everywhere (validation, `--set`, the editor): see shared/param-messages.ts.
export { paramIssueMessage };

function paramIssues(node: GraphNode, registry: Registry): ValidationIssue[] {
  const def = registry.get(node.type);
  if (!def) return [];
  // Params of another version have another shape; checking them against this one would only mislead.
  if (node.typeVersion > def.version) {
    return [{ nodeId: node.id, code: 'newer-file', message: `${node.type} version ${node.typeVersion} is newer than this build knows (version ${def.version}); update Condense to run it` }];
  }
  if (node.typeVersion < def.version) {
    return [{ nodeId: node.id, code: 'param', message: `${node.type} was saved as version ${node.typeVersion}; load the graph through the engine to migrate it to version ${def.version}` }];
  }
  const issues: ValidationIssue[] = [];
  const known = new Set(Object.keys(def.params.shape));
  for (const name of Object.keys(node.params)) {
    if (!known.has(name)) {
      issues.push({ nodeId: node.id, param: name, code: 'param', message: `unknown param ${quote(name)} (${def.type} has: ${[...known].join(', ') || 'no params'})` });
    }
  }
  const parsed = def.params.safeParse(node.params);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({
        nodeId: node.id,
        ...(issue.path.length ? { param: String(issue.path[0]) } : {}),
        code: 'param',
        message: paramIssueMessage(issue, node.params),
      });
    }
  }
  return issues;
}

export function validateGraph(graph: Graph, registry: Registry): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const nodes = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) issues.push({ nodeId: node.id, code: 'duplicate-id', message: `two nodes have the id ${quote(node.id)}` });
    else nodes.set(node.id, node);
  }
  for (const node of nodes.values()) {
    if (!registry.get(node.type)) {
      issues.push({ nodeId: node.id, code: 'unknown-type', message: `unknown node type ${quote(node.type)} (kept as a placeholder; install the node pack that defines it)` });
    }
    issues.push(...paramIssues(node, registry));
  }

  const edgeIds = new Set<string>();
  const taken = new Map<string, string>();
  for (const edge of graph.edges) {
    if (edgeIds.has(edge.id)) {
      issues.push({ edgeId: edge.id, code: 'duplicate-id', message: `two edges have the id ${quote(edge.id)}` });
      continue;
    }
    edgeIds.add(edge.id);
    const from = nodes.get(edge.from.node);
    const to = nodes.get(edge.to.node);
    if (!from || !to) {
      const missing = !from ? edge.from.node : edge.to.node;
      issues.push({
        edgeId: edge.id,
        ...(from ? { nodeId: from.id } : to ? { nodeId: to.id } : {}),
        code: 'dangling-edge',
        message: `edge ${shorten(edge.id)} points at a node ${quote(missing)} that is not in the graph`,
      });
      continue;
    }
    const fromDef = registry.get(from.type);
    const toDef = registry.get(to.type);
    const out = fromDef?.outputs[edge.from.port];
    const inp = toDef?.inputs[edge.to.port];
    if (fromDef && !out) {
      issues.push({ nodeId: from.id, edgeId: edge.id, port: edge.from.port, code: 'unknown-port', message: `${from.type} has no output ${quote(edge.from.port)} (outputs: ${Object.keys(fromDef.outputs).join(', ') || 'none'})` });
    }
    if (toDef && !inp) {
      issues.push({ nodeId: to.id, edgeId: edge.id, port: edge.to.port, code: 'unknown-port', message: `${to.type} has no input ${quote(edge.to.port)} (inputs: ${Object.keys(toDef.inputs).join(', ') || 'none'})` });
    }
    const slot = `${to.id}\u0000${edge.to.port}`;
    const first = taken.get(slot);
    if (first !== undefined) {
      issues.push({ nodeId: to.id, edgeId: edge.id, port: edge.to.port, code: 'input-taken', message: `input ${quote(edge.to.port)} already has a connection (edge ${shorten(first)}); an input takes one edge` });
    } else {
      taken.set(slot, edge.id);
    }
    if (out && inp) {
      const compat = portCompatibility(out, inp);
      if (!compat.ok) {
        issues.push({ nodeId: to.id, edgeId: edge.id, port: edge.to.port, code: 'incompatible-ports', message: `${shorten(from.id)}.${shorten(edge.from.port)} -> ${shorten(to.id)}.${shorten(edge.to.port)}: ${compat.reason}` });
      }
    }
  }

  for (const node of nodes.values()) {
    const def = registry.get(node.type);
    if (!def) continue;
    for (const [port, spec] of Object.entries(def.inputs)) {
      if (spec.required && !taken.has(`${node.id}\u0000${port}`)) {
        issues.push({ nodeId: node.id, port, code: 'missing-input', message: `required input "${port}" (${spec.type}) is not connected` });
      }
    }
  }

  const index = indexGraph({ ...graph, nodes: [...nodes.values()] });
  const cycles = findCycles(index);
  for (const cycle of cycles) {
    // A long cycle is named by its first nodes: every node of it gets this message.
    const shown = cycle.length <= 12 ? [...cycle, cycle[0]] : [...cycle.slice(0, 10), '…'];
    const loop = `${shown.map((id) => shorten(id, 60)).join(' -> ')}${cycle.length > 12 ? ` (${cycle.length} nodes)` : ''}`;
    for (const nodeId of cycle) issues.push({ nodeId, code: 'cycle', message: `part of a cycle: ${loop}` });
  }
  // Facts flow in topological order, which a cycle does not have; fix the cycle first.
  if (cycles.length === 0) issues.push(...inferIssues(graph, index, registry));
  return issues;
}

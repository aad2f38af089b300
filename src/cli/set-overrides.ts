// `--set node.param=value`: param overrides from the command line, checked against the node's own schema.
import type { Registry } from '../engine/types';
import type { Graph } from '../shared/graph/schema';
import { paramIssueMessage } from '../shared/param-messages';
import { UsageError } from './io';
import { formatIssue } from './issues';
import { quote, quoteList, shorten } from '../engine/quote';

export interface ParamOverride {
  nodeId: string;
  param: string;
  value: unknown;
}

/** JSON when it parses (`3`, `true`, `[1,2]`, `"a"`), the raw text otherwise (`adam`, `data/x.gz`). */
export function parseSetValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Splits `node.param=value`. Node ids may themselves hold dots, so the longest id of the graph that prefixes
 * the key wins; with no match the first dot separates node from param (and validation names the unknown node).
 */
export function parseSetArg(arg: string, nodeIds: string[]): ParamOverride {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${shorten(arg)}: expected node.param=value`);
  const key = arg.slice(0, eq);
  const value = parseSetValue(arg.slice(eq + 1));
  const owner = nodeIds.filter((id) => key.startsWith(`${id}.`) && key.length > id.length + 1).sort((a, b) => b.length - a.length)[0];
  if (owner !== undefined) return { nodeId: owner, param: key.slice(owner.length + 1), value };
  const dot = key.indexOf('.');
  if (dot <= 0 || dot === key.length - 1) throw new UsageError(`--set ${shorten(arg)}: expected node.param=value`);
  return { nodeId: key.slice(0, dot), param: key.slice(dot + 1), value };
}

/** Applies overrides to a copy of the graph; every problem reads `node <id> param <p>: message`. */
export function applyOverrides(graph: Graph, overrides: ParamOverride[], registry: Registry): { graph: Graph; problems: string[] } {
  const problems: string[] = [];
  const nodes = graph.nodes.map((node) => ({ ...node, params: { ...node.params } }));
  for (const { nodeId, param, value } of overrides) {
    const node = nodes.find((candidate) => candidate.id === nodeId);
    if (!node) {
      problems.push(`node ${shorten(nodeId)} param ${shorten(param)}: the graph has no node ${quote(nodeId)} (nodes: ${quoteList(nodes.map((n) => n.id))})`);
      continue;
    }
    const definition = registry.get(node.type);
    if (!definition) {
      problems.push(`node ${shorten(nodeId)} param ${shorten(param)}: node type ${quote(node.type)} is not installed`);
      continue;
    }
    const known = Object.keys(definition.params.shape);
    if (!known.includes(param)) {
      problems.push(`node ${shorten(nodeId)} param ${shorten(param)}: no such param (params: ${known.join(', ') || 'none'})`);
      continue;
    }
    node.params[param] = value;
    const checked = definition.params.safeParse(node.params);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        if (issue.path[0] !== param) continue;
        // Worded as `condense validate` words it: one message for one problem.
        problems.push(formatIssue({ nodeId, param, code: 'param', message: paramIssueMessage(issue, node.params) }));
      }
    }
  }
  return { graph: { ...graph, nodes }, problems };
}

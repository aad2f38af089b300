// Deterministic, diff-friendly text for graph files: fixed key order for the structure, sorted keys inside
// params and ui, nodes and edges sorted by id, two-space indent, short arrays of numbers on one line, and a
// trailing newline. Saving the same graph always gives the same bytes.
import { CURRENT_SCHEMA_VERSION, GRAPH_FORMAT, type Graph } from './schema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Objects already put in their structural key order by `ordered`; sortKeysDeep leaves them alone. */
const alreadyOrdered = new WeakSet<object>();

function sortKeysDeep(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object' && alreadyOrdered.has(value)) return value as Json;
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return (value ?? null) as Json;
}

/** Keeps `keys` first, in that order, then any other keys sorted; drops undefined values. */
function ordered(obj: Record<string, unknown>, keys: string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = sortKeysDeep(obj[key]);
  for (const key of Object.keys(obj).sort()) if (!keys.includes(key) && obj[key] !== undefined) out[key] = sortKeysDeep(obj[key]);
  alreadyOrdered.add(out);
  return out;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function canonicalGraph(graph: Graph): Json {
  return ordered(
    {
      ...graph,
      meta: ordered(graph.meta, ['name', 'description', 'createdWith']),
      nodes: [...graph.nodes].sort(byId).map((n) => ordered(n, ['id', 'type', 'typeVersion', 'bypass', 'params'])),
      edges: [...graph.edges].sort(byId).map((e) =>
        ordered({ ...e, from: ordered(e.from, ['node', 'port']), to: ordered(e.to, ['node', 'port']) }, ['id', 'from', 'to']),
      ),
      ui: ordered(graph.ui, ['positions', 'viewport', 'groups', 'notes']),
      assets: [...graph.assets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    },
    ['format', 'schemaVersion', 'meta', 'seed', 'nodes', 'edges', 'ui', 'assets'],
  );
}

function isInline(value: Json[]): boolean {
  return value.every((v) => v === null || typeof v !== 'object') && JSON.stringify(value).length <= 72;
}

function pretty(value: Json, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (isInline(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pretty(value[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export function serializeGraph(graph: Graph): string {
  return pretty(canonicalGraph(graph), '') + '\n';
}

export function emptyGraph(name = 'Untitled'): Graph {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    meta: { name },
    nodes: [],
    edges: [],
    ui: { positions: {}, viewport: { x: 0, y: 0, zoom: 1 }, groups: [], notes: [] },
    assets: [],
  };
}

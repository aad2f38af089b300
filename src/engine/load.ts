// Loading and saving graph files in the engine: the shared file-level parse, then each node's own param
// migrations (by typeVersion), then validation. Unknown node types stay in the graph as placeholders.
import fs from 'node:fs';
import path from 'node:path';
import { parseGraphText } from '../shared/graph/load';
import { emptyGraph, serializeGraph } from '../shared/graph/serialize';
import type { Graph, GraphNode } from '../shared/graph/schema';
import type { ValidationIssue } from '../shared/events';
import type { LoadedGraph } from '../shared/api/contract';
import type { Registry } from './types';
import { validateGraph } from './validate';
import { maxGraphFileBytes, raiseHint } from '../compute/storage/limits';
import { UnsafePathError, checkWritableFile, makeDirectories, readRegularFileAsync } from '../compute/storage/safe-files';
import { sweepStaleTempFiles, tempPathFor } from '../compute/storage/temp-files';

export interface NodeMigrationResult {
  node: GraphNode;
  issue?: ValidationIssue;
  /** The node comes from a newer build of its type: the file may be viewed, not saved over. */
  newer?: boolean;
}

/** Brings one node's params up to its type's current version, one step at a time. Pure. */
export function migrateNode(node: GraphNode, registry: Registry): NodeMigrationResult {
  const def = registry.get(node.type);
  if (!def || node.typeVersion === def.version) return { node };
  if (node.typeVersion > def.version) {
    return {
      node,
      newer: true,
      issue: {
        nodeId: node.id,
        code: 'newer-file',
        message: `${node.type} version ${node.typeVersion} is newer than this build knows (version ${def.version}); update Condense to edit it`,
      },
    };
  }
  let params: Record<string, unknown> = { ...node.params };
  for (let v = node.typeVersion; v < def.version; v++) {
    const step = def.migrations?.[v];
    if (!step) {
      return {
        node,
        issue: {
          nodeId: node.id,
          code: 'param',
          message: `${node.type} has no migration from version ${v} to ${v + 1}; check the params by hand`,
        },
      };
    }
    try {
      params = step(params);
    } catch (error) {
      return {
        node,
        issue: { nodeId: node.id, code: 'param', message: `migrating ${node.type} from version ${v} failed: ${(error as Error).message}` },
      };
    }
  }
  return { node: { ...node, typeVersion: def.version, params } };
}

function joinMessages(...parts: (string | undefined)[]): string | undefined {
  const kept = parts.filter((p): p is string => !!p);
  return kept.length ? kept.join('; ') : undefined;
}

export function loadGraphText(text: string, registry: Registry, filePath?: string): LoadedGraph {
  const resolved = filePath ? path.resolve(filePath) : undefined;
  const parsed = parseGraphText(text);
  if (!parsed.graph) {
    return {
      ...(resolved ? { path: resolved } : {}),
      graph: emptyGraph(),
      issues: parsed.issues,
      readOnly: parsed.readOnly,
      message: parsed.message ?? parsed.issues[0]?.message,
    };
  }
  const migrationIssues: ValidationIssue[] = [];
  let newer = 0;
  let migrated = 0;
  const nodes = parsed.graph.nodes.map((node) => {
    const result = migrateNode(node, registry);
    if (result.issue) migrationIssues.push(result.issue);
    if (result.newer) newer++;
    if (result.node !== node) migrated++;
    return result.node;
  });
  const graph: Graph = { ...parsed.graph, nodes };
  // A node that could not be migrated would only repeat it as a version issue; its migration issue says more.
  const unmigrated = new Set(migrationIssues.map((i) => i.nodeId));
  const issues = [
    ...parsed.issues,
    ...migrationIssues,
    ...validateGraph(graph, registry).filter((i) => !((i.code === 'param' || i.code === 'newer-file') && unmigrated.has(i.nodeId))),
  ];
  const readOnly = parsed.readOnly || newer > 0;
  return {
    ...(resolved ? { path: resolved } : {}),
    graph,
    issues,
    readOnly,
    message: joinMessages(
      parsed.message,
      migrated ? `migrated the params of ${migrated} node${migrated === 1 ? '' : 's'} to their current version` : undefined,
      newer ? `${newer} node${newer === 1 ? ' comes' : 's come'} from a newer Condense: opened read-only` : undefined,
    ),
  };
}

const GRAPH_SUFFIX = '.condense.json';

function graphLimit() {
  const limit = maxGraphFileBytes();
  return { maxBytes: limit.value, raise: raiseHint(limit) };
}

export async function loadGraphFile(filePath: string, registry: Registry): Promise<LoadedGraph> {
  const resolved = path.resolve(filePath);
  let text: string;
  try {
    // Only regular files, at most the graph size limit: a path to /dev/zero or a FIFO must not hang the host.
    text = (await readRegularFileAsync(resolved, graphLimit())).toString('utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : error instanceof UnsafePathError ? error.message.slice(resolved.length + 2) : (error as Error).message;
    const message = `cannot read ${resolved}: ${reason}`;
    return { ...loadGraphText('', registry, resolved), issues: [{ code: 'schema', message }], message };
  }
  // A save of this file that was killed (kill -9, a crash) left its temp beside it; opening is a good time to clear it.
  sweepStaleTempFiles(path.dirname(resolved), path.basename(resolved));
  return loadGraphText(text, registry, resolved);
}

/**
 * Writes `data` so a reader sees either the old file or the new one, never half of each. A failed write,
 * fsync or rename removes the temp file; temps of this file left by killed processes are swept first.
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(filePath);
  sweepStaleTempFiles(dir, path.basename(filePath));
  const temp = tempPathFor(filePath);
  try {
    const handle = await fs.promises.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Replacing a file keeps its permissions; a new one gets the default.
    const previous = await fs.promises.stat(filePath).catch(() => undefined);
    if (previous) await fs.promises.chmod(temp, previous.mode & 0o7777);
    await fs.promises.rename(temp, filePath);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  // The rename itself is durable only once the folder's entry is on disk; some platforms refuse to open a folder.
  try {
    const dirHandle = await fs.promises.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  }
}

/**
 * Why saving a graph to `file` would be wrong, or undefined when it may be written: only `*.condense.json`
 * names, nowhere special, and never over a file that is not already a Condense graph (a script, a config).
 */
export async function graphSaveRefusal(file: string): Promise<string | undefined> {
  if (!path.basename(file).endsWith(GRAPH_SUFFIX)) return `${file}: a graph is saved as a ${GRAPH_SUFFIX} file`;
  try {
    checkWritableFile(file);
  } catch (error) {
    return (error as Error).message;
  }
  const existing = await fs.promises.stat(file).catch(() => undefined);
  if (!existing) return undefined;
  let text: string;
  try {
    text = (await readRegularFileAsync(file, graphLimit())).toString('utf8');
  } catch (error) {
    return `${file}: exists and cannot be checked (${(error as Error).message}); not replacing it`;
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown } | null)?.format;
  } catch {
    format = undefined;
  }
  if (format !== 'condense.graph') return `${file}: exists and is not a Condense graph; not replacing it (choose another name)`;
  return undefined;
}

export async function saveGraphFile(filePath: string, graph: Graph): Promise<{ path: string; bytes: number; text: string }> {
  const resolved = path.resolve(filePath);
  const refusal = await graphSaveRefusal(resolved);
  if (refusal) throw new Error(refusal);
  const text = serializeGraph(graph);
  makeDirectories(path.dirname(resolved));
  await writeFileAtomic(resolved, text);
  return { path: resolved, bytes: Buffer.byteLength(text), text };
}

// Graph files are untrusted: before a run, the files a graph reads from outside its own folder are listed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from '../engine/types';
import type { Graph } from '../shared/graph/schema';

export interface ExternalFile {
  path: string;
  /** The node that reads it, or undefined for a graph-level asset. */
  nodeId?: string;
}

function isOutside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/**
 * Places Condense itself reads from whatever the graph says (its bundled datasets, the system's dataset
 * packages): listing them would bury the files a graph author chose among ones nobody chose.
 */
const TRUSTED_FOLDERS = [fileURLToPath(new URL('../../resources', import.meta.url)), '/usr/share/datasets'];

const isTrusted = (file: string) => TRUSTED_FOLDERS.some((folder) => !isOutside(folder, file));

export function externalFiles(graph: Graph, graphPath: string, registry: Registry): ExternalFile[] {
  const folder = path.dirname(graphPath);
  const resolvePath = (p: string) => path.resolve(folder, p);
  const found: ExternalFile[] = [];
  for (const asset of graph.assets) {
    const file = resolvePath(asset.path);
    if (isOutside(folder, file)) found.push({ path: file });
  }
  for (const node of graph.nodes) {
    const definition = registry.get(node.type);
    if (!definition?.files) continue;
    const params = definition.params.safeParse(node.params);
    if (!params.success) continue;
    let files: string[];
    try {
      files = definition.files(params.data, resolvePath);
    } catch {
      // A node that cannot name its files here fails with its own message when it runs.
      continue;
    }
    for (const file of files) if (isOutside(folder, file) && !isTrusted(file)) found.push({ path: file, nodeId: node.id });
  }
  return found;
}

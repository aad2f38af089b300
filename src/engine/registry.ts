// The node registry: every `<dir>/<name>/index.ts` default-exporting a `defineNode({...})`, with the folder's
// README.md as its docs. The repository's nodes/ folder is always loaded; packs (tests, plugins) add to it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeNode, type NodeDefinition, type NodeDescriptor } from '../shared/node-sdk';
import type { Registry } from './types';
import { importTs } from './import-ts';

/** nodes/ beside src/, found from this file so it works from any cwd. */
export const DEFAULT_NODES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../nodes');

export interface LoadedNodeType {
  definition: NodeDefinition;
  folder: string;
  docs: string;
}

export interface EngineRegistry extends Registry {
  entry(type: string): LoadedNodeType | undefined;
}

/** Node folders of one pack, sorted so load order (and error messages) never depend on the file system. */
export function nodeFoldersIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'index.ts')))
    .map((d) => path.join(dir, d.name))
    .sort();
}

function checkDefinition(value: unknown, folder: string): NodeDefinition {
  const def = value as Partial<NodeDefinition> | undefined;
  const problem = !def
    ? 'has no default export (expected `export default defineNode({...})`)'
    : typeof def.type !== 'string' || def.type === ''
      ? 'has no `type`'
      : !Number.isInteger(def.version) || (def.version as number) < 1
        ? '`version` must be an integer >= 1'
        : typeof def.execute !== 'function'
          ? 'has no `execute` function'
          : typeof def.params?.safeParse !== 'function'
            ? '`params` must be a zod object'
            : undefined;
  if (problem || !def) throw new Error(`node folder ${folder}: index.ts ${problem}`);
  // A new node on the canvas starts from `params.parse({})`, so every param needs a default.
  const defaults = def.params!.safeParse({});
  if (!defaults.success) {
    const names = [...new Set(defaults.error.issues.map((i) => String(i.path[0] ?? '?')))].join(', ');
    throw new Error(`node folder ${folder}: params without a default: ${names} (every param needs one)`);
  }
  return def as NodeDefinition;
}

export function createRegistry(types: LoadedNodeType[]): EngineRegistry {
  const byType = new Map<string, LoadedNodeType>();
  for (const loaded of types) {
    const existing = byType.get(loaded.definition.type);
    if (existing) {
      throw new Error(
        `duplicate node type "${loaded.definition.type}": defined in ${existing.folder} and in ${loaded.folder}`,
      );
    }
    byType.set(loaded.definition.type, loaded);
  }
  let descriptors: NodeDescriptor[] | undefined;
  return {
    get: (type) => byType.get(type)?.definition,
    entry: (type) => byType.get(type),
    types: () => [...byType.keys()].sort(),
    descriptors: () =>
      (descriptors ??= [...byType.values()]
        .map((t) => describeNode(t.definition, t.docs))
        .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))),
  };
}

export async function loadNodeFolder(folder: string): Promise<LoadedNodeType> {
  let mod: Record<string, unknown>;
  try {
    mod = await importTs(path.join(folder, 'index.ts'));
  } catch (error) {
    throw new Error(`node folder ${folder}: index.ts failed to load: ${(error as Error).message}`);
  }
  const definition = checkDefinition(mod.default, folder);
  const readme = path.join(folder, 'README.md');
  const docs = fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : '';
  return { definition, folder, docs };
}

/** Loads every node folder of the given packs; `nodesDir` false leaves out the built-in nodes/. */
export async function loadRegistry(options: { nodesDir?: string | false; nodeDirs?: string[] } = {}): Promise<EngineRegistry> {
  const dirs = [
    ...(options.nodesDir === false ? [] : [options.nodesDir ?? DEFAULT_NODES_DIR]),
    ...(options.nodeDirs ?? []),
  ].map((d) => path.resolve(d));
  const folders = dirs.flatMap(nodeFoldersIn);
  const loaded = await Promise.all(folders.map(loadNodeFolder));
  return createRegistry(loaded);
}

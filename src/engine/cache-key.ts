// Cache keys are signatures of everything that determines a node's output: type and version, canonical
// params (defaults applied, keys sorted; a node's own `seed` param among them), what each input port is
// wired to (the upstream key + port), the content of files the node reads, and the graph's seed. Not the
// node id, its position or its label: moving, renaming or copying a node keeps its cache. The node's
// `ctx.seed` is derived from the same content (seed.ts), so it adds nothing the key does not already hold.
// `cache: 'never'` gets a random nonce, so its key (and every key downstream of it) never matches.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nodeSeed } from './seed';

/** JSON with object keys sorted at every level; undefined members dropped, as JSON would. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'bigint':
      return JSON.stringify(`${value}n`);
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

export interface CacheKeyParts {
  type: string;
  typeVersion: number;
  /** Params after the schema parse: defaults applied. */
  params: Record<string, unknown>;
  /** input port -> the upstream node's key and output port. */
  inputs: Record<string, { key: string; port: string }>;
  /** sha256 of each file the node reads, in the order `files()` listed them. */
  fileHashes: string[];
  /** The graph's seed. Left out of a content key, which the node's seed is derived from instead. */
  graphSeed?: number;
  /** Set for `cache: 'never'`: makes the key unique to this run. */
  nonce?: string;
}

export function cacheKeyOf(parts: CacheKeyParts): string {
  return crypto
    .createHash('sha256')
    .update(
      canonicalJson({
        // 2: the graph seed replaced the per-node seed (which was derived from the node id).
        v: 2,
        type: parts.type,
        typeVersion: parts.typeVersion,
        params: parts.params,
        inputs: parts.inputs,
        files: parts.fileHashes,
        ...(parts.graphSeed !== undefined ? { graphSeed: parts.graphSeed } : {}),
        ...(parts.nonce ? { nonce: parts.nonce } : {}),
      }),
    )
    .digest('hex');
}

export function neverCacheNonce(): string {
  return crypto.randomBytes(16).toString('hex');
}

/**
 * Hashes files by content, remembering each hash by path + size + mtime so an unchanged multi-gigabyte
 * dataset is read once per process, not once per run. A missing file hashes to a marker (the node will
 * report it when it runs); once it appears the key changes.
 */
export class FileHasher {
  private memo = new Map<string, { size: number; mtimeMs: number; sha: string }>();

  async hash(file: string): Promise<string> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      return `missing:${file}`;
    }
    if (stat.isDirectory()) return this.hashDirectory(file);
    // A device or FIFO (/dev/zero, a named pipe) would be read forever; the node refuses it when it runs.
    if (!stat.isFile()) return `special:${file}`;
    const known = this.memo.get(file);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.sha;
    const hash = crypto.createHash('sha256');
    await new Promise<void>((resolve, reject) => {
      fs.createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('error', reject)
        .on('end', () => resolve());
    });
    const sha = hash.digest('hex');
    this.memo.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, sha });
    return sha;
  }

  /**
   * A folder (an image folder dataset) is keyed by its listing: every file's relative path, size and
   * mtime. Reading every byte of a large folder on each run would cost more than the run saves.
   */
  private async hashDirectory(dir: string): Promise<string> {
    const entries = (await fs.promises.readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    const listed = await Promise.all(
      entries.map(async (file) => {
        const stat = await fs.promises.stat(file);
        return `${path.relative(dir, file)}\u0000${stat.size}\u0000${stat.mtimeMs}`;
      }),
    );
    return `dir:${crypto.createHash('sha256').update(listed.sort().join('\n')).digest('hex')}`;
  }
}

export interface KeyedNode {
  /** The cache key: the content key's parts with upstream cache keys, plus the graph seed (and a nonce). */
  key: string;
  /**
   * What the node computes, from what: type, version, params, file hashes and the upstream content keys,
   * without the graph seed or any `cache: 'never'` nonce. Only `seed` is derived from it; it is never
   * looked up in the cache.
   */
  contentKey: string;
  /** Params after the schema parse; what the node receives. */
  params: Record<string, unknown>;
  /** `ctx.seed`: `nodeSeed(graphSeed, contentKey)`. */
  seed: number;
}

/**
 * Keys for `order` (topological, so parents come first). A bypassed node's key is its inputs' keys alone:
 * its outputs are its inputs. Nodes whose params do not parse get no key; validation reported them.
 *
 * Two chains are built side by side. Cache keys chain through upstream cache keys, so a `cache: 'never'`
 * nonce makes every key downstream new. Content keys chain through upstream content keys, which carry no
 * nonce, so the seeds of a never-cached node and of its dependents stay the same from run to run: a run
 * repeats the draws of the last one, and only what the never-cached node actually reads (the clock, a
 * server) can make outputs differ. A node that wants fresh randomness on every run draws it itself.
 */
export async function cacheKeysOf(options: {
  nodes: Map<string, { id: string; type: string; typeVersion: number; params: Record<string, unknown>; bypass?: boolean }>;
  order: string[];
  incoming: Map<string, { from: { node: string; port: string }; to: { port: string } }[]>;
  definitionOf: (type: string) => { params: { safeParse(v: unknown): { success: boolean; data?: unknown } }; cache?: 'auto' | 'never'; files?: (params: never, resolve: (p: string) => string) => string[] } | undefined;
  graphSeed: number;
  resolvePath: (p: string) => string;
  hasher: FileHasher;
}): Promise<Map<string, KeyedNode>> {
  const keyed = new Map<string, KeyedNode>();
  for (const id of options.order) {
    const node = options.nodes.get(id)!;
    const def = options.definitionOf(node.type);
    const inputs: Record<string, { key: string; port: string }> = {};
    const contentInputs: Record<string, { key: string; port: string }> = {};
    let complete = true;
    for (const edge of options.incoming.get(id) ?? []) {
      const upstream = keyed.get(edge.from.node);
      if (!upstream) {
        complete = false;
        continue;
      }
      inputs[edge.to.port] = { key: upstream.key, port: edge.from.port };
      contentInputs[edge.to.port] = { key: upstream.contentKey, port: edge.from.port };
    }
    if (!def || !complete) continue;
    if (node.bypass) {
      // Passes its inputs through and never runs code, so neither its params nor the seed matter.
      const bypass = { type: 'bypass', typeVersion: 1, params: {}, fileHashes: [] };
      const contentKey = cacheKeyOf({ ...bypass, inputs: contentInputs });
      keyed.set(id, { key: cacheKeyOf({ ...bypass, inputs }), contentKey, params: node.params, seed: nodeSeed(options.graphSeed, contentKey) });
      continue;
    }
    const parsed = def.params.safeParse(node.params);
    if (!parsed.success) continue;
    const params = parsed.data as Record<string, unknown>;
    let fileHashes: string[] = [];
    if (def.files) {
      try {
        fileHashes = await Promise.all(def.files(params as never, options.resolvePath).map((f) => options.hasher.hash(f)));
      } catch (error) {
        // The node will meet the same problem when it runs and report it there.
        fileHashes = [`files-error:${(error as Error).message}`];
      }
    }
    const common = { type: node.type, typeVersion: node.typeVersion, params, fileHashes };
    const contentKey = cacheKeyOf({ ...common, inputs: contentInputs });
    const key = cacheKeyOf({
      ...common,
      inputs,
      graphSeed: options.graphSeed,
      ...(def.cache === 'never' ? { nonce: neverCacheNonce() } : {}),
    });
    keyed.set(id, { key, contentKey, params, seed: nodeSeed(options.graphSeed, contentKey) });
  }
  return keyed;
}

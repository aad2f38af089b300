// The output cache: cache/entries/<key>.json maps a cache key to the stored objects of each output port.
// An entry's file mtime is its last use (touched on every hit), which drives least-recently-used eviction
// once the objects exceed the size cap. Everything is on disk, so the cache survives restarts and is shared
// by every engine using the same home.
import fs from 'node:fs';
import { tempNameFor } from './temp-name';
import path from 'node:path';
import type { ObjectStore } from './object-store';
import type { StoredOutput } from './types';

export interface CacheEntry {
  key: string;
  type: string;
  typeVersion: number;
  createdAt: number;
  outputs: Record<string, StoredOutput>;
}

/** Orphan objects younger than this may belong to a node that is still being stored; leave them. */
const ORPHAN_GRACE_MS = 10 * 60 * 1000;

export interface EvictionResult {
  entriesRemoved: number;
  objectsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

export class Cache {
  readonly entriesDir: string;

  constructor(
    readonly home: string,
    readonly store: ObjectStore,
    readonly maxBytes: number,
  ) {
    this.entriesDir = path.join(home, 'cache', 'entries');
    fs.mkdirSync(this.entriesDir, { recursive: true });
  }

  private entryPath(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a cache key: ${JSON.stringify(key)}`);
    return path.join(this.entriesDir, `${key}.json`);
  }

  /**
   * The entry for `key` when it and all its objects are present; a hit counts as a use. Synchronous:
   * entries are small, and planning a thousand nodes through the async pool cost more than it saved.
   */
  lookup(key: string): CacheEntry | undefined {
    const file = this.entryPath(key);
    let entry: CacheEntry;
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    if (!Object.values(entry.outputs).every((o) => this.store.hasObject(o.object))) return undefined;
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // Evicted between the read and the touch: the outputs were read, the hit stands.
    }
    return entry;
  }

  /** Written by the worker that produced the outputs, after they are stored (temp file + rename). */
  put(entry: CacheEntry): void {
    const file = this.entryPath(entry.key);
    const temp = tempNameFor(file);
    try {
      fs.writeFileSync(temp, JSON.stringify(entry));
      fs.renameSync(temp, file);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  /**
   * Brings the object store under the cap: removes orphan objects, then entries from the least recently
   * used on, deleting each object once no remaining entry refers to it. `pinned` objects (outputs of runs
   * still in progress) are never deleted.
   */
  async evict(pinned: Set<string> = new Set(), now = Date.now()): Promise<EvictionResult> {
    const objects = new Map<string, { size: number; mtimeMs: number }>();
    for (const name of await fs.promises.readdir(this.store.objectsDir)) {
      if (name.endsWith('.tmp')) continue;
      const stat = await fs.promises.stat(path.join(this.store.objectsDir, name)).catch(() => undefined);
      if (stat) objects.set(name, { size: stat.size, mtimeMs: stat.mtimeMs });
    }
    let total = 0;
    for (const o of objects.values()) total += o.size;
    const result: EvictionResult = { entriesRemoved: 0, objectsRemoved: 0, bytesBefore: total, bytesAfter: total };
    if (total <= this.maxBytes) return result;

    const entries: { file: string; lastUsed: number; objects: string[] }[] = [];
    const refs = new Map<string, number>();
    for (const name of await fs.promises.readdir(this.entriesDir)) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.entriesDir, name);
      try {
        const [stat, text] = await Promise.all([fs.promises.stat(file), fs.promises.readFile(file, 'utf8')]);
        const used = [...new Set(Object.values((JSON.parse(text) as CacheEntry).outputs).map((o) => o.object))];
        entries.push({ file, lastUsed: stat.mtimeMs, objects: used });
        for (const o of used) refs.set(o, (refs.get(o) ?? 0) + 1);
      } catch {
        // An unreadable entry cannot be a hit; it goes first.
        entries.push({ file, lastUsed: 0, objects: [] });
      }
    }
    const removeObject = async (sha: string) => {
      const info = objects.get(sha);
      if (!info || pinned.has(sha)) return;
      await fs.promises.rm(path.join(this.store.objectsDir, sha), { force: true });
      objects.delete(sha);
      total -= info.size;
      result.objectsRemoved++;
    };
    for (const [sha, info] of [...objects]) {
      if (!refs.has(sha) && now - info.mtimeMs > ORPHAN_GRACE_MS) await removeObject(sha);
    }
    entries.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      if (entry.objects.some((o) => pinned.has(o))) continue;
      await fs.promises.rm(entry.file, { force: true });
      result.entriesRemoved++;
      for (const o of entry.objects) {
        const left = (refs.get(o) ?? 1) - 1;
        refs.set(o, left);
        if (left === 0) await removeObject(o);
      }
    }
    result.bytesAfter = total;
    return result;
  }
}

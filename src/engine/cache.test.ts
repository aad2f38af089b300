import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cache, type CacheEntry } from './cache';
import { ObjectStore } from './object-store';
import { tempHome } from './test-support';

const key = (n: number) => n.toString(16).padStart(64, '0');

function setup(maxBytes: number) {
  const home = tempHome();
  const store = new ObjectStore(home);
  const cache = new Cache(home, store, maxBytes);
  const put = (n: number, value: unknown, lastUsed: number): CacheEntry => {
    const stored = store.putValueSync(value);
    const entry: CacheEntry = { key: key(n), type: 't', typeVersion: 1, createdAt: 0, outputs: { out: { ...stored, summary: { type: 'Any' } } } };
    cache.put(entry);
    const when = new Date(lastUsed);
    fs.utimesSync(path.join(cache.entriesDir, `${key(n)}.json`), when, when);
    return entry;
  };
  return { home, store, cache, put };
}

describe('Cache', () => {
  it('finds what was put, across instances', () => {
    const { home, store, cache, put } = setup(1e9);
    const entry = put(1, 'value', Date.now());
    expect(cache.lookup(key(1))).toEqual(entry);
    expect(new Cache(home, store, 1e9).lookup(key(1))).toEqual(entry);
    expect(cache.lookup(key(2))).toBeUndefined();
  });

  it('misses when an object of the entry is gone', () => {
    const { store, cache, put } = setup(1e9);
    const entry = put(1, 'value', Date.now());
    fs.rmSync(store.objectPath(entry.outputs.out.object));
    expect(cache.lookup(key(1))).toBeUndefined();
  });

  it('counts a hit as a use', () => {
    const { cache, put } = setup(1e9);
    put(1, 'value', 1000);
    cache.lookup(key(1));
    expect(fs.statSync(path.join(cache.entriesDir, `${key(1)}.json`)).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('evicts least recently used entries until under the cap, keeping shared objects', async () => {
    const big = 'x'.repeat(1000);
    const { store, cache, put } = setup(2500);
    const oldest = put(1, `${big}1`, 1000);
    put(2, `${big}2`, 2000);
    const shared = put(3, `${big}2`, 3000);
    put(4, `${big}4`, 4000);
    put(5, `${big}5`, 5000);
    const result = await cache.evict();
    // 4 objects of ~1 KB (2 and 3 share one) against a 2.5 KB cap: entries 1, 2, 3 go, and with 3 the shared object.
    expect(result.entriesRemoved).toBe(3);
    expect(result.bytesAfter).toBeLessThanOrEqual(2500);
    expect(cache.lookup(key(1))).toBeUndefined();
    expect(store.hasObject(oldest.outputs.out.object)).toBe(false);
    expect(store.hasObject(shared.outputs.out.object)).toBe(false);
    expect(cache.lookup(key(4))).toBeDefined();
    expect(cache.lookup(key(5))).toBeDefined();
  });

  it('never deletes pinned objects and does nothing under the cap', async () => {
    const { store, cache, put } = setup(10);
    const pinned = put(1, 'pinned value', 1000);
    put(2, 'other value', 2000);
    await cache.evict(new Set([pinned.outputs.out.object]));
    expect(store.hasObject(pinned.outputs.out.object)).toBe(true);
    expect(cache.lookup(key(2))).toBeUndefined();
    const roomy = setup(1e9);
    roomy.put(1, 'v', 1000);
    expect((await roomy.cache.evict()).entriesRemoved).toBe(0);
  });

  it('removes old orphan objects first', async () => {
    const { store, cache, put } = setup(1500);
    const orphan = store.putValueSync('y'.repeat(1000));
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(store.objectPath(orphan.object), old, old);
    const kept = put(1, 'z'.repeat(1000), 1000);
    const result = await cache.evict();
    expect(result).toMatchObject({ entriesRemoved: 0, objectsRemoved: 1 });
    expect(store.hasObject(kept.outputs.out.object)).toBe(true);
  });
});

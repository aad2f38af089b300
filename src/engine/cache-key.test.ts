import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Graph } from '../shared/graph/schema';
import { cacheKeyOf, cacheKeysOf, canonicalJson, FileHasher, type CacheKeyParts, type KeyedNode } from './cache-key';
import { graphOf } from './graph-builder';
import { indexGraph, topologicalOrder } from './graph-index';
import { nodeSeed } from './seed';
import { tempHome } from './test-support';

const base: CacheKeyParts = {
  type: 'test.number',
  typeVersion: 2,
  params: { value: 1, nested: { b: 1, a: 2 } },
  inputs: { a: { key: 'k1', port: 'value' } },
  fileHashes: [],
  graphSeed: 7,
};

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":2,"z":1}]},"b":1}');
  });
});

describe('cacheKeyOf', () => {
  it('ignores key order in params', () => {
    expect(cacheKeyOf({ ...base, params: { nested: { a: 2, b: 1 }, value: 1 } })).toBe(cacheKeyOf(base));
  });

  it('changes with each part that determines the output', () => {
    const key = cacheKeyOf(base);
    const variants: Partial<CacheKeyParts>[] = [
      { type: 'test.other' },
      { typeVersion: 3 },
      { params: { value: 2, nested: { a: 2, b: 1 } } },
      { inputs: { a: { key: 'k2', port: 'value' } } },
      { inputs: { a: { key: 'k1', port: 'other' } } },
      { inputs: { b: { key: 'k1', port: 'value' } } },
      { fileHashes: ['abc'] },
      { graphSeed: 8 },
      { graphSeed: undefined },
      { nonce: 'x' },
    ];
    const keys = variants.map((v) => cacheKeyOf({ ...base, ...v }));
    expect(new Set([key, ...keys]).size).toBe(variants.length + 1);
  });
});

// Definitions standing in for node types: `test.draw` has its own `seed` param, as training nodes do.
const definitions: Record<string, { params: z.ZodType; cache?: 'auto' | 'never' }> = {
  'test.draw': { params: z.object({ seed: z.number().int().default(0), count: z.number().default(1) }) },
  'test.merge': { params: z.object({}) },
  'test.clock': { params: z.object({}), cache: 'never' },
};

async function keysOf(graph: Graph): Promise<Map<string, KeyedNode>> {
  const index = indexGraph(graph);
  return cacheKeysOf({
    nodes: new Map(graph.nodes.map((n) => [n.id, n])),
    order: topologicalOrder(index).order,
    incoming: index.incoming,
    definitionOf: (type) => definitions[type],
    graphSeed: graph.seed ?? 0,
    resolvePath: (p) => p,
    hasher: new FileHasher(),
  });
}

//   <id> (draw) ──> merge.a
const drawInto = (id: string, params: Record<string, unknown> = {}, graphSeed = 0) =>
  graphOf().withSeed(graphSeed).node(id, 'test.draw', params).node('merge', 'test.merge').edge(`${id}.out`, 'merge.a').build();

describe('cacheKeysOf', () => {
  it('keys and seeds by content, not by node id: a renamed node keeps both', async () => {
    const before = await keysOf(drawInto('draw'));
    const after = await keysOf(drawInto('renamed'));
    expect(after.get('renamed')).toEqual(before.get('draw'));
    expect(after.get('merge')).toEqual(before.get('merge'));
  });

  it('gives a copied node (same type, params and inputs) the key and seed of the original', async () => {
    const keys = await keysOf(
      graphOf()
        .node('draw', 'test.draw', { count: 2 })
        .node('copy', 'test.draw', { count: 2 })
        .node('m1', 'test.merge')
        .node('m2', 'test.merge')
        .edge('draw.out', 'm1.a')
        .edge('copy.out', 'm2.a')
        .build(),
    );
    expect(keys.get('copy')).toEqual(keys.get('draw'));
    expect(keys.get('m2')).toEqual(keys.get('m1'));
  });

  it("changes the key and the seed with the node's own seed param and with the graph seed", async () => {
    const base = (await keysOf(drawInto('draw'))).get('draw')!;
    const ownSeed = (await keysOf(drawInto('draw', { seed: 1 }))).get('draw')!;
    const graphSeed = (await keysOf(drawInto('draw', {}, 1))).get('draw')!;
    expect(new Set([base.key, ownSeed.key, graphSeed.key]).size).toBe(3);
    expect(new Set([base.seed, ownSeed.seed, graphSeed.seed]).size).toBe(3);
    // The graph seed reaches the node's seed, not its content key.
    expect(graphSeed.contentKey).toBe(base.contentKey);
    expect(ownSeed.contentKey).not.toBe(base.contentKey);
  });

  it('gives nodes of the same type with different params, or different inputs, different seeds', async () => {
    //   a(count 1) ──> ma ; b(count 2) ──> mb
    const keys = await keysOf(
      graphOf()
        .node('a', 'test.draw', { count: 1 })
        .node('b', 'test.draw', { count: 2 })
        .node('ma', 'test.merge')
        .node('mb', 'test.merge')
        .edge('a.out', 'ma.a')
        .edge('b.out', 'mb.a')
        .build(),
    );
    expect(keys.get('a')!.seed).not.toBe(keys.get('b')!.seed);
    expect(keys.get('ma')!.seed).not.toBe(keys.get('mb')!.seed);
    expect(keys.get('ma')!.key).not.toBe(keys.get('mb')!.key);
  });

  it('derives the seed from the graph seed and the content key', async () => {
    const keyed = (await keysOf(drawInto('draw', {}, 5))).get('draw')!;
    expect(keyed.seed).toBe(nodeSeed(5, keyed.contentKey));
  });

  it('gives a never-cached node and its dependents new keys on every run but the same seeds', async () => {
    //   clock (never) ──> merge.a
    const graph = graphOf().node('clock', 'test.clock').node('merge', 'test.merge').edge('clock.out', 'merge.a').build();
    const [first, second] = [await keysOf(graph), await keysOf(graph)];
    for (const id of ['clock', 'merge']) {
      expect(second.get(id)!.key).not.toBe(first.get(id)!.key);
      expect(second.get(id)!.contentKey).toBe(first.get(id)!.contentKey);
      expect(second.get(id)!.seed).toBe(first.get(id)!.seed);
    }
  });

  it("keys a bypassed node by its inputs' keys alone", async () => {
    const bypassed = (params: Record<string, unknown>) =>
      graphOf().node('draw', 'test.draw').node('skip', 'test.merge', params, { bypass: true }).edge('draw.out', 'skip.a').build();
    const keys = await keysOf(bypassed({}));
    expect(keys.get('skip')!.key).toBe(cacheKeyOf({ type: 'bypass', typeVersion: 1, params: {}, inputs: { a: { key: keys.get('draw')!.key, port: 'out' } }, fileHashes: [] }));
    expect((await keysOf(bypassed({ ignored: true }))).get('skip')!.key).toBe(keys.get('skip')!.key);
  });
});

describe('FileHasher', () => {
  it('hashes by content and notices edits', async () => {
    const file = path.join(tempHome(), 'data.bin');
    fs.writeFileSync(file, 'one');
    const hasher = new FileHasher();
    const first = await hasher.hash(file);
    expect(first).toBe('7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed');
    fs.writeFileSync(file, 'two!');
    expect(await hasher.hash(file)).not.toBe(first);
  });

  it('marks a missing file so its later appearance changes the key', async () => {
    const file = path.join(tempHome(), 'later.bin');
    expect(await new FileHasher().hash(file)).toBe(`missing:${file}`);
  });

  it('trusts the memo while size and mtime are unchanged', async () => {
    const file = path.join(tempHome(), 'big.bin');
    fs.writeFileSync(file, 'aaaa');
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    const hasher = new FileHasher();
    const first = await hasher.hash(file);
    fs.writeFileSync(file, 'bbbb');
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    // Same size and mtime: the memoised hash is returned without reading (the documented trade-off).
    expect(await hasher.hash(file)).toBe(first);
    expect(await new FileHasher().hash(file)).not.toBe(first);
  });
});

describe('FileHasher on folders', () => {
  it('changes when a file in the folder is added or edited', async () => {
    const dir = tempHome();
    fs.mkdirSync(path.join(dir, 'cats'));
    fs.writeFileSync(path.join(dir, 'cats', 'a.png'), 'a');
    const hasher = new FileHasher();
    const first = await hasher.hash(dir);
    expect(await hasher.hash(dir)).toBe(first);
    fs.writeFileSync(path.join(dir, 'cats', 'b.png'), 'b');
    const second = await hasher.hash(dir);
    expect(second).not.toBe(first);
    fs.writeFileSync(path.join(dir, 'cats', 'a.png'), 'longer');
    expect(await hasher.hash(dir)).not.toBe(second);
  });
});

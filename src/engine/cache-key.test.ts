import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKeyOf, canonicalJson, FileHasher, type CacheKeyParts } from './cache-key';
import { tempHome } from './test-support';

const base: CacheKeyParts = {
  type: 'test.number',
  typeVersion: 2,
  params: { value: 1, nested: { b: 1, a: 2 } },
  inputs: { a: { key: 'k1', port: 'value' } },
  fileHashes: [],
  seed: 7,
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
      { seed: 8 },
      { nonce: 'x' },
    ];
    const keys = variants.map((v) => cacheKeyOf({ ...base, ...v }));
    expect(new Set([key, ...keys]).size).toBe(variants.length + 1);
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

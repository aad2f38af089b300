import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore, sha256Of } from './object-store';
import { tempHome } from './test-support';

describe('ObjectStore', () => {
  it('stores values content-addressed, keeping typed arrays', async () => {
    const store = new ObjectStore(tempHome());
    const value = { kind: 'dataset', pixels: new Uint8Array([1, 2, 255]), labels: new Int32Array([-1, 7]), nested: { ok: true } };
    const a = store.putValueSync(value);
    const b = store.putValueSync({ ...value });
    expect(a).toEqual(b);
    expect(fs.readdirSync(store.objectsDir)).toEqual([a.object]);
    const back = (await store.readValue(a.object)) as typeof value;
    expect(back.pixels).toBeInstanceOf(Uint8Array);
    expect(back.labels).toBeInstanceOf(Int32Array);
    expect(back).toEqual(value);
    expect(store.readValueSync(a.object)).toEqual(value);
    expect(sha256Of(fs.readFileSync(store.objectPath(a.object)))).toBe(a.object);
  });

  it('explains a missing object and refuses ids that are not hashes', async () => {
    const store = new ObjectStore(tempHome());
    await expect(store.readValue('0'.repeat(64))).rejects.toThrow('is not in the store');
    expect(() => store.objectPath('../../etc/passwd')).toThrow('not an object id');
  });

  it('keeps artifacts with their mime type', async () => {
    const store = new ObjectStore(tempHome());
    const data = new TextEncoder().encode('hello');
    const ref = store.writeArtifactSync('hello.txt', data, 'text/plain');
    expect(ref).toEqual({ kind: 'artifact', sha256: sha256Of(data), name: 'hello.txt', mime: 'text/plain', bytes: 5 });
    expect(fs.existsSync(path.join(store.artifactsDir, ref.sha256))).toBe(true);
    const back = await store.readArtifact(ref.sha256);
    expect(back.mime).toBe('text/plain');
    expect(new TextDecoder().decode(back.data)).toBe('hello');
    await expect(store.readArtifact('f'.repeat(64))).rejects.toThrow('not found');
  });
});

describe('ObjectStore recent memory', () => {
  it('serves recent objects from memory, each read a fresh copy', () => {
    const store = new ObjectStore(tempHome(), 1024 * 1024);
    const { object } = store.putValueSync({ list: [1, 2] });
    fs.rmSync(store.objectPath(object));
    const first = store.readValueSync(object) as { list: number[] };
    first.list.push(3);
    expect(store.readValueSync(object)).toEqual({ list: [1, 2] });
  });

  it('forgets the oldest objects beyond its budget', () => {
    const store = new ObjectStore(tempHome(), 4000);
    const old = store.putValueSync('a'.repeat(900));
    for (let i = 0; i < 5; i++) store.putValueSync(`${i}`.repeat(900));
    fs.rmSync(store.objectPath(old.object));
    expect(() => store.readValueSync(old.object)).toThrow('is not in the store');
  });
});

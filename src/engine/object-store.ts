// Content-addressed storage on disk. Node outputs are serialized with node:v8 (typed arrays survive, so a
// Dataset's pixels round-trip as a Uint8Array) and stored under cache/objects/<sha256>; artifacts (PNGs,
// tables, ONNX files written by nodes) under artifacts/<sha256> with a small <sha256>.json sidecar for the mime.
// Used from the main thread and from workers: every write is a temp file plus rename, so readers never
// see half an object and concurrent writers of the same content are harmless.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { ArtifactRef } from '../shared/values';
import { tempNameFor } from './temp-name';

const SHA = /^[0-9a-f]{64}$/;

export function sha256Of(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Synchronous on purpose: it runs in worker threads, where blocking is free, and going through the shared
 * libuv pool for every small file made a thousand tiny nodes several times slower.
 */
function writeIfAbsentSync(file: string, data: Uint8Array | string): void {
  if (fs.existsSync(file)) {
    // Touch so a fresh use counts for eviction; a concurrent eviction may have removed it meanwhile.
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
      return;
    } catch {
      // fall through and write it again
    }
  }
  const temp = tempNameFor(file);
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (error) {
    // A full disk must not leave half an object behind under a temp name.
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

export class ObjectStore {
  readonly objectsDir: string;
  readonly artifactsDir: string;
  /**
   * Serialized bytes of recently written or read objects, oldest first, so a chain of nodes on one worker
   * passes values without a disk read. Bytes, not values: every reader deserializes its own copy, so a node
   * that mutates its input cannot change what another node sees.
   */
  private recent = new Map<string, Buffer>();
  private recentBytes = 0;

  constructor(
    readonly home: string,
    private readonly recentMaxBytes = 0,
  ) {
    this.objectsDir = path.join(home, 'cache', 'objects');
    this.artifactsDir = path.join(home, 'artifacts');
    fs.mkdirSync(this.objectsDir, { recursive: true });
    fs.mkdirSync(this.artifactsDir, { recursive: true });
  }

  objectPath(sha: string): string {
    if (!SHA.test(sha)) throw new Error(`not an object id: ${JSON.stringify(sha)}`);
    return path.join(this.objectsDir, sha);
  }

  hasObject(sha: string): boolean {
    return fs.existsSync(this.objectPath(sha));
  }

  private remember(sha: string, data: Buffer): void {
    if (data.byteLength > this.recentMaxBytes / 4) return;
    this.recent.delete(sha);
    this.recent.set(sha, data);
    this.recentBytes += data.byteLength;
    for (const [old, bytes] of this.recent) {
      if (this.recentBytes <= this.recentMaxBytes) break;
      this.recent.delete(old);
      this.recentBytes -= bytes.byteLength;
    }
  }

  /** Worker threads only (blocking). */
  putValueSync(value: unknown): { object: string; bytes: number } {
    const data = v8.serialize(value);
    const object = sha256Of(data);
    writeIfAbsentSync(this.objectPath(object), data);
    this.remember(object, data);
    return { object, bytes: data.byteLength };
  }

  /** Worker threads only (blocking). */
  readValueSync(sha: string): unknown {
    let data = this.recent.get(sha);
    if (!data) {
      try {
        data = fs.readFileSync(this.objectPath(sha));
      } catch (error) {
        throw this.readError(sha, error);
      }
      this.remember(sha, data);
    }
    return v8.deserialize(data);
  }

  async readValue(sha: string): Promise<unknown> {
    let data: Buffer;
    try {
      data = await fs.promises.readFile(this.objectPath(sha));
    } catch (error) {
      throw this.readError(sha, error);
    }
    return v8.deserialize(data);
  }

  private readError(sha: string, error: unknown): Error {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Error(`object ${sha} is not in the store (evicted?)`);
    return error as Error;
  }

  /** Worker threads only (blocking). */
  writeArtifactSync(name: string, data: Uint8Array, mime: string): ArtifactRef {
    const sha = sha256Of(data);
    const file = path.join(this.artifactsDir, sha);
    writeIfAbsentSync(file, data);
    writeIfAbsentSync(`${file}.json`, JSON.stringify({ mime, name }));
    return { kind: 'artifact', sha256: sha, name, mime, bytes: data.byteLength };
  }

  async readArtifact(sha: string): Promise<{ mime: string; data: Uint8Array }> {
    if (!SHA.test(sha)) throw new Error(`not an artifact id: ${JSON.stringify(sha)}`);
    const file = path.join(this.artifactsDir, sha);
    let data: Buffer;
    try {
      data = await fs.promises.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`artifact ${sha} not found`);
      throw error;
    }
    let mime = 'application/octet-stream';
    try {
      mime = (JSON.parse(await fs.promises.readFile(`${file}.json`, 'utf8')) as { mime: string }).mime ?? mime;
    } catch {
      // A missing sidecar only loses the mime type; the bytes are still right.
    }
    return { mime, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }
}

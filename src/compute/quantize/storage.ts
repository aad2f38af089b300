// The compact weight file of a weight-shared model: per quantised layer a float32 codebook and its
// indices packed at b = ceil(log2 K) bits each (the storage of the DGMS deployment flow, methods.md
// section 2); every other parameter and buffer as plain float32, so the file alone rebuilds the weights.
//
// Layout: "CGMW" | u32 header bytes (little-endian) | header JSON (utf-8) | payloads in header order.
import type { Model } from '../model/model.ts';
import { bitsFor, packBits, packedBytes, unpackBits } from '../storage/bits.ts';

const MAGIC = 'CGMW';
const FORMAT = 'condense.shared-weights';
const VERSION = 1;

type Entry =
  | { name: string; kind: 'codebook'; count: number; components: number; bits: number }
  | { name: string; kind: 'param' | 'buffer'; count: number };

interface Header {
  format: typeof FORMAT;
  version: number;
  model: string;
  entries: Entry[];
}

export interface SharedWeights {
  model: string;
  params: Record<string, Float32Array>;
  buffers: Record<string, Float32Array>;
}

/** Bytes of one quantised layer in the file: its codebook plus its packed indices. */
export function codebookBytes(count: number, components: number): number {
  return 4 * components + packedBytes(count, bitsFor(components));
}

function entryBytes(e: Entry): number {
  return e.kind === 'codebook' ? codebookBytes(e.count, e.components) : 4 * e.count;
}

/** The file's bytes. A quantised layer's weights must all be codebook values (they are after snapping). */
export function encodeSharedWeights(model: Model): Uint8Array {
  const entries: Entry[] = [];
  const payloads: Uint8Array[] = [];
  const floats = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  for (const [name, values] of Object.entries(model.params)) {
    const book = model.compression.codebooks[name];
    if (!book) {
      entries.push({ name, kind: 'param', count: values.length });
      payloads.push(floats(values));
      continue;
    }
    if (book.assignments.length !== values.length) throw new Error(`${name}: ${book.assignments.length} codebook assignments for ${values.length} weights`);
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== book.centers[book.assignments[i]!]) throw new Error(`${name}: weight ${i} (${values[i]}) is not its codebook value; snap the weights first`);
    }
    const bits = bitsFor(book.centers.length);
    entries.push({ name, kind: 'codebook', count: values.length, components: book.centers.length, bits });
    payloads.push(floats(Float32Array.from(book.centers)), packBits(book.assignments, bits));
  }
  for (const [name, values] of Object.entries(model.buffers)) {
    entries.push({ name, kind: 'buffer', count: values.length });
    payloads.push(floats(values));
  }
  const header = new TextEncoder().encode(JSON.stringify({ format: FORMAT, version: VERSION, model: model.name, entries } satisfies Header));
  const size = 8 + header.length + payloads.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  let offset = 8 + header.length;
  for (const p of payloads) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The weights a file written by encodeSharedWeights holds. */
export function decodeSharedWeights(bytes: Uint8Array): SharedWeights {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new Error('not a Condense shared-weights file (bad magic)');
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + headerBytes > bytes.length) throw new Error('truncated shared-weights file (header)');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes))) as Header;
  if (header.format !== FORMAT) throw new Error(`not a shared-weights file: format ${header.format}`);
  if (header.version > VERSION) throw new Error(`shared-weights version ${header.version} is newer than this reader (${VERSION})`);
  const params: Record<string, Float32Array> = {};
  const buffers: Record<string, Float32Array> = {};
  let offset = 8 + headerBytes;
  // Copies so every array is aligned and owns its memory.
  const floatsAt = (at: number, count: number): Float32Array => new Float32Array(bytes.slice(at, at + 4 * count).buffer);
  for (const e of header.entries) {
    const size = entryBytes(e);
    if (offset + size > bytes.length) throw new Error(`truncated shared-weights file at ${e.name}`);
    if (e.kind === 'codebook') {
      const centers = floatsAt(offset, e.components);
      const indices = unpackBits(bytes.subarray(offset + 4 * e.components, offset + size), e.bits, e.count);
      params[e.name] = Float32Array.from(indices, (i) => centers[i]!);
    } else (e.kind === 'param' ? params : buffers)[e.name] = floatsAt(offset, e.count);
    offset += size;
  }
  return { model: header.model, params, buffers };
}

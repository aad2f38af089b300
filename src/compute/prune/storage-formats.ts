// Storage formats for pruned (and quantized) weight tensors, written to real bytes so that "compression
// with index bytes" is the size of something that can be read back, not an estimate.
//
//   dense    every value, zeros included
//   csr      rows = output channels: row pointers + a column index per non-zero + the non-zeros
//   pattern  3x3 convs pruned to a pattern library plus connectivity pruning (PCONV, arXiv 1909.05073;
//            PatDNN's compiler format, arXiv 2001.07710): filters reordered by kept-kernel count, kernels
//            in a filter grouped by pattern; per kernel its input channel and pattern id, then the
//            weights at the pattern's positions
//   spm      PCNN's Sparsity Pattern Mask (arXiv 2002.04997): the flattened weight in 1-D groups of length
//            L, one pattern id per group (ceil(log2 P) bits), then the weights at the pattern's positions
//   units    structured pruning (ADMM-NN-S columns or filters): one bit per row (filter) or column of the
//            [shape[0], rest] matrix saying whether it is kept, then every value of the kept ones
//
// Every index is bit-packed to the width it needs (src/compute/storage/bits.ts), the same rule for every
// format, so the comparison between them is fair. Values are float32, or level codes for quantized
// weights (value = k q, k in -M..M; ADMM-NN-S, arXiv 1907.02124) with q stored once.
//
// Layout of `data`: a header (magic, format version, shape, value coding), then sections, each a u32 byte
// length followed by its bytes. `bytes.values` counts the value sections, `bytes.index` the index
// sections (pattern library included), `bytes.total` everything including the header.

import { bitsFor, packBits, unpackBits } from '../storage/bits.ts';

export type ValueCoding = { kind: 'float32' } | { kind: 'levels'; q: number; maxLevel: number };

export type StorageFormat = 'dense' | 'csr' | 'pattern' | 'spm' | 'units';

/** What the units format keeps or drops whole: rows (filters) or columns of the [shape[0], rest] matrix. */
export type UnitAxis = 'rows' | 'columns';

export interface EncodedLayer {
  format: StorageFormat;
  shape: number[];
  data: Uint8Array;
  bytes: { values: number; index: number; total: number };
}

const MAGIC: Record<StorageFormat, number> = { dense: 0x444e5331, csr: 0x43535231, pattern: 0x50415431, spm: 0x53504d31, units: 0x554e5431 };
const FORMAT_OF = new Map(Object.entries(MAGIC).map(([format, magic]) => [magic, format as StorageFormat]));
const FLOAT32 = { kind: 'float32' } as const;

class Writer {
  private readonly chunks: Uint8Array[] = [];
  values = 0;
  index = 0;

  private raw(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.raw(b);
  }

  f32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.raw(b);
  }

  section(bytes: Uint8Array, kind: 'values' | 'index'): void {
    this.u32(bytes.length);
    this.raw(bytes);
    this[kind] += bytes.length;
  }

  finish(format: StorageFormat, shape: number[]): EncodedLayer {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      data.set(c, at);
      at += c.length;
    }
    return { format, shape: [...shape], data, bytes: { values: this.values, index: this.index, total } };
  }
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  u32(): number {
    if (this.at + 4 > this.data.length) throw new Error('truncated weight data');
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  f32(): number {
    if (this.at + 4 > this.data.length) throw new Error('truncated weight data');
    const v = this.view.getFloat32(this.at, true);
    this.at += 4;
    return v;
  }

  section(): Uint8Array {
    const n = this.u32();
    if (this.at + n > this.data.length) throw new Error('truncated weight data');
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function header(w: Writer, format: StorageFormat, shape: readonly number[], coding: ValueCoding): void {
  w.u32(MAGIC[format]);
  w.u32(shape.length);
  for (const d of shape) w.u32(d);
  w.u32(coding.kind === 'levels' ? coding.maxLevel : 0);
  w.f32(coding.kind === 'levels' ? coding.q : 0);
}

function readHeader(r: Reader): { format: StorageFormat; shape: number[]; coding: ValueCoding } {
  const format = FORMAT_OF.get(r.u32());
  if (!format) throw new Error('not a Condense weight layer (bad magic)');
  const rank = r.u32();
  const shape = Array.from({ length: rank }, () => r.u32());
  const maxLevel = r.u32();
  const q = r.f32();
  return { format, shape, coding: maxLevel > 0 ? { kind: 'levels', q, maxLevel } : FLOAT32 };
}

/**
 * Values as bytes: float32, or level codes k + M in ceil(log2(2M + 1)) bits (zero has a code so a kept
 * position that happens to be zero round-trips too).
 */
function encodeValues(values: readonly number[] | Float32Array, coding: ValueCoding): Uint8Array {
  if (coding.kind === 'float32') return new Uint8Array(Float32Array.from(values).buffer);
  const { q, maxLevel: m } = coding;
  if (!(q > 0) || !Number.isInteger(m) || m < 1) throw new RangeError(`level coding needs q > 0 and an integer maxLevel >= 1 (got q ${q}, maxLevel ${m})`);
  const codes = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const k = Math.round(values[i]! / q);
    // The grid is exact up to float32 rounding of k * q.
    if (Math.abs(k) > m || Math.abs(values[i]! - k * q) > 1e-4 * q + 1e-7 * Math.abs(values[i]!))
      throw new RangeError(`value ${values[i]} at ${i} is not on the grid {0, +-${q}, ..., +-${m} x ${q}}`);
    codes[i] = k + m;
  }
  return packBits(codes, bitsFor(2 * m + 1));
}

function decodeValues(bytes: Uint8Array, count: number, coding: ValueCoding): Float32Array {
  if (coding.kind === 'float32') {
    if (bytes.length !== 4 * count) throw new Error(`expected ${count} float32 values, found ${bytes.length} bytes`);
    return new Float32Array(bytes.slice().buffer);
  }
  const codes = unpackBits(bytes, bitsFor(2 * coding.maxLevel + 1), count);
  return Float32Array.from(codes, (c) => Math.fround((c - coding.maxLevel) * coding.q));
}

function checkShape(weight: Float32Array, shape: readonly number[]): void {
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new RangeError(`bad shape [${shape.join(', ')}]`);
  if (sizeOf(shape) !== weight.length) throw new RangeError(`shape [${shape.join(', ')}] holds ${sizeOf(shape)} values, the weight has ${weight.length}`);
}

export function encodeDense(weight: Float32Array, shape: number[], coding: ValueCoding = FLOAT32): EncodedLayer {
  checkShape(weight, shape);
  const w = new Writer();
  header(w, 'dense', shape, coding);
  w.section(encodeValues(weight, coding), 'values');
  return w.finish('dense', shape);
}

/** Compressed sparse rows over [shape[0], rest]: row pointers, column indices, non-zeros. */
export function encodeCsr(weight: Float32Array, shape: number[], coding: ValueCoding = FLOAT32): EncodedLayer {
  checkShape(weight, shape);
  const rows = shape[0]!;
  const cols = weight.length / rows;
  const rowPtr: number[] = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = weight[r * cols + c]!;
      if (v !== 0) {
        colIdx.push(c);
        values.push(v);
      }
    }
    rowPtr.push(values.length);
  }
  const w = new Writer();
  header(w, 'csr', shape, coding);
  w.u32(values.length);
  w.section(packBits(rowPtr, bitsFor(values.length + 1)), 'index');
  w.section(packBits(colIdx, bitsFor(cols)), 'index');
  w.section(encodeValues(values, coding), 'values');
  return w.finish('csr', shape);
}

const popcount = (mask: number): number => {
  let n = 0;
  for (let m = mask >>> 0; m; m >>>= 1) n += m & 1;
  return n;
};

/** Bit positions set in a mask, lowest first (the order a pattern's weights are stored in). */
function positionsOf(mask: number, width: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < width; i++) if ((mask >>> i) & 1) out.push(i);
  return out;
}

/** The first library pattern whose kept positions cover every non-zero of the group, or -1. */
function coveringPattern(group: Float32Array, patterns: readonly number[]): number {
  let nonZero = 0;
  for (let i = 0; i < group.length; i++) if (group[i] !== 0) nonZero |= 1 << i;
  nonZero >>>= 0;
  return patterns.findIndex((p) => ((nonZero & ~p) >>> 0) === 0);
}

function checkLibrary(patterns: readonly number[], width: number, what: string): void {
  if (patterns.length === 0) throw new RangeError(`${what}: the pattern library is empty`);
  const limit = width === 32 ? 2 ** 32 : 2 ** width;
  for (const p of patterns) if (!Number.isInteger(p) || p <= 0 || p >= limit) throw new RangeError(`${what}: pattern ${p} is not a non-empty ${width}-bit mask`);
}

/**
 * 3x3 convolution weights [O, I, 3, 3] pruned to library patterns (9-bit masks, bit r * 3 + c) and by
 * connectivity (an all-zero kernel is a removed input-to-output link and is not stored).
 */
export function encodePattern(weight: Float32Array, shape: number[], patterns: number[], coding: ValueCoding = FLOAT32): EncodedLayer {
  checkShape(weight, shape);
  if (shape.length !== 4 || shape[2] !== 3 || shape[3] !== 3) throw new RangeError(`the pattern format stores 3x3 convolutions [O, I, 3, 3], not [${shape.join(', ')}]`);
  checkLibrary(patterns, 9, 'pattern format');
  const [out, inp] = shape as [number, number, number, number];
  // Per filter, its kept kernels as (input channel, pattern id).
  const filters: { channel: number; pattern: number }[][] = [];
  for (let o = 0; o < out; o++) {
    const kept: { channel: number; pattern: number }[] = [];
    for (let i = 0; i < inp; i++) {
      const kernel = weight.subarray((o * inp + i) * 9, (o * inp + i + 1) * 9);
      if (kernel.every((v) => v === 0)) continue;
      const pattern = coveringPattern(kernel, patterns);
      if (pattern < 0) throw new RangeError(`kernel (filter ${o}, input channel ${i}) fits no pattern of the library`);
      kept.push({ channel: i, pattern });
    }
    // Grouped by pattern inside the filter: kernels of one pattern read the same input positions.
    kept.sort((a, b) => a.pattern - b.pattern || a.channel - b.channel);
    filters.push(kept);
  }
  // Filters with similar kept-kernel counts side by side (balanced work per thread in the paper's compiler).
  const order = filters.map((_, o) => o).sort((a, b) => filters[b]!.length - filters[a]!.length || a - b);
  const offsets: number[] = [0];
  const channels: number[] = [];
  const ids: number[] = [];
  const values: number[] = [];
  for (const o of order) {
    for (const { channel, pattern } of filters[o]!) {
      channels.push(channel);
      ids.push(pattern);
      const base = (o * inp + channel) * 9;
      for (const pos of positionsOf(patterns[pattern]!, 9)) values.push(weight[base + pos]!);
    }
    offsets.push(channels.length);
  }
  const w = new Writer();
  header(w, 'pattern', shape, coding);
  w.u32(patterns.length);
  w.u32(channels.length);
  w.section(packBits(patterns, 9), 'index');
  w.section(packBits(order, bitsFor(out)), 'index');
  w.section(packBits(offsets, bitsFor(channels.length + 1)), 'index');
  w.section(packBits(channels, bitsFor(inp)), 'index');
  w.section(packBits(ids, bitsFor(patterns.length)), 'index');
  w.section(encodeValues(values, coding), 'values');
  return w.finish('pattern', shape);
}

/**
 * The flattened weight in 1-D groups of `groupLength` (L <= 32) consecutive values, each stored as a pattern
 * id (an L-bit mask of the library) and the values at its positions. Every group is stored: PCNN keeps
 * exactly n non-zeros per group.
 */
export function encodeSpm(weight: Float32Array, shape: number[], groupLength: number, patterns: number[], coding: ValueCoding = FLOAT32): EncodedLayer {
  checkShape(weight, shape);
  if (!Number.isInteger(groupLength) || groupLength < 1 || groupLength > 32) throw new RangeError(`group length must be 1..32, got ${groupLength}`);
  if (weight.length % groupLength !== 0) throw new RangeError(`a weight of ${weight.length} values does not split into groups of ${groupLength}`);
  checkLibrary(patterns, groupLength, 'SPM format');
  const groups = weight.length / groupLength;
  const ids = new Uint32Array(groups);
  const values: number[] = [];
  for (let gi = 0; gi < groups; gi++) {
    const group = weight.subarray(gi * groupLength, (gi + 1) * groupLength);
    const pattern = coveringPattern(group, patterns);
    if (pattern < 0) throw new RangeError(`group ${gi} (values ${gi * groupLength}..${(gi + 1) * groupLength - 1}) fits no pattern of the library`);
    ids[gi] = pattern;
    for (const pos of positionsOf(patterns[pattern]!, groupLength)) values.push(group[pos]!);
  }
  const w = new Writer();
  header(w, 'spm', shape, coding);
  w.u32(groupLength);
  w.u32(patterns.length);
  w.section(packBits(patterns, groupLength), 'index');
  w.section(packBits(ids, bitsFor(patterns.length)), 'index');
  w.section(encodeValues(values, coding), 'values');
  return w.finish('spm', shape);
}

/**
 * Whole rows (filters) or whole columns of the [shape[0], rest] matrix pruned: a bit per row or column
 * (kept when any of its values is non-zero), then all values of the kept ones, row by row (rows) or
 * column by column from the top (columns). The index is a bitmap, a few bytes per layer.
 */
export function encodeUnits(weight: Float32Array, shape: number[], axis: UnitAxis, coding: ValueCoding = FLOAT32): EncodedLayer {
  checkShape(weight, shape);
  const rows = shape[0]!;
  const cols = weight.length / rows;
  const units = axis === 'rows' ? rows : cols;
  const length = axis === 'rows' ? cols : rows;
  const at = (unit: number, k: number): number => (axis === 'rows' ? unit * cols + k : k * cols + unit);
  const kept = new Uint32Array(units);
  const values: number[] = [];
  for (let u = 0; u < units; u++) {
    for (let k = 0; k < length && !kept[u]; k++) if (weight[at(u, k)] !== 0) kept[u] = 1;
    if (kept[u]) for (let k = 0; k < length; k++) values.push(weight[at(u, k)]!);
  }
  const w = new Writer();
  header(w, 'units', shape, coding);
  w.u32(axis === 'rows' ? 0 : 1);
  w.section(packBits(kept, 1), 'index');
  w.section(encodeValues(values, coding), 'values');
  return w.finish('units', shape);
}

/** The weights a layer's bytes hold, read from `layer.data` alone. */
export function decodeLayer(layer: Pick<EncodedLayer, 'data'>): Float32Array {
  const r = new Reader(layer.data);
  const { format, shape, coding } = readHeader(r);
  const size = sizeOf(shape);
  const out = new Float32Array(size);
  if (format === 'dense') return decodeValues(r.section(), size, coding);
  if (format === 'csr') {
    const nnz = r.u32();
    const rows = shape[0]!;
    const cols = size / rows;
    const rowPtr = unpackBits(r.section(), bitsFor(nnz + 1), rows + 1);
    const colIdx = unpackBits(r.section(), bitsFor(cols), nnz);
    const values = decodeValues(r.section(), nnz, coding);
    for (let row = 0; row < rows; row++) for (let k = rowPtr[row]!; k < rowPtr[row + 1]!; k++) out[row * cols + colIdx[k]!] = values[k]!;
    return out;
  }
  if (format === 'pattern') {
    const [o, inp] = shape as [number, number];
    const p = r.u32();
    const kernels = r.u32();
    const library = unpackBits(r.section(), 9, p);
    const order = unpackBits(r.section(), bitsFor(o), o);
    const offsets = unpackBits(r.section(), bitsFor(kernels + 1), o + 1);
    const channels = unpackBits(r.section(), bitsFor(inp), kernels);
    const ids = unpackBits(r.section(), bitsFor(p), kernels);
    const valueCount = Array.from(ids).reduce((n, id) => n + popcount(library[id]!), 0);
    const values = decodeValues(r.section(), valueCount, coding);
    let v = 0;
    for (let f = 0; f < o; f++) {
      const filter = order[f]!;
      for (let k = offsets[f]!; k < offsets[f + 1]!; k++) {
        const base = (filter * inp + channels[k]!) * 9;
        for (const pos of positionsOf(library[ids[k]!]!, 9)) out[base + pos] = values[v++]!;
      }
    }
    return out;
  }
  if (format === 'units') {
    const rows = shape[0]!;
    const cols = size / rows;
    const byRows = r.u32() === 0;
    const [units, length] = byRows ? [rows, cols] : [cols, rows];
    const kept = unpackBits(r.section(), 1, units);
    const values = decodeValues(r.section(), kept.reduce((n, k) => n + k, 0) * length, coding);
    let v = 0;
    for (let u = 0; u < units; u++) if (kept[u]) for (let k = 0; k < length; k++) out[byRows ? u * cols + k : k * cols + u] = values[v++]!;
    return out;
  }
  const length = r.u32();
  const p = r.u32();
  const library = unpackBits(r.section(), length, p);
  const groups = size / length;
  const ids = unpackBits(r.section(), bitsFor(p), groups);
  const valueCount = Array.from(ids).reduce((n, id) => n + popcount(library[id]!), 0);
  const values = decodeValues(r.section(), valueCount, coding);
  let v = 0;
  for (let gi = 0; gi < groups; gi++) for (const pos of positionsOf(library[ids[gi]!]!, length)) out[gi * length + pos] = values[v++]!;
  return out;
}


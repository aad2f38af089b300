import { describe, expect, it } from 'vitest';
import { createRng } from '../graph/init.ts';
import { decodeLayer, encodeCsr, encodeDense, encodePattern, encodeSpm, encodeUnits, type ValueCoding } from './storage-formats.ts';

// Four 3x3 patterns (centre, bit 4, always kept): a cross arm and three corners each.
const PATTERNS = [0b000111010, 0b010110010, 0b000011011, 0b110010010].map((m) => m | 0b000010000);

/** A conv weight [o, i, 3, 3] whose kept kernels follow the library and `dropped` kernels are all zero. */
function patternWeight(o: number, i: number, seed: number, dropEvery = 3): { weight: Float32Array; shape: number[]; kept: number } {
  const rng = createRng(seed);
  const weight = new Float32Array(o * i * 9);
  let kept = 0;
  for (let k = 0; k < o * i; k++) {
    if (k % dropEvery === 0) continue;
    kept++;
    const mask = PATTERNS[Math.floor(rng() * PATTERNS.length)]!;
    for (let pos = 0; pos < 9; pos++) if ((mask >> pos) & 1) weight[k * 9 + pos] = rng() * 2 - 1 || 0.5;
  }
  return { weight, shape: [o, i, 3, 3], kept };
}

function onGrid(values: Float32Array, q: number, m: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return values.map((v) => (v === 0 ? 0 : Math.fround(q * (1 + Math.floor(rng() * m)) * (rng() < 0.5 ? -1 : 1))));
}

describe('storage formats', () => {
  it('every format reads back the same weights, from its bytes alone', () => {
    const { weight, shape } = patternWeight(8, 6, 1);
    const levels: ValueCoding = { kind: 'levels', q: 0.05, maxLevel: 7 };
    const quantized = onGrid(weight, 0.05, 7, 2);
    for (const [w, coding] of [
      [weight, undefined],
      [quantized, levels],
    ] as const) {
      for (const layer of [encodeDense(w, shape, coding), encodeCsr(w, shape, coding), encodePattern(w, shape, PATTERNS, coding), encodeSpm(w, shape, 9, PATTERNS, coding)]) {
        expect(Array.from(decodeLayer({ data: layer.data.slice() })), layer.format).toEqual(Array.from(w));
        expect(layer.bytes.total).toBe(layer.data.length);
        expect(layer.bytes.values + layer.bytes.index).toBeLessThan(layer.bytes.total);
      }
    }
  });

  it('counts what is stored: 4 weights per kept kernel in the pattern format, far fewer index bytes than CSR', () => {
    const { weight, shape, kept } = patternWeight(32, 32, 3);
    const pattern = encodePattern(weight, shape, PATTERNS);
    const csr = encodeCsr(weight, shape);
    const dense = encodeDense(weight, shape);
    expect(dense.bytes.values).toBe(4 * weight.length);
    expect(pattern.bytes.values).toBe(4 * 4 * kept);
    expect(csr.bytes.values).toBe(pattern.bytes.values);
    // CSR: a 9-bit column index per non-zero (4 per kernel); pattern: a 5-bit channel + 2-bit pattern id per kernel.
    expect(pattern.bytes.index).toBeLessThan(csr.bytes.index / 4);
    expect(csr.bytes.index).toBeGreaterThanOrEqual(Math.ceil((4 * kept * 9) / 8));
    // 3-bit level codes (M = 3: -3..3) instead of float32.
    const q = encodePattern(onGrid(weight, 0.1, 3, 4), shape, PATTERNS, { kind: 'levels', q: 0.1, maxLevel: 3 });
    expect(q.bytes.values).toBe(Math.ceil((4 * kept * 3) / 8));
  });

  it('SPM: one pattern id per group, n values per group', () => {
    // Groups of 8 along the flattened weight, 2 non-zeros each at one of 4 positions pairs.
    const library = [0b00000011, 0b00001100, 0b00110000, 0b11000000];
    const groups = 64;
    const weight = new Float32Array(groups * 8);
    for (let g = 0; g < groups; g++) for (const pos of [0, 1, 2, 3, 4, 5, 6, 7].filter((p) => (library[g % 4]! >> p) & 1)) weight[g * 8 + pos] = g + pos + 1;
    const spm = encodeSpm(weight, [16, 32], 8, library);
    expect(spm.bytes.values).toBe(groups * 2 * 4);
    // 64 two-bit ids (16 bytes) + the library (4 x 8 bits).
    expect(spm.bytes.index).toBe(16 + 4);
    expect(Array.from(decodeLayer(spm))).toEqual(Array.from(weight));
  });

  it('units: a bit per filter or column, then the kept ones whole', () => {
    // [6, 2, 2, 2]: 6 filters of 8 weights; columns are the 8 positions of the [6, 8] matrix.
    const shape = [6, 2, 2, 2];
    const rng = createRng(7);
    const full = Float32Array.from({ length: 48 }, () => rng() * 2 - 1 || 0.25);
    const filters = full.map((v, i) => ([1, 4].includes(Math.floor(i / 8)) ? 0 : v));
    const columns = full.map((v, i) => ([0, 3, 5].includes(i % 8) ? 0 : v));
    const rows = encodeUnits(filters, shape, 'rows');
    expect(rows.bytes.values).toBe(4 * 4 * 8);
    expect(rows.bytes.index).toBe(1);
    expect(Array.from(decodeLayer({ data: rows.data.slice() }))).toEqual(Array.from(filters));
    const cols = encodeUnits(columns, shape, 'columns');
    expect(cols.bytes.values).toBe(4 * 5 * 6);
    expect(cols.bytes.index).toBe(1);
    expect(Array.from(decodeLayer({ data: cols.data.slice() }))).toEqual(Array.from(columns));
    // Level codes, and a zero inside a kept column is stored as a value.
    const quantized = onGrid(columns, 0.1, 3, 8);
    quantized[1] = 0;
    const q = encodeUnits(quantized, shape, 'columns', { kind: 'levels', q: 0.1, maxLevel: 3 });
    expect(q.bytes.values).toBe(Math.ceil((5 * 6 * 3) / 8));
    expect(Array.from(decodeLayer(q))).toEqual(Array.from(quantized));
  });

  it('refuses weights the format cannot hold, saying where', () => {
    const { weight, shape } = patternWeight(2, 2, 5);
    const stray = weight.slice();
    stray[3 * 9 + 0] = stray[3 * 9 + 0] || 0.7;
    stray[3 * 9 + 8] = 0.9;
    expect(() => encodePattern(stray, shape, PATTERNS)).toThrow(/kernel \(filter 1, input channel 1\) fits no pattern/);
    expect(() => encodePattern(new Float32Array(2 * 2 * 25), [2, 2, 5, 5], PATTERNS)).toThrow(/3x3 convolutions/);
    expect(() => encodeSpm(new Float32Array(10), [10], 4, [0b11])).toThrow(/does not split into groups of 4/);
    expect(() => encodeCsr(Float32Array.of(0.123), [1], { kind: 'levels', q: 0.1, maxLevel: 3 })).toThrow(/not on the grid/);
    expect(() => encodeDense(new Float32Array(5), [2, 2])).toThrow(/holds 4 values, the weight has 5/);
    expect(() => decodeLayer({ data: new Uint8Array(16) })).toThrow(/bad magic/);
  });
});

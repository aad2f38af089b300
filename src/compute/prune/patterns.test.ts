import { describe, expect, it } from 'vitest';
import {
  allMasks,
  bestMaskIds,
  CANDIDATE_PATTERNS,
  extractPatternLibrary,
  frequentMasks,
  groupMaskOf,
  kernelMask,
  keptKernels,
  kernelsKept,
  maskPositions,
  randomPatternLibrary,
  topMask,
} from './patterns';

/** A kernel with the given values at positions (row * 3 + col), small noise elsewhere. */
const kernel = (big: Record<number, number>): number[] => Array.from({ length: 9 }, (_, i) => big[i] ?? 0.01 * ((i % 3) - 1));

describe('3x3 patterns', () => {
  it('has the 56 candidates of 4 entries with the centre kept', () => {
    expect(CANDIDATE_PATTERNS).toHaveLength(56);
    expect(new Set(CANDIDATE_PATTERNS).size).toBe(56);
    for (const m of CANDIDATE_PATTERNS) {
      expect(maskPositions(m, 9)).toHaveLength(4);
      expect(m & (1 << 4)).not.toBe(0);
    }
    expect(allMasks(8, 2)).toHaveLength(28);
  });

  it("takes each kernel's centre plus top-3 magnitudes, and keeps the K most frequent as the library", () => {
    const a = kernel({ 0: 2, 1: -3, 2: 1.5, 4: 0.001 });
    expect(topMask(Float32Array.from(a), 0, 9, 4, 1 << 4)).toBe((1 << 0) | (1 << 1) | (1 << 2) | (1 << 4));
    const b = kernel({ 6: 5, 7: 4, 8: -3 });
    const c = kernel({ 1: 1, 3: 1, 5: 1 });
    // a twice, b three times, c once.
    const layer = Float32Array.from([...a, ...b, ...a, ...b, ...c, ...b]);
    const library = extractPatternLibrary([layer], 2);
    expect(library).toEqual([topMask(Float32Array.from(b), 0, 9, 4, 16), topMask(Float32Array.from(a), 0, 9, 4, 16)]);
    // Asking for more than occur fills with unused candidates.
    const padded = extractPatternLibrary([layer], 5);
    expect(padded).toHaveLength(5);
    expect(new Set(padded).size).toBe(5);
    expect(padded.every((m) => CANDIDATE_PATTERNS.includes(m))).toBe(true);
  });

  it('projects each kernel onto the library pattern keeping the most energy (checked by brute force)', () => {
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const w = Float32Array.from({ length: 9 * 40 }, rnd);
    const library = randomPatternLibrary(8, 3);
    const ids = bestMaskIds(w, 9, library);
    const mask = groupMaskOf(9, library, ids, w.length);
    for (let k = 0; k < 40; k++) {
      const energies = library.map((m) => maskPositions(m, 9).reduce((e, p) => e + w[k * 9 + p]! ** 2, 0));
      expect(energies[ids[k]!]).toBe(Math.max(...energies));
      const kept = maskPositions(library[ids[k]!]!, 9);
      for (let p = 0; p < 9; p++) expect(mask[k * 9 + p]).toBe(kept.includes(p) ? 1 : 0);
    }
  });

  it('draws a random library of distinct candidates, the same for the same seed', () => {
    const a = randomPatternLibrary(12, 5);
    expect(new Set(a).size).toBe(12);
    expect(randomPatternLibrary(12, 5)).toEqual(a);
    expect(randomPatternLibrary(12, 6)).not.toEqual(a);
  });

  it('keeps the kernels of largest L2 norm for connectivity pruning', () => {
    const w = Float32Array.from([...kernel({ 0: 1 }), ...kernel({ 4: 3 }), ...kernel({ 8: 0.5 }), ...kernel({ 2: -2 })]);
    expect(kernelsKept(4, 0.5)).toBe(2);
    expect(kernelsKept(4, 0.99)).toBe(0);
    const kept = keptKernels(w, 9, 2);
    expect([...kept]).toEqual([0, 1, 0, 1]);
    const mask = kernelMask(kept, 9);
    expect(mask.subarray(9, 18).every((v) => v === 1)).toBe(true);
    expect(mask.subarray(0, 9).every((v) => v === 0)).toBe(true);
  });

  it('builds a PCNN library of n-of-L masks, every group keeping exactly n', () => {
    const w = Float32Array.from({ length: 8 * 30 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const library = frequentMasks([w], 8, 2, 6);
    expect(library).toHaveLength(6);
    for (const m of library) expect(maskPositions(m, 8)).toHaveLength(2);
    const mask = groupMaskOf(8, library, bestMaskIds(w, 8, library), w.length);
    for (let g = 0; g < 30; g++) expect(mask.subarray(g * 8, g * 8 + 8).reduce((a, b) => a + b, 0)).toBe(2);
  });
});

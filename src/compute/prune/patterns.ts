// 3x3 kernel patterns and connectivity for PCONV / PatDNN (arXiv 1909.05073, 2001.07710).
// A pattern is the 9-bit mask of a kernel's kept positions, bit index row * 3 + col; every pattern keeps
// 4 entries, the centre (bit 4) always among them, so there are C(8, 3) = 56 candidates.
import { createRng } from '../graph/init.ts';

export const KERNEL_SIZE = 9;
export const CENTRE_BIT = 4;
export const PATTERN_ENTRIES = 4;

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n++;
  return n;
}

/** Every 4-entry 3x3 pattern with the centre kept (56), in increasing mask order. */
export const CANDIDATE_PATTERNS: readonly number[] = Array.from({ length: 1 << KERNEL_SIZE }, (_, m) => m).filter(
  (m) => popcount(m) === PATTERN_ENTRIES && (m & (1 << CENTRE_BIT)) !== 0,
);

/** Positions kept by a mask, ascending. */
export function maskPositions(mask: number, length: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) if (mask & (1 << i)) out.push(i);
  return out;
}

/**
 * The mask of the `keep` largest squared values of w[offset .. offset + length), with `forced` positions
 * always kept (PCONV section 3: the centre plus the top-3 magnitudes of the kernel). Ties go to the lower
 * position, so the result is deterministic.
 */
export function topMask(w: Float32Array, offset: number, length: number, keep: number, forced = 0): number {
  let mask = forced;
  for (let k = popcount(forced); k < keep; k++) {
    let best = -1;
    let bestValue = -1;
    for (let i = 0; i < length; i++) {
      if (mask & (1 << i)) continue;
      const v = w[offset + i]! * w[offset + i]!;
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    mask |= 1 << best;
  }
  return mask;
}

/**
 * The `size` most frequent masks among the groups of `length` consecutive weights of the given layers,
 * each group's mask being `topMask(group, keep, forced)`: PCONV's pattern library (K of the 56, length 9)
 * and PCNN's Sparsity Pattern Mask library (P masks of n of L). Returns masks ordered by frequency, most
 * frequent first; when fewer distinct masks occur, the rest are the lowest unused candidates.
 */
export function frequentMasks(layers: Iterable<Float32Array>, length: number, keep: number, size: number, forced = 0, candidates?: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const w of layers) {
    for (let o = 0; o + length <= w.length; o += length) {
      const m = topMask(w, o, length, keep, forced);
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([m]) => m);
  const library = ranked.slice(0, size);
  if (library.length < size) {
    const fill = candidates ?? allMasks(length, keep, forced);
    for (const m of fill) {
      if (library.length >= size) break;
      if (!library.includes(m)) library.push(m);
    }
  }
  return library;
}

/** All masks of `length` bits with `keep` bits set that contain `forced` (C(length - f, keep - f) of them). */
export function allMasks(length: number, keep: number, forced = 0): number[] {
  const out: number[] = [];
  const f = popcount(forced);
  const rec = (start: number, mask: number, left: number): void => {
    if (left === 0) {
      out.push(mask);
      return;
    }
    for (let i = start; i < length; i++) if (!(forced & (1 << i))) rec(i + 1, mask | (1 << i), left - 1);
  };
  if (keep >= f) rec(0, forced, keep - f);
  return out.sort((a, b) => a - b);
}

/** PCONV's library: the K most frequent centre + top-3 masks of the pretrained 3x3 kernels. */
export function extractPatternLibrary(layers: Iterable<Float32Array>, size: number): number[] {
  return frequentMasks(layers, KERNEL_SIZE, PATTERN_ENTRIES, size, 1 << CENTRE_BIT, CANDIDATE_PATTERNS);
}

/** A library of `size` distinct candidates drawn at random (the random-pattern baseline). */
export function randomPatternLibrary(size: number, seed: number): number[] {
  const rng = createRng(seed);
  const pool = [...CANDIDATE_PATTERNS];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, size);
}

/**
 * For each group of `length` consecutive weights, the index in `library` of the mask keeping the most
 * squared magnitude (PCONV's Z = project_pattern(W + U); PCNN section 4). Ties go to the earlier entry.
 */
export function bestMaskIds(w: Float32Array, length: number, library: readonly number[]): Uint16Array {
  const groups = Math.floor(w.length / length);
  const ids = new Uint16Array(groups);
  const positions = library.map((m) => maskPositions(m, length));
  for (let gi = 0; gi < groups; gi++) {
    const o = gi * length;
    let best = 0;
    let bestEnergy = -1;
    positions.forEach((pos, id) => {
      let e = 0;
      for (const p of pos) e += w[o + p]! * w[o + p]!;
      if (e > bestEnergy) {
        bestEnergy = e;
        best = id;
      }
    });
    ids[gi] = best;
  }
  return ids;
}

/** The 0/1 mask of a weight whose groups keep the library masks `ids` picks. */
export function groupMaskOf(length: number, library: readonly number[], ids: Uint16Array, total: number): Uint8Array {
  const mask = new Uint8Array(total);
  ids.forEach((id, gi) => {
    const m = library[id]!;
    for (let i = 0; i < length; i++) if (m & (1 << i)) mask[gi * length + i] = 1;
  });
  return mask;
}

/**
 * Connectivity pruning (PCONV section 3): the kernels (one input -> output channel link, `kernelSize`
 * consecutive weights) to keep in a layer, the `keep` of largest L2 norm. 1 keeps, 0 removes.
 */
export function keptKernels(w: Float32Array, kernelSize: number, keep: number): Uint8Array {
  const count = w.length / kernelSize;
  const norms = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let s = 0;
    for (let i = 0; i < kernelSize; i++) s += w[k * kernelSize + i]! ** 2;
    norms[k] = s;
  }
  const order = Array.from({ length: count }, (_, k) => k).sort((a, b) => norms[b]! - norms[a]! || a - b);
  const kept = new Uint8Array(count);
  for (let r = 0; r < keep; r++) kept[order[r]!] = 1;
  return kept;
}

/** Kernels a layer keeps at connectivity rate `rate` (the fraction removed), at least one. */
export function kernelsKept(kernels: number, rate: number): number {
  return kernels - Math.round(rate * kernels);
}

/** Expands a per-kernel keep flag to a per-weight mask. */
export function kernelMask(kept: Uint8Array, kernelSize: number): Uint8Array {
  const mask = new Uint8Array(kept.length * kernelSize);
  kept.forEach((k, i) => {
    if (k) mask.fill(1, i * kernelSize, (i + 1) * kernelSize);
  });
  return mask;
}

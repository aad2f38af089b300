// Euclidean projections onto the constraint sets of the pruning methods (ADMM-NN-S arXiv 1907.02124
// section 3; PCONV arXiv 1909.05073; PCNN arXiv 2002.04997): each returns the 0/1 mask of the entries
// the closest point of the set keeps, or (quantisation) the closest point itself.

/** Multiplies by a mask into a new array. */
export function applyMask(w: Float32Array, mask: Uint8Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) if (mask[i]) out[i] = w[i]!;
  return out;
}

/** Masks keeping the `keep` largest |values| over all the arrays together (ties go to the lower index). */
function topKMasks(layers: readonly Float32Array[], keep: number): Uint8Array[] {
  const total = layers.reduce((n, w) => n + w.length, 0);
  const flat = new Float32Array(total);
  const where = new Uint32Array(total);
  let o = 0;
  layers.forEach((w) => {
    for (let i = 0; i < w.length; i++) {
      flat[o] = Math.abs(w[i]!);
      where[o] = o;
      o++;
    }
  });
  // Sort indices by |w| descending; the projection onto {at most `keep` non-zeros} keeps exactly these.
  where.sort((a, b) => flat[b]! - flat[a]! || a - b);
  const masks = layers.map((w) => new Uint8Array(w.length));
  const starts: number[] = [];
  let s = 0;
  for (const w of layers) {
    starts.push(s);
    s += w.length;
  }
  for (let r = 0; r < Math.min(keep, total); r++) {
    const idx = where[r]!;
    let layer = starts.length - 1;
    while (starts[layer]! > idx) layer--;
    masks[layer]![idx - starts[layer]!] = 1;
  }
  return masks;
}

/** ADMM-NN-S eq. (7): the projection onto "at most `keep` non-zeros" keeps the top-|w| entries. */
export function topKMask(w: Float32Array, keep: number): Uint8Array {
  return topKMasks([w], keep)[0]!;
}

/** The same with one budget shared by several layers (a global sparsity target). */
export function globalTopKMasks(layers: readonly Float32Array[], keep: number): Uint8Array[] {
  return topKMasks(layers, keep);
}

/** Weights a layer of `count` keeps at sparsity `sparsity` (the fraction removed). */
export function weightsKept(count: number, sparsity: number): number {
  return count - Math.round(sparsity * count);
}

export type Structure = 'columns' | 'filters';

/**
 * ADMM-NN-S structured sparsity: a weight [O, ...] seen as the GEMM matrix [O, K] (K = the rest of the
 * shape); `filters` keeps the `keep` rows of largest L2 norm, `columns` the `keep` columns.
 */
export function structuredMask(w: Float32Array, shape: readonly number[], structure: Structure, keep: number): Uint8Array {
  const rows = shape[0]!;
  const cols = w.length / rows;
  const count = structure === 'filters' ? rows : cols;
  const norms = new Float64Array(count);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) norms[structure === 'filters' ? r : c]! += w[r * cols + c]! ** 2;
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => norms[b]! - norms[a]! || a - b);
  const kept = new Uint8Array(count);
  for (let i = 0; i < Math.min(keep, count); i++) kept[order[i]!] = 1;
  const mask = new Uint8Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mask[r * cols + c] = kept[structure === 'filters' ? r : c]!;
  return mask;
}

/** Units (rows or columns) a structured layer has. */
export function structuredUnits(shape: readonly number[], structure: Structure): number {
  const rows = shape[0]!;
  return structure === 'filters' ? rows : shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Nearest level index k in +-1..+-M for w at step q (0 is reserved for pruned weights). */
function levelOf(w: number, q: number, maxLevel: number): number {
  const k = Math.min(maxLevel, Math.max(1, Math.round(Math.abs(w) / q)));
  return w < 0 ? -k : k;
}

/** Squared error of snapping the kept entries to the grid of step q. */
function gridError(w: Float32Array, mask: Uint8Array | undefined, q: number, maxLevel: number): number {
  let e = 0;
  for (let i = 0; i < w.length; i++) {
    if (mask ? !mask[i] : w[i] === 0) continue;
    e += (w[i]! - levelOf(w[i]!, q, maxLevel) * q) ** 2;
  }
  return e;
}

/**
 * ADMM-NN-S section 3.2: the grid step q of a layer, from a scan around max|w| / M minimising the squared
 * error of snapping the kept weights to {+-q, ..., +-Mq}. `mask` marks the kept entries (default: the
 * non-zeros).
 */
export function quantizationStep(w: Float32Array, maxLevel: number, mask?: Uint8Array, steps = 64): number {
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) if (mask ? mask[i] : w[i] !== 0) maxAbs = Math.max(maxAbs, Math.abs(w[i]!));
  if (maxAbs === 0) return 1;
  const centre = maxAbs / maxLevel;
  let best = centre;
  let bestError = Infinity;
  // From a tenth to 1.5x the step that makes max|w| the top level: small layers with a few large weights
  // are best served by a finer step that clips the outliers.
  for (let s = 0; s <= steps; s++) {
    const q = centre * (0.1 + (1.4 * s) / steps);
    const e = gridError(w, mask, q, maxLevel);
    if (e < bestError) {
      bestError = e;
      best = q;
    }
  }
  return best;
}

/** ADMM-NN-S eq. (9): each kept entry snapped to the nearest of +-q..+-Mq; pruned entries stay 0. */
export function snapToGrid(w: Float32Array, q: number, maxLevel: number, mask?: Uint8Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) if (mask ? mask[i] : w[i] !== 0) out[i] = levelOf(w[i]!, q, maxLevel) * q;
  return out;
}

/** The signed level index k (value = k * q) of every entry; 0 for pruned ones. */
export function gridLevels(w: Float32Array, q: number, maxLevel: number, mask?: Uint8Array): Int8Array {
  const out = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) if (mask ? mask[i] : w[i] !== 0) out[i] = levelOf(w[i]!, q, maxLevel);
  return out;
}

/** Levels per sign for a bit width: b bits hold 0 and +-1..+-(2^(b-1) - 1). */
export function maxLevelFor(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

// Image-quality metrics of image-to-image models, as pure functions over planar float images in [0, 1]
// ([c, h, w] channels first): PSNR, Gaussian-window SSIM, and the per-band error of a 2-D Haar
// wavelet transform, which separates coarse structure from the fine detail a compressed generator
// tends to lose first.

/** The PSNR of identical images (MSE 0), which is otherwise infinite. */
export const PSNR_CAP_DB = 100;

export function meanSquaredError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`images differ in size: ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return a.length ? s / a.length : 0;
}

/** Peak signal-to-noise ratio in dB for a signal range of 1, capped at PSNR_CAP_DB. */
export function psnrFromMse(mse: number): number {
  if (mse <= 0) return PSNR_CAP_DB;
  return Math.min(PSNR_CAP_DB, -10 * Math.log10(mse));
}

export function psnr(a: Float32Array, b: Float32Array): number {
  return psnrFromMse(meanSquaredError(a, b));
}

export interface SsimOptions {
  /** Gaussian window size (odd); shrunk to the largest odd size that fits smaller images. Default 11. */
  window?: number;
  /** Default 1.5, as in Wang et al. 2004. */
  sigma?: number;
}

function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const r = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  return k.map((v) => v / sum);
}

/** Separable 'valid' filtering of one [h, w] plane. */
function filterValid(plane: Float64Array, h: number, w: number, k: Float64Array): Float64Array {
  const n = k.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * plane[y * w + x + i]!;
      rows[y * ow + x] = s;
    }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * rows[(y + i) * ow + x]!;
      out[y * ow + x] = s;
    }
  return out;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) with a Gaussian window, C1 = (0.01)^2,
 * C2 = (0.03)^2 for a range of 1, over the positions where the window fits ('valid'), averaged over
 * positions and channels.
 */
export function ssim(a: Float32Array, b: Float32Array, shape: readonly [number, number, number], options: SsimOptions = {}): number {
  const [c, h, w] = shape;
  if (a.length !== c * h * w || b.length !== a.length) throw new Error(`images do not have shape ${shape.join('x')}`);
  let size = Math.min(options.window ?? 11, h, w);
  if (size % 2 === 0) size--;
  const k = gaussianKernel(size, options.sigma ?? 1.5);
  const [c1, c2] = [0.01 ** 2, 0.03 ** 2];
  const plane = h * w;
  let total = 0;
  let count = 0;
  for (let ch = 0; ch < c; ch++) {
    const x = Float64Array.from(a.subarray(ch * plane, (ch + 1) * plane));
    const y = Float64Array.from(b.subarray(ch * plane, (ch + 1) * plane));
    const mx = filterValid(x, h, w, k);
    const my = filterValid(y, h, w, k);
    const xx = filterValid(x.map((v) => v * v), h, w, k);
    const yy = filterValid(y.map((v) => v * v), h, w, k);
    const xy = filterValid(x.map((v, i) => v * y[i]!), h, w, k);
    for (let i = 0; i < mx.length; i++) {
      const [ux, uy] = [mx[i]!, my[i]!];
      const vx = xx[i]! - ux * ux;
      const vy = yy[i]! - uy * uy;
      const cov = xy[i]! - ux * uy;
      total += ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}

/** One level of a 2-D Haar DWT: the detail bands, and the approximation LL the next level splits. */
export interface HaarLevel {
  /** Size of each band at this level. */
  height: number;
  width: number;
  /** Low-pass along width, high-pass along height (horizontal edges). */
  lh: Float64Array;
  /** High-pass along width, low-pass along height (vertical edges). */
  hl: Float64Array;
  hh: Float64Array;
  ll: Float64Array;
}

/**
 * Orthonormal 2-D Haar DWT of one [h, w] plane, `levels` deep. Each level reads 2x2 blocks
 * (a b / c d) of the previous LL: LL = (a+b+c+d)/2, LH = (a+b-c-d)/2, HL = (a-b+c-d)/2,
 * HH = (a-b-c+d)/2. An odd last row or column is dropped.
 */
export function haarDwt2d(plane: ArrayLike<number>, h: number, w: number, levels: number): HaarLevel[] {
  if (plane.length !== h * w) throw new Error(`plane of ${plane.length} values is not ${h}x${w}`);
  const out: HaarLevel[] = [];
  let cur: Float64Array = Float64Array.from(plane);
  let [ch, cw] = [h, w];
  for (let l = 0; l < levels; l++) {
    const [oh, ow] = [ch >> 1, cw >> 1];
    if (oh < 1 || ow < 1) throw new Error(`a ${h}x${w} image allows ${l} Haar levels, not ${levels}`);
    const lvl: HaarLevel = { height: oh, width: ow, ll: new Float64Array(oh * ow), lh: new Float64Array(oh * ow), hl: new Float64Array(oh * ow), hh: new Float64Array(oh * ow) };
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        const a = cur[2 * y * cw + 2 * x]!;
        const b = cur[2 * y * cw + 2 * x + 1]!;
        const c = cur[(2 * y + 1) * cw + 2 * x]!;
        const d = cur[(2 * y + 1) * cw + 2 * x + 1]!;
        const i = y * ow + x;
        lvl.ll[i] = (a + b + c + d) / 2;
        lvl.lh[i] = (a + b - c - d) / 2;
        lvl.hl[i] = (a - b + c - d) / 2;
        lvl.hh[i] = (a - b - c + d) / 2;
      }
    out.push(lvl);
    cur = lvl.ll;
    [ch, cw] = [oh, ow];
  }
  return out;
}

/** Haar levels an image of this size allows (each level halves both sides). */
export function maxHaarLevels(h: number, w: number): number {
  let n = 0;
  for (let s = Math.min(h, w); s >= 2; s >>= 1) n++;
  return n;
}

/** Per-level band errors; level 1 is the finest. `ll` is the approximation at that level. */
export interface BandErrors {
  level: number;
  lh: number;
  hl: number;
  hh: number;
  ll: number;
}

/**
 * Mean squared difference of the Haar coefficients of `output` and `target` ([c, h, w]) per band
 * and level, averaged over channels (each channel transformed separately).
 */
export function dwtBandErrors(output: Float32Array, target: Float32Array, shape: readonly [number, number, number], levels: number): BandErrors[] {
  const [c, h, w] = shape;
  if (output.length !== c * h * w || target.length !== output.length) throw new Error(`images do not have shape ${shape.join('x')}`);
  const plane = h * w;
  const sums = Array.from({ length: levels }, (_, i) => ({ level: i + 1, lh: 0, hl: 0, hh: 0, ll: 0 }));
  const sq = (p: Float64Array, q: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += (p[i]! - q[i]!) ** 2;
    return s / p.length;
  };
  for (let ch = 0; ch < c; ch++) {
    const po = haarDwt2d(output.subarray(ch * plane, (ch + 1) * plane), h, w, levels);
    const pt = haarDwt2d(target.subarray(ch * plane, (ch + 1) * plane), h, w, levels);
    po.forEach((lo, l) => {
      const lt = pt[l]!;
      const s = sums[l]!;
      s.lh += sq(lo.lh, lt.lh) / c;
      s.hl += sq(lo.hl, lt.hl) / c;
      s.hh += sq(lo.hh, lt.hh) / c;
      s.ll += sq(lo.ll, lt.ll) / c;
    });
  }
  return sums;
}

// Frequency content of first-layer conv kernels (arXiv 1911.12044; methods.md section 9, step 1).
// Each kernel w_k [C, kh, kw] is zero-padded to N x N and transformed with a 2-D DFT; its power
// spectrum is summed over the input channels. A frequency (u, v) is "high" when its radius
// sqrt(fu^2 + fv^2), in cycles per pixel (Nyquist 0.5), lies above cutoff * 0.5. A kernel's
// high-frequency share is the part of its spectral energy at high frequencies; the layer's
// high-frequency proportion is the share of kernels whose high-frequency share exceeds 0.5.
//
// Because the padded DFT is linear in the weights, both the high-frequency energy and the split of a
// kernel into low- and high-pass parts are fixed linear maps of the kh*kw weights. They are built here
// once as small matrices, so training records them as MatMuls on the graph and the autodiff
// differentiates them (frequency-training.ts).

export interface SpectrumOptions {
  /** Side the kernels are zero-padded to before the DFT (default 16). */
  pad?: number;
  /** Radial cutoff as a fraction of Nyquist (default 0.5: half Nyquist). */
  cutoff?: number;
}

export interface KernelSpectra {
  /** Per output kernel: power spectrum [N, N], centred (DC in the middle), summed over input channels. */
  power: Float64Array[];
  /** Per output kernel: high-frequency energy / total energy (0 for an all-zero kernel). */
  highShare: number[];
  /** Share of kernels whose high-frequency share exceeds 0.5. */
  highProportion: number;
  /** Mean of highShare. */
  meanHighShare: number;
  pad: number;
  cutoff: number;
  /** highMask[u * N + v]: 1 where (u, v), in centred order, is a high frequency. */
  highMask: Uint8Array;
}

/** Signed frequency of DFT index u of N, in cycles per pixel. */
const frequencyOf = (u: number, n: number): number => (u < n / 2 ? u : u - n) / n;

/** High-frequency mask of an N x N DFT in natural (unshifted) order. */
export function highFrequencyMask(n: number, cutoff: number): Uint8Array {
  const mask = new Uint8Array(n * n);
  const radius = cutoff * 0.5;
  for (let u = 0; u < n; u++)
    for (let v = 0; v < n; v++) {
      const r = Math.hypot(frequencyOf(u, n), frequencyOf(v, n));
      mask[u * n + v] = r > radius + 1e-12 ? 1 : 0;
    }
  return mask;
}

function checkOptions(kh: number, kw: number, o: SpectrumOptions): { n: number; cutoff: number } {
  const n = o.pad ?? 16;
  const cutoff = o.cutoff ?? 0.5;
  if (!Number.isInteger(n) || n < Math.max(kh, kw)) throw new Error(`pad ${n} is smaller than the ${kh}x${kw} kernels`);
  if (!(cutoff > 0 && cutoff < Math.SQRT2)) throw new Error(`cutoff must lie in (0, sqrt 2) of Nyquist, got ${cutoff}`);
  return { n, cutoff };
}

/** Spectra of every output kernel of a conv weight [O, C, kh, kw]. */
export function kernelSpectra(weight: ArrayLike<number>, shape: readonly number[], options: SpectrumOptions = {}): KernelSpectra {
  if (shape.length !== 4) throw new Error(`a conv weight is [O, C, kh, kw], got [${shape}]`);
  const [o, c, kh, kw] = shape as [number, number, number, number];
  const { n, cutoff } = checkOptions(kh, kw, options);
  const mask = highFrequencyMask(n, cutoff);
  const cos = (a: number) => Math.cos((2 * Math.PI * a) / n);
  const sin = (a: number) => Math.sin((2 * Math.PI * a) / n);
  const power: Float64Array[] = [];
  const highShare: number[] = [];
  const shifted = new Uint8Array(n * n);
  const half = Math.floor(n / 2);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) shifted[((u + half) % n) * n + ((v + half) % n)] = mask[u * n + v]!;
  for (let k = 0; k < o; k++) {
    const p = new Float64Array(n * n);
    let high = 0;
    let total = 0;
    for (let ch = 0; ch < c; ch++) {
      const base = (k * c + ch) * kh * kw;
      for (let u = 0; u < n; u++)
        for (let v = 0; v < n; v++) {
          let re = 0;
          let im = 0;
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++) {
              const w = weight[base + y * kw + x]!;
              const a = u * y + v * x;
              re += w * cos(a);
              im -= w * sin(a);
            }
          const e = re * re + im * im;
          p[((u + half) % n) * n + ((v + half) % n)]! += e;
          total += e;
          if (mask[u * n + v]) high += e;
        }
    }
    power.push(p);
    highShare.push(total > 0 ? high / total : 0);
  }
  const highProportion = highShare.filter((s) => s > 0.5).length / Math.max(1, o);
  const meanHighShare = highShare.reduce((a, b) => a + b, 0) / Math.max(1, o);
  return { power, highShare, highProportion, meanHighShare, pad: n, cutoff, highMask: shifted };
}

/**
 * M [2 * H, kh * kw] whose rows are the real and imaginary DFT rows of the H high frequencies, scaled by
 * 1/N: ||M w||^2 is the kernel's high-frequency energy, in the units of ||w||^2 (Parseval: over all N^2
 * frequencies the scaled energy is exactly ||w||^2).
 */
export function highEnergyMatrix(kh: number, kw: number, options: SpectrumOptions = {}): { matrix: Float32Array; rows: number } {
  const { n, cutoff } = checkOptions(kh, kw, options);
  const mask = highFrequencyMask(n, cutoff);
  const rows: number[][] = [];
  for (let u = 0; u < n; u++)
    for (let v = 0; v < n; v++) {
      if (!mask[u * n + v]) continue;
      const re: number[] = [];
      const im: number[] = [];
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          const a = (2 * Math.PI * (u * y + v * x)) / n;
          re.push(Math.cos(a) / n);
          im.push(-Math.sin(a) / n);
        }
      rows.push(re, im);
    }
  return { matrix: Float32Array.from(rows.flat()), rows: rows.length };
}

/**
 * L [kh*kw, kh*kw]: the low-pass part of a kernel, LP(w) = crop(IDFT(low mask * DFT(pad(w)))), as a
 * matrix acting on the flattened kernel (LP(w) = L w). HP(w) = w - LP(w), so LP + HP is exactly w.
 */
export function lowPassMatrix(kh: number, kw: number, options: SpectrumOptions = {}): Float32Array {
  const { n, cutoff } = checkOptions(kh, kw, options);
  const mask = highFrequencyMask(n, cutoff);
  const k = kh * kw;
  const out = new Float32Array(k * k);
  // Column j is LP of the j-th basis kernel: sum over low frequencies of e^{2 pi i f (p - q)} / N^2.
  for (let yq = 0; yq < kh; yq++)
    for (let xq = 0; xq < kw; xq++)
      for (let yp = 0; yp < kh; yp++)
        for (let xp = 0; xp < kw; xp++) {
          let s = 0;
          for (let u = 0; u < n; u++)
            for (let v = 0; v < n; v++) if (!mask[u * n + v]) s += Math.cos((2 * Math.PI * (u * (yp - yq) + v * (xp - xq))) / n);
          out[(yp * kw + xp) * k + (yq * kw + xq)] = s / (n * n);
        }
  return out;
}

/** LP(w) + m_k HP(w) of a weight [O, C, kh, kw] with one modulation m_k per output kernel (baked weights). */
export function modulateKernels(weight: Float32Array, shape: readonly number[], m: ArrayLike<number>, lowPass: Float32Array): Float32Array {
  const [o, c, kh, kw] = shape as [number, number, number, number];
  const k = kh * kw;
  const out = new Float32Array(weight.length);
  for (let r = 0; r < o * c; r++) {
    const mk = m[Math.floor(r / c)]!;
    for (let p = 0; p < k; p++) {
      let lp = 0;
      for (let q = 0; q < k; q++) lp += lowPass[p * k + q]! * weight[r * k + q]!;
      out[r * k + p] = lp + mk * (weight[r * k + p]! - lp);
    }
  }
  return out;
}

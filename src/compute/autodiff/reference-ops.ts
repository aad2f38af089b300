// Straightforward float64 implementations of the ops onnxruntime's CPU provider only runs in
// float32. They exist to give gradient checks a float64 reference; they favour obviousness over
// speed.

export interface Conv2dGeometry {
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

type Shape4 = [number, number, number, number];

/** x [N, C, H, W], w [O, C/G, kH, kW]. */
export function conv2dRef(x: Float64Array, xs: Shape4, w: Float64Array, ws: Shape4, bias: Float64Array | null, geo: Conv2dGeometry = {}): Float64Array {
  const [n, c, h, wd] = xs;
  const [o, cg, kh, kw] = ws;
  const [sh, sw] = geo.stride ?? [1, 1];
  const [ph, pw] = geo.padding ?? [0, 0];
  const [dh, dw] = geo.dilation ?? [1, 1];
  const groups = geo.groups ?? 1;
  const og = o / groups;
  const ho = Math.floor((h + 2 * ph - (kh - 1) * dh - 1) / sh) + 1;
  const wo = Math.floor((wd + 2 * pw - (kw - 1) * dw - 1) / sw) + 1;
  const y = new Float64Array(n * o * ho * wo);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++) {
          let acc = bias ? bias[oc]! : 0;
          for (let ic = 0; ic < cg; ic++)
            for (let a = 0; a < kh; a++)
              for (let e = 0; e < kw; e++) {
                const yi = i * sh + a * dh - ph;
                const xj = j * sw + e * dw - pw;
                if (yi < 0 || yi >= h || xj < 0 || xj >= wd) continue;
                acc += x[((b * c + g * cg + ic) * h + yi) * wd + xj]! * w[((oc * cg + ic) * kh + a) * kw + e]!;
              }
          y[((b * o + oc) * ho + i) * wo + j] = acc;
        }
    }
  return y;
}

/** x [N, C, H, W], w [C, O/G, kH, kW]; the adjoint of conv2dRef plus output padding. */
export function convTranspose2dRef(
  x: Float64Array,
  xs: Shape4,
  w: Float64Array,
  ws: Shape4,
  bias: Float64Array | null,
  geo: Conv2dGeometry & { outputPadding?: [number, number] } = {},
): Float64Array {
  const [n, c, h, wd] = xs;
  const [, og, kh, kw] = ws;
  const [sh, sw] = geo.stride ?? [1, 1];
  const [ph, pw] = geo.padding ?? [0, 0];
  const [dh, dw] = geo.dilation ?? [1, 1];
  const [oph, opw] = geo.outputPadding ?? [0, 0];
  const groups = geo.groups ?? 1;
  const cg = c / groups;
  const o = og * groups;
  const ho = sh * (h - 1) + oph + (kh - 1) * dh + 1 - 2 * ph;
  const wo = sw * (wd - 1) + opw + (kw - 1) * dw + 1 - 2 * pw;
  const y = new Float64Array(n * o * ho * wo);
  for (let b = 0; b < n; b++)
    for (let ic = 0; ic < c; ic++) {
      const g = Math.floor(ic / cg);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < wd; j++) {
          const v = x[((b * c + ic) * h + i) * wd + j]!;
          for (let oc = 0; oc < og; oc++)
            for (let a = 0; a < kh; a++)
              for (let e = 0; e < kw; e++) {
                const yi = i * sh + a * dh - ph;
                const yj = j * sw + e * dw - pw;
                if (yi < 0 || yi >= ho || yj < 0 || yj >= wo) continue;
                y[((b * o + g * og + oc) * ho + yi) * wo + yj]! += v * w[((ic * og + oc) * kh + a) * kw + e]!;
              }
        }
    }
  if (bias) for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) for (let k = 0; k < ho * wo; k++) y[(b * o + oc) * ho * wo + k]! += bias[oc]!;
  return y;
}

/**
 * Average pooling with ONNX's count_include_pad semantics. In ceil mode the last window may run
 * past the padded input; only positions inside it are counted.
 */
export function avgPool2dRef(
  x: Float64Array,
  xs: Shape4,
  kernel: [number, number],
  stride: [number, number],
  padding: [number, number],
  countIncludePad: boolean,
  ceilMode = false,
): Float64Array {
  const [n, c, h, w] = xs;
  const outSize = (size: number, axis: 0 | 1) => {
    const span = size + 2 * padding[axis] - kernel[axis];
    let out = (ceilMode ? Math.ceil(span / stride[axis]) : Math.floor(span / stride[axis])) + 1;
    if (ceilMode && (out - 1) * stride[axis] >= size + padding[axis]) out--;
    return out;
  };
  const ho = outSize(h, 0);
  const wo = outSize(w, 1);
  const y = new Float64Array(n * c * ho * wo);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        let acc = 0;
        let count = 0;
        for (let a = 0; a < kernel[0]; a++)
          for (let e = 0; e < kernel[1]; e++) {
            const yi = i * stride[0] + a - padding[0];
            const xj = j * stride[1] + e - padding[1];
            if (yi < 0 || yi >= h || xj < 0 || xj >= w) {
              const inPadded = yi < h + padding[0] && xj < w + padding[1];
              if (countIncludePad && inPadded) count++;
              continue;
            }
            acc += x[(p * h + yi) * w + xj]!;
            count++;
          }
        y[(p * ho + i) * wo + j] = acc / count;
      }
  return y;
}

export function globalAvgPoolRef(x: Float64Array, xs: Shape4): Float64Array {
  const [n, c, h, w] = xs;
  const y = new Float64Array(n * c);
  for (let p = 0; p < n * c; p++) {
    let acc = 0;
    for (let k = 0; k < h * w; k++) acc += x[p * h * w + k]!;
    y[p] = acc / (h * w);
  }
  return y;
}

export function upsampleNearestRef(x: Float64Array, xs: Shape4, scale: number): Float64Array {
  const [n, c, h, w] = xs;
  const y = new Float64Array(n * c * h * scale * w * scale);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < h * scale; i++)
      for (let j = 0; j < w * scale; j++) y[(p * h * scale + i) * w * scale + j] = x[(p * h + Math.floor(i / scale)) * w + Math.floor(j / scale)]!;
  return y;
}

/** erf by its Maclaurin series: exact to float64 rounding for |x| <= 3. */
export function erfRef(x: number): number {
  if (Math.abs(x) > 3) throw new Error('erfRef is meant for |x| <= 3');
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * One level of the 2-D Haar transform with 1/2 normalisation, per 2x2 block [a b; c d]:
 * LL = (a+b+c+d)/2, LH = (a+b-c-d)/2, HL = (a-b+c-d)/2, HH = (a-b-c+d)/2. Returns the four bands
 * [N, C, H/2, W/2] each (odd sizes drop their last row or column).
 */
export function haarLevelRef(x: Float64Array, xs: Shape4): { ll: Float64Array; lh: Float64Array; hl: Float64Array; hh: Float64Array } {
  const [n, c, h, w] = xs;
  const [ho, wo] = [Math.floor(h / 2), Math.floor(w / 2)];
  const make = () => new Float64Array(n * c * ho * wo);
  const bands = { ll: make(), lh: make(), hl: make(), hh: make() };
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const at = (di: number, dj: number) => x[(p * h + 2 * i + di) * w + 2 * j + dj]!;
        const [a, b, cc, d] = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
        const k = (p * ho + i) * wo + j;
        bands.ll[k] = (a + b + cc + d) / 2;
        bands.lh[k] = (a + b - cc - d) / 2;
        bands.hl[k] = (a - b + cc - d) / 2;
        bands.hh[k] = (a - b - cc + d) / 2;
      }
  return bands;
}

/**
 * Bilinear resize of H and W by `scale`, half-pixel centres with the source coordinate clamped to
 * the image (onnxruntime's Resize linear/half_pixel, PyTorch's align_corners=False).
 */
export function resizeBilinearRef(
  x: Float64Array,
  xs: Shape4,
  scale: number,
  /** Output sizes given instead of a scale (the scale per axis is then output / input). */
  sizes?: { h: number; w: number; pytorchHalfPixel?: boolean },
): Float64Array {
  const [n, c, h, w] = xs;
  const [ho, wo] = sizes ? [sizes.h, sizes.w] : [Math.floor(h * scale), Math.floor(w * scale)];
  const source = (o: number, size: number, out: number) => {
    const axisScale = sizes ? out / size : scale;
    const centre = sizes?.pytorchHalfPixel && out === 1 ? 0 : (o + 0.5) / axisScale - 0.5;
    const s = Math.min(Math.max(centre, 0), size - 1);
    const lo = Math.floor(s);
    return { lo, hi: Math.min(lo + 1, size - 1), t: s - lo };
  };
  const y = new Float64Array(n * c * ho * wo);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < ho; i++) {
      const r = source(i, h, ho);
      for (let j = 0; j < wo; j++) {
        const q = source(j, w, wo);
        const at = (yi: number, xj: number) => x[(p * h + yi) * w + xj]!;
        const top = at(r.lo, q.lo) * (1 - q.t) + at(r.lo, q.hi) * q.t;
        const bottom = at(r.hi, q.lo) * (1 - q.t) + at(r.hi, q.hi) * q.t;
        y[(p * ho + i) * wo + j] = top * (1 - r.t) + bottom * r.t;
      }
    }
  return y;
}

/** PyTorch's affine_grid: theta [N, 2, 3] -> grid [N, H, W, 2]. */
export function affineGridRef(theta: Float64Array, n: number, h: number, w: number, alignCorners = false): Float64Array {
  const at = (i: number, size: number) => (alignCorners ? (size > 1 ? (2 * i) / (size - 1) - 1 : 0) : (2 * i + 1) / size - 1);
  const grid = new Float64Array(n * h * w * 2);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const [u, v] = [at(j, w), at(i, h)];
        const t = (r: number, k: number) => theta[b * 6 + r * 3 + k]!;
        const p = ((b * h + i) * w + j) * 2;
        grid[p] = t(0, 0) * u + t(0, 1) * v + t(0, 2);
        grid[p + 1] = t(1, 0) * u + t(1, 1) * v + t(1, 2);
      }
  return grid;
}

/** PyTorch's grid_sample, bilinear with zeros padding. */
export function gridSampleRef(x: Float64Array, xs: Shape4, grid: Float64Array, ho: number, wo: number, alignCorners = false): Float64Array {
  const [n, c, h, w] = xs;
  const y = new Float64Array(n * c * ho * wo);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const p = ((b * ho + i) * wo + j) * 2;
        const ix = alignCorners ? ((grid[p]! + 1) * (w - 1)) / 2 : ((grid[p]! + 1) * w - 1) / 2;
        const iy = alignCorners ? ((grid[p + 1]! + 1) * (h - 1)) / 2 : ((grid[p + 1]! + 1) * h - 1) / 2;
        const [x0, y0] = [Math.floor(ix), Math.floor(iy)];
        const [tx, ty] = [ix - x0, iy - y0];
        for (let ch = 0; ch < c; ch++) {
          const at = (yi: number, xj: number) => (yi < 0 || yi >= h || xj < 0 || xj >= w ? 0 : x[((b * c + ch) * h + yi) * w + xj]!);
          y[((b * c + ch) * ho + i) * wo + j] =
            at(y0, x0) * (1 - tx) * (1 - ty) + at(y0, x0 + 1) * tx * (1 - ty) + at(y0 + 1, x0) * (1 - tx) * ty + at(y0 + 1, x0 + 1) * tx * ty;
        }
      }
  return y;
}

/** Instance normalisation of [N, C, H, W] (biased variance) with per-channel scale and bias. */
export function instanceNormRef(x: Float64Array, xs: Shape4, scale: Float64Array, bias: Float64Array, eps: number): Float64Array {
  const [n, c, h, w] = xs;
  const m = h * w;
  const y = new Float64Array(x.length);
  for (let p = 0; p < n * c; p++) {
    const part = x.subarray(p * m, (p + 1) * m);
    const mu = part.reduce((s, v) => s + v, 0) / m;
    const variance = part.reduce((s, v) => s + (v - mu) ** 2, 0) / m;
    const ch = p % c;
    for (let k = 0; k < m; k++) y[p * m + k] = ((part[k]! - mu) / Math.sqrt(variance + eps)) * scale[ch]! + bias[ch]!;
  }
  return y;
}

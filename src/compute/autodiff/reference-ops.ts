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

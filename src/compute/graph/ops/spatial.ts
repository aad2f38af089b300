// Spatial resampling and fixed-filter transforms over [N, C, H, W]: Haar wavelet decomposition,
// bilinear upsampling, and the affine grid + bilinear sampler of spatial transformer networks.

import { attr, type Tensor } from '../graph-builder.ts';
import { add, cast, greaterEqual, lessEqual, mul, sub } from './elementwise.ts';
import { conv2d, matmul } from './nn.ts';
import { expand, gatherElements, reshape, slice, split, transpose } from './shape.ts';

function expect4d(op: string, x: Tensor): [number, number, number, number] {
  if (x.rank !== 4) throw new Error(`${op} expects [N, C, H, W], got [${x.shape}]`);
  return x.shape as unknown as [number, number, number, number];
}

export interface HaarLevel {
  /** Low-pass along the width, high-pass along the height: horizontal edges. */
  lh: Tensor;
  /** High-pass along the width, low-pass along the height: vertical edges. */
  hl: Tensor;
  /** High-pass along both: diagonal detail. */
  hh: Tensor;
}

export interface HaarDwt {
  /** Detail bands per level, finest first; level k has spatial size H / 2^(k+1) (floored). */
  levels: HaarLevel[];
  /** The low-pass band of the last level. */
  ll: Tensor;
}

// Rows of the 2x2 kernels [row 0 left, row 0 right, row 1 left, row 1 right] for LL, LH, HL, HH.
// With the 1/2 factor the four filters are orthonormal, so the transform preserves energy.
const HAAR_KERNELS = [
  [1, 1, 1, 1],
  [1, 1, -1, -1],
  [1, -1, 1, -1],
  [1, -1, -1, 1],
].map((k) => k.map((v) => v / 2));

/**
 * 2-D Haar discrete wavelet transform, `levels` times on the low-pass band. Each level is one
 * depthwise Conv (stride 2, the four fixed 2x2 Haar filters per channel), so gradients reach x
 * through the ordinary Conv rule. An odd height or width drops its last row or column.
 */
export function haarDwt(x: Tensor, levels = 1): HaarDwt {
  const [n, c] = expect4d('haarDwt', x);
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`haarDwt needs a positive integer number of levels, got ${levels}`);
  const g = x.graph;
  const weight = g.constant(
    Array.from({ length: c }, () => HAAR_KERNELS.flat()).flat(),
    [4 * c, 1, 2, 2],
    x.dtype,
  );
  const out: HaarLevel[] = [];
  let ll = x;
  for (let level = 0; level < levels; level++) {
    const [, , h, w] = ll.shape as [number, number, number, number];
    if (h < 2 || w < 2) throw new Error(`haarDwt: level ${level + 1} needs at least 2x2 pixels, the low-pass band is ${h}x${w}`);
    const y = conv2d(ll, weight, null, { stride: 2, groups: c });
    const [ho, wo] = [y.shape[2]!, y.shape[3]!];
    const bands = split(reshape(y, [n, c, 4, ho, wo]), [1, 1, 1, 1], 2).map((b) => reshape(b, [n, c, ho, wo]));
    out.push({ lh: bands[1]!, hl: bands[2]!, hh: bands[3]! });
    ll = bands[0]!;
  }
  return { levels: out, ll };
}

/**
 * Interpolation matrix A [outSize, inSize] of 1-D linear resizing with half-pixel centres
 * (ONNX Resize `linear` + `half_pixel`, PyTorch align_corners=False): output o reads the input at
 * (o + 0.5) / scale - 0.5, clamped to the valid range as onnxruntime does. Bilinear resizing of
 * an image X is A_h X A_w^T. `pytorch_half_pixel` (PyTorch's ONNX export) differs only for an
 * output of size 1, which reads input 0.
 */
export function linearResizeMatrix(
  inSize: number,
  outSize: number,
  scale: number,
  transform: 'half_pixel' | 'pytorch_half_pixel' = 'half_pixel',
): Float64Array {
  const a = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const centre = transform === 'pytorch_half_pixel' && outSize === 1 ? 0 : (o + 0.5) / scale - 0.5;
    const src = Math.min(Math.max(centre, 0), inSize - 1);
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = src - i0;
    a[o * inSize + i0] += 1 - t;
    a[o * inSize + i1] += t;
  }
  return a;
}

/**
 * Bilinear resizing of H and W by `scale` (output floor(H * scale)), half-pixel centres, no
 * antialiasing: one ONNX Resize node. Its gradient is the transposed interpolation (see the
 * Resize rule).
 */
export function upsampleBilinear(x: Tensor, scale: number): Tensor {
  expect4d('upsampleBilinear', x);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`upsampleBilinear needs a positive scale, got ${scale}`);
  const g = x.graph;
  const scales = g.constant([1, 1, scale, scale], [4], 'float32');
  return g.op('Resize', [x, null, scales, null], {
    mode: attr.string('linear'),
    coordinate_transformation_mode: attr.string('half_pixel'),
  });
}

export interface SamplingOptions {
  /**
   * false (default, PyTorch's default and ONNX GridSample's): -1 and +1 are the outer edges of the
   * first and last pixel. true: they are the centres of the first and last pixel (PyTorch's
   * align_corners=True), so the identity transform at another size is a resize that keeps the corner
   * pixels, as spatial-transformer glimpses (MGNet) are sampled.
   */
  alignCorners?: boolean;
}

/** Normalised coordinate of output pixel i of n: its centre, or its place between the corner centres. */
function gridCoordinate(i: number, n: number, alignCorners: boolean): number {
  if (!alignCorners) return (2 * i + 1) / n - 1;
  // As PyTorch: a single pixel sits at the centre.
  return n > 1 ? (2 * i) / (n - 1) - 1 : 0;
}

/**
 * Sampling grid of an affine transform (PyTorch's affine_grid): theta [N, 2, 3] maps normalised
 * output coordinates (x, y, 1) to input coordinates. Returns [N, H, W, 2] holding (x, y). Reshapes
 * keep the batch dimension as "copy from the input", so an export with a free batch size runs.
 */
export function affineGrid(theta: Tensor, size: readonly [number, number, number, number], options: SamplingOptions = {}): Tensor {
  const [n, , h, w] = size;
  if (theta.rank !== 3 || theta.shape[0] !== n || theta.shape[1] !== 2 || theta.shape[2] !== 3)
    throw new Error(`affineGrid expects theta [${n}, 2, 3], got [${theta.shape}]`);
  const alignCorners = options.alignCorners ?? false;
  const base = new Float64Array(h * w * 3);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const p = (i * w + j) * 3;
      base[p] = gridCoordinate(j, w, alignCorners);
      base[p + 1] = gridCoordinate(i, h, alignCorners);
      base[p + 2] = 1;
    }
  const points = theta.graph.constant(base, [1, h * w, 3], theta.dtype);
  return reshape(matmul(points, transpose(theta, [0, 2, 1])), [0, h, w, 2]);
}

/**
 * Bilinear sampling of x [N, C, H, W] at grid [N, Ho, Wo, 2] (normalised (x, y) in [-1, 1]),
 * zeros outside the image: PyTorch's grid_sample and ONNX GridSample (bilinear, zeros padding),
 * align_corners false unless asked. Composed from Floor, GatherElements and elementwise ops rather
 * than one GridSample node: onnxruntime has no float64 GridSample and no gradient for it, while here
 * the gradient w.r.t. x (a ScatterElements of the weighted gradient) and w.r.t. the grid (through
 * the bilinear weights) come from the existing rules. The batch dimension is never written into a
 * reshape or expand, so an export with a free batch size runs.
 */
export function gridSample(x: Tensor, grid: Tensor, options: SamplingOptions = {}): Tensor {
  const [n, c, h, w] = expect4d('gridSample', x);
  if (grid.rank !== 4 || grid.shape[0] !== n || grid.shape[3] !== 2) throw new Error(`gridSample expects grid [${n}, Ho, Wo, 2], got [${grid.shape}]`);
  if (grid.dtype !== x.dtype) throw new Error(`gridSample: grid is ${grid.dtype}, x is ${x.dtype}`);
  const g = x.graph;
  const [ho, wo] = [grid.shape[1]!, grid.shape[2]!];
  const points = ho * wo;
  const gx = reshape(slice(grid, [0], [1], [3]), [0, 1, points]);
  const gy = reshape(slice(grid, [1], [2], [3]), [0, 1, points]);
  // Pixel coordinates. Edges: -1 is the left edge of pixel 0, +1 the right edge of pixel W-1.
  // Corners: -1 is the centre of pixel 0, +1 the centre of pixel W-1.
  const toPixels = (v: Tensor, size: number) => (options.alignCorners ? mul(add(v, 1), (size - 1) / 2) : add(mul(v, size / 2), (size - 1) / 2));
  const ix = toPixels(gx, w);
  const iy = toPixels(gy, h);
  const x0 = g.op('Floor', [ix]);
  const y0 = g.op('Floor', [iy]);
  const tx = sub(ix, x0);
  const ty = sub(iy, y0);
  const flat = reshape(x, [0, 0, h * w]);
  // Mask of positions inside [0, size - 1], as 0/1 in the value type.
  const inside = (v: Tensor, size: number) => cast(g.op('And', [greaterEqual(v, 0), lessEqual(v, size - 1)]), x.dtype);
  const clampIndex = (v: Tensor, size: number) => g.op('Clip', [v, g.scalar(0, v.dtype), g.scalar(size - 1, v.dtype)]);
  let out: Tensor | null = null;
  for (const [dy, dx] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const) {
    const cx = dx ? add(x0, 1) : x0;
    const cy = dy ? add(y0, 1) : y0;
    const weight = mul(dx ? tx : sub(1, tx), dy ? ty : sub(1, ty));
    const valid = mul(inside(cx, w), inside(cy, h));
    const index = cast(add(mul(clampIndex(cy, h), w), clampIndex(cx, w)), 'int64');
    // Expand broadcasts the batch of 1-channel indices [N, 1, points] over the channels.
    const picked = gatherElements(flat, expand(index, [1, c, points]), 2);
    const term = mul(picked, mul(weight, valid));
    out = out ? add(out, term) : term;
  }
  return reshape(out!, [0, 0, ho, wo]);
}

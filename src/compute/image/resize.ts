// Bilinear resizing of planar 8-bit images, with pixel centres aligned (the `align_corners = false`
// convention of PyTorch and OpenCV), so a 2x resize neither shifts nor crops the picture.

/** Precomputed source indices and weights along one axis. */
interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

function axisOf(from: number, to: number): Axis {
  const lo = new Int32Array(to);
  const hi = new Int32Array(to);
  const frac = new Float32Array(to);
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
    const l = Math.floor(s);
    lo[i] = l;
    hi[i] = Math.min(l + 1, from - 1);
    frac[i] = s - l;
  }
  return { lo, hi, frac };
}

/** Returns a resizer for many images of the same shape (the axis tables are built once). */
export function makeBilinearResizer(
  channels: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
): (src: Uint8Array, dst: Uint8Array) => void {
  const ys = axisOf(height, outHeight);
  const xs = axisOf(width, outWidth);
  return (src, dst) => {
    for (let c = 0; c < channels; c++) {
      const srcBase = c * height * width;
      const dstBase = c * outHeight * outWidth;
      for (let y = 0; y < outHeight; y++) {
        const row0 = srcBase + ys.lo[y] * width;
        const row1 = srcBase + ys.hi[y] * width;
        const fy = ys.frac[y];
        const dstRow = dstBase + y * outWidth;
        for (let x = 0; x < outWidth; x++) {
          const x0 = xs.lo[x];
          const x1 = xs.hi[x];
          const fx = xs.frac[x];
          const top = src[row0 + x0] + (src[row0 + x1] - src[row0 + x0]) * fx;
          const bottom = src[row1 + x0] + (src[row1 + x1] - src[row1 + x0]) * fx;
          dst[dstRow + x] = Math.round(top + (bottom - top) * fy);
        }
      }
    }
  };
}

/** Resizes one planar image. */
export function resizeBilinear(
  src: Uint8Array,
  channels: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
): Uint8Array {
  if (outHeight === height && outWidth === width) return src.slice();
  const dst = new Uint8Array(channels * outHeight * outWidth);
  makeBilinearResizer(channels, height, width, outHeight, outWidth)(src, dst);
  return dst;
}

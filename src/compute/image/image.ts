// The in-memory image used by the readers and renderers: 8-bit, channels first, the same layout as one
// image inside a Dataset, so a dataset image can be viewed without copying.

export interface PlanarImage {
  width: number;
  height: number;
  channels: number;
  /** channels * height * width bytes: data[c * height * width + y * width + x]. */
  data: Uint8Array;
}

export function makeImage(width: number, height: number, channels: number, fill = 0): PlanarImage {
  const data = new Uint8Array(width * height * channels);
  if (fill !== 0) data.fill(fill);
  return { width, height, channels, data };
}

/**
 * Converts interleaved pixels (RGBA, RGB or grey, as decoders return them) to planar with `channels`
 * output channels. Grey from colour uses the ITU-R BT.601 luma weights; alpha is dropped.
 */
export function planarFromInterleaved(
  pixels: Uint8Array,
  width: number,
  height: number,
  stride: number,
  channels: 1 | 3,
): PlanarImage {
  const plane = width * height;
  const out = new Uint8Array(plane * channels);
  if (channels === 3) {
    for (let i = 0; i < plane; i++) {
      const o = i * stride;
      out[i] = pixels[o];
      out[plane + i] = pixels[stride >= 3 ? o + 1 : o];
      out[2 * plane + i] = pixels[stride >= 3 ? o + 2 : o];
    }
  } else if (stride >= 3) {
    for (let i = 0; i < plane; i++) {
      const o = i * stride;
      out[i] = Math.round(0.299 * pixels[o] + 0.587 * pixels[o + 1] + 0.114 * pixels[o + 2]);
    }
  } else {
    for (let i = 0; i < plane; i++) out[i] = pixels[i * stride];
  }
  return { width, height, channels, data: out };
}

/** Planar to interleaved RGBA (opaque), the layout PNG encoders take. */
export function rgbaFromPlanar(image: PlanarImage): Uint8Array {
  const plane = image.width * image.height;
  const out = new Uint8Array(plane * 4);
  const { data, channels } = image;
  for (let i = 0; i < plane; i++) {
    const o = i * 4;
    const r = data[i];
    out[o] = r;
    out[o + 1] = channels >= 3 ? data[plane + i] : r;
    out[o + 2] = channels >= 3 ? data[2 * plane + i] : r;
    out[o + 3] = 255;
  }
  return out;
}

/** Changes the channel count of planar pixels: 3 -> 1 by luma, 1 -> 3 by repeating the plane. */
export function convertPlanarChannels(data: Uint8Array, plane: number, from: number, to: number): Uint8Array {
  if (from === to) return data;
  const out = new Uint8Array(plane * to);
  if (to === 1) {
    for (let i = 0; i < plane; i++) {
      out[i] = Math.round(0.299 * data[i] + 0.587 * data[plane + i] + 0.114 * data[2 * plane + i]);
    }
  } else if (from === 1) {
    for (let c = 0; c < to; c++) out.set(data.subarray(0, plane), c * plane);
  } else {
    throw new Error(`cannot convert ${from} channels to ${to}`);
  }
  return out;
}

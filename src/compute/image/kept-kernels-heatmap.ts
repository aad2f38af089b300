// A heatmap of kept kernels for pruning reports: one block per conv layer, stacked top to bottom, a
// row per output channel and a column per input channel; each cell shaded by the fraction of the
// kernel's weights kept (white: removed connection, dark blue: fully kept).
import { makeImage, type PlanarImage } from './image.ts';

export interface HeatmapLayer {
  /** [out, in, kh, kw] */
  shape: readonly number[];
  mask: Uint8Array;
}

const LOW = [255, 255, 255];
const HIGH = [8, 48, 107];
const FRAME = [200, 200, 200];

/** Cells are `cell` pixels (by default the largest that keeps the widest layer within ~480 pixels). */
export function renderKeptKernels(layers: readonly HeatmapLayer[], cell = 0): PlanarImage {
  const widest = Math.max(1, ...layers.map((l) => l.shape[1]!));
  const size = cell || Math.max(1, Math.min(8, Math.floor(480 / widest)));
  const margin = 4;
  const gap = 6;
  const width = margin * 2 + widest * size;
  const height = margin * 2 + layers.reduce((h, l) => h + l.shape[0]! * size, 0) + gap * Math.max(0, layers.length - 1);
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  const fill = (x0: number, y0: number, w: number, h: number, rgb: readonly number[]): void => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) for (let c = 0; c < 3; c++) image.data[c * plane + y * width + x] = rgb[c]!;
  };
  let top = margin;
  for (const layer of layers) {
    const [out, inputs] = [layer.shape[0]!, layer.shape[1]!];
    const k = layer.mask.length / (out * inputs);
    fill(margin, top, inputs * size, out * size, FRAME);
    for (let o = 0; o < out; o++)
      for (let i = 0; i < inputs; i++) {
        let kept = 0;
        for (let j = 0; j < k; j++) kept += layer.mask[(o * inputs + i) * k + j]!;
        const t = kept / k;
        const rgb = LOW.map((l, c) => Math.round(l + (HIGH[c]! - l) * t));
        // A one-pixel frame between cells when they are large enough to show it.
        const inner = size > 2 ? size - 1 : size;
        fill(margin + i * size, top + o * size, inner, inner, rgb);
      }
    top += out * size + gap;
  }
  return image;
}

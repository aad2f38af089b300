// The glimpse view of a multi-glimpse model (MGNet, arXiv 2111.02018): one row per sample, the image with
// every glimpse's box drawn in order (glimpse t in colour t, numbered at its top-left corner, the recorded
// object box in grey beneath them), then the glimpses themselves, each framed in its box's colour.
// Images and glimpses are upscaled by integer factors towards the same cell size so a 28 px glimpse of a
// 112 px canvas stays readable beside it.
import { drawText, textWidth } from './bitmap-font.ts';
import { outlineBox } from './grid.ts';
import { makeImage, type PlanarImage } from './image.ts';

export interface GlimpseViewInput {
  /** count * c * h * w image pixels. */
  images: Uint8Array;
  shape: readonly [number, number, number];
  count: number;
  glimpses: number;
  /** count * glimpses * c * gh * gw glimpse pixels. */
  glimpsePixels: Uint8Array;
  glimpseShape: readonly [number, number, number];
  /** count * glimpses * 4 box coordinates [x0, y0, x1, y1] in image pixels (edges). */
  boxes: Float32Array;
  /** count * 4 object boxes in image pixels, drawn beneath the glimpse boxes. */
  objectBoxes?: Float32Array;
}

export const GLIMPSE_COLOURS: readonly (readonly [number, number, number])[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [128, 128, 0],
];
const OBJECT_COLOUR = [160, 160, 160];
const GAP = 4;
const HEADER = 14;

/** Integer upscale factor towards `target` pixels on the longer side, at least 1. */
const factorOf = (h: number, w: number, target: number) => Math.max(1, Math.floor(target / Math.max(h, w)));

/** Where everything goes: upscale factors of images and glimpses, column widths, row height, view size. */
function layoutOf(input: Pick<GlimpseViewInput, 'shape' | 'glimpseShape' | 'count' | 'glimpses'>, targetCell: number) {
  const [, h, w] = input.shape;
  const [, gh, gw] = input.glimpseShape;
  const [fi, fg] = [factorOf(h, w, targetCell), factorOf(gh, gw, targetCell)];
  const imageColumn = Math.max(w * fi, textWidth('image') + 2);
  const glimpseColumn = Math.max(gw * fg, textWidth(`glimpse ${input.glimpses}`) + 2);
  const row = Math.max(h * fi, gh * fg);
  const width = GAP + imageColumn + GAP + input.glimpses * (glimpseColumn + GAP);
  const height = HEADER + GAP + input.count * (row + GAP);
  return { fi, fg, imageColumn, glimpseColumn, row, width, height };
}

/** Size of the view, for callers that lay it out and for tests. */
export function glimpseViewSize(input: Pick<GlimpseViewInput, 'shape' | 'glimpseShape' | 'count' | 'glimpses'>, targetCell = 96): { width: number; height: number } {
  const { width, height } = layoutOf(input, targetCell);
  return { width, height };
}

export function renderGlimpseView(input: GlimpseViewInput, targetCell = 96): PlanarImage {
  const { fi, fg, imageColumn, glimpseColumn, row, width, height } = layoutOf(input, targetCell);
  const [c, h, w] = input.shape;
  const [gc, gh, gw] = input.glimpseShape;
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  const paint = (x: number, y: number, rgb: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    for (let k = 0; k < 3; k++) image.data[k * plane + y * width + x] = rgb[k]!;
  };
  const blit = (pixels: Uint8Array, channels: number, ph: number, pw: number, f: number, top: number, left: number) => {
    for (let y = 0; y < ph * f; y++)
      for (let x = 0; x < pw * f; x++) {
        const src = Math.floor(y / f) * pw + Math.floor(x / f);
        for (let k = 0; k < 3; k++) image.data[k * plane + (top + y) * width + left + x] = pixels[(channels === 3 ? k : 0) * ph * pw + src] ?? 0;
      }
  };
  const cell = (top: number) => ({ fx: fi, fy: fi, top, left: GAP, ch: h * fi, cw: w * fi });
  const colour = (t: number) => GLIMPSE_COLOURS[t % GLIMPSE_COLOURS.length]!;
  const glimpseLeft = (t: number) => GAP + imageColumn + GAP + t * (glimpseColumn + GAP);

  drawText(image, GAP, 3, 'image', [0, 0, 0]);
  for (let t = 0; t < input.glimpses; t++) drawText(image, glimpseLeft(t), 3, `glimpse ${t + 1}`, colour(t));
  const imageSize = c * h * w;
  const glimpseSize = gc * gh * gw;
  for (let i = 0; i < input.count; i++) {
    const top = HEADER + GAP + i * (row + GAP);
    blit(input.images.subarray(i * imageSize, (i + 1) * imageSize), c, h, w, fi, top, GAP);
    if (input.objectBoxes) outlineBox(image, input.objectBoxes.subarray(4 * i, 4 * i + 4), cell(top), OBJECT_COLOUR);
    for (let t = 0; t < input.glimpses; t++) {
      const o = 4 * (i * input.glimpses + t);
      const [x, y] = outlineBox(image, input.boxes.subarray(o, o + 4), cell(top), colour(t));
      // The glimpse's number inside its box's top-left corner.
      drawText(image, x + 2, y + 2, String(t + 1), colour(t));
      const left = glimpseLeft(t);
      const src = (i * input.glimpses + t) * glimpseSize;
      blit(input.glimpsePixels.subarray(src, src + glimpseSize), gc, gh, gw, fg, top, left);
      // A frame in the gap around the glimpse ties it to its box.
      for (let x = -1; x <= gw * fg; x++) [top - 1, top + gh * fg].forEach((yy) => paint(left + x, yy, colour(t)));
      for (let y = -1; y <= gh * fg; y++) [left - 1, left + gw * fg].forEach((xx) => paint(xx, top + y, colour(t)));
    }
  }
  return image;
}

// Image sets side by side: one row per sample, one titled column per set (input | target | teacher |
// student), each image upscaled by an integer factor so a 32x32 output stays readable. RGB images are
// shown in colour, grey ones in grey.
import { drawText, textWidth } from './bitmap-font.ts';
import { makeImage, type PlanarImage } from './image.ts';

export interface ImageColumn {
  title: string;
  /** count * c * h * w pixels. */
  pixels: Uint8Array;
}

const GAP = 4;
const HEADER = 14;

export function renderImageColumns(columns: readonly ImageColumn[], shape: readonly [number, number, number], count: number, targetCell = 96): PlanarImage {
  const [c, h, w] = shape;
  const factor = Math.max(1, Math.floor(targetCell / Math.max(h, w)));
  const [ch, cw] = [h * factor, w * factor];
  const colWidth = Math.max(cw, ...columns.map((col) => textWidth(col.title) + 2));
  const width = GAP + columns.length * (colWidth + GAP);
  const height = HEADER + GAP + count * (ch + GAP);
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  columns.forEach((col, j) => {
    const left = GAP + j * (colWidth + GAP);
    drawText(image, left, 3, col.title, [0, 0, 0]);
    for (let i = 0; i < count; i++) {
      const top = HEADER + GAP + i * (ch + GAP);
      const base = i * c * h * w;
      for (let y = 0; y < ch; y++)
        for (let x = 0; x < cw; x++) {
          const src = Math.floor(y / factor) * w + Math.floor(x / factor);
          for (let k = 0; k < 3; k++) image.data[k * plane + (top + y) * width + left + x] = col.pixels[base + (c === 3 ? k : 0) * h * w + src] ?? 0;
        }
    }
  });
  return image;
}

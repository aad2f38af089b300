// Renders dataset samples as one picture: a row per class (N samples each), the first N samples, or
// input/target pairs. Small images are upscaled by an integer factor (nearest neighbour, so pixels stay
// crisp and a 28x28 digit is readable); large ones are scaled down to a bounded cell. Images placed on a
// canvas (Dataset.boxes) get their object box drawn as a one-pixel outline.
import type { Dataset } from '../data/dataset';
import { convertPlanarChannels, makeImage, type PlanarImage } from './image';
import { resizeBilinear } from './resize';

export interface GridOptions {
  /** Samples per class (classify) or pairs (paired). Ignored when `first` is set. */
  perClass?: number;
  /** Show the first N samples instead, `columns` per row. */
  first?: number;
  columns?: number;
  /** Cell edge the upscaling aims for, in pixels (default 84: 28 x 3). */
  targetCell?: number;
  /** At most this many class rows (default 50), so a 1000-class set still gives a sane picture. */
  maxRows?: number;
}

const GAP = 2;
const BACKGROUND = 48;

/** Cell size for an image of `h` x `w`: integer upscale towards `target`, downscale above 2 x target. */
export function cellSizeOf(h: number, w: number, target: number): { ch: number; cw: number } {
  const longest = Math.max(h, w);
  if (longest < target) {
    const factor = Math.max(1, Math.floor(target / longest));
    return { ch: h * factor, cw: w * factor };
  }
  if (longest > 2 * target) {
    const s = (2 * target) / longest;
    return { ch: Math.max(1, Math.round(h * s)), cw: Math.max(1, Math.round(w * s)) };
  }
  return { ch: h, cw: w };
}

function scaleToCell(src: Uint8Array, c: number, h: number, w: number, ch: number, cw: number): Uint8Array {
  if (ch === h && cw === w) return src;
  if (ch % h === 0 && cw % w === 0) {
    const fy = ch / h;
    const fx = cw / w;
    const out = new Uint8Array(c * ch * cw);
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < ch; y++) {
        const srcRow = k * h * w + Math.floor(y / fy) * w;
        const dstRow = k * ch * cw + y * cw;
        for (let x = 0; x < cw; x++) out[dstRow + x] = src[srcRow + Math.floor(x / fx)];
      }
    }
    return out;
  }
  return resizeBilinear(src, c, h, w, ch, cw);
}

function blit(canvas: PlanarImage, cell: Uint8Array, channels: number, ch: number, cw: number, top: number, left: number): void {
  const rgb = convertPlanarChannels(cell, ch * cw, channels, 3);
  const plane = canvas.width * canvas.height;
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < ch; y++) {
      const from = k * ch * cw + y * cw;
      canvas.data.set(rgb.subarray(from, from + cw), k * plane + (top + y) * canvas.width + left);
    }
  }
}

/** Picks up to `perClass` sample indices per class, in dataset order. */
export function samplesPerClass(labels: Int32Array, classCount: number, perClass: number): number[][] {
  const rows: number[][] = Array.from({ length: classCount }, () => []);
  let filled = 0;
  for (let i = 0; i < labels.length && filled < classCount; i++) {
    const row = rows[labels[i]];
    if (!row || row.length >= perClass) continue;
    row.push(i);
    if (row.length === perClass) filled++;
  }
  return rows;
}

interface CellSource {
  data: Uint8Array;
  shape: [number, number, number];
  index: number;
  /** The object box in image pixels (edges), drawn over the cell. */
  box?: readonly number[];
}

const BOX_COLOUR = [255, 140, 0];

/**
 * A one-pixel outline of `box` (image pixels, edges; scaled by fx, fy to the cell at top, left), clipped to
 * the cell of ch x cw pixels. Returns the outline's top-left pixel on the canvas.
 */
export function outlineBox(
  canvas: PlanarImage,
  box: ArrayLike<number>,
  cell: { fx: number; fy: number; top: number; left: number; ch: number; cw: number },
  rgb: readonly number[],
): [number, number] {
  const { fx, fy, top, left, ch, cw } = cell;
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const x0 = clamp(Math.floor(box[0]! * fx), cw - 1);
  const y0 = clamp(Math.floor(box[1]! * fy), ch - 1);
  const x1 = clamp(Math.ceil(box[2]! * fx) - 1, cw - 1);
  const y1 = clamp(Math.ceil(box[3]! * fy) - 1, ch - 1);
  const plane = canvas.width * canvas.height;
  const dot = (x: number, y: number) => {
    for (let k = 0; k < 3; k++) canvas.data[k * plane + (top + y) * canvas.width + left + x] = rgb[k]!;
  };
  for (let x = x0; x <= x1; x++) {
    dot(x, y0);
    dot(x, y1);
  }
  for (let y = y0; y <= y1; y++) {
    dot(x0, y);
    dot(x1, y);
  }
  return [left + x0, top + y0];
}

function renderRows(rows: (CellSource | undefined)[][], columns: number, target: number): PlanarImage {
  const sample = rows.flat().find((cell): cell is CellSource => cell !== undefined);
  const shape = sample?.shape ?? [1, 28, 28];
  const [, h, w] = shape;
  const { ch, cw } = cellSizeOf(h, w, target);
  const width = Math.max(1, columns) * (cw + GAP) + GAP;
  const height = Math.max(1, rows.length) * (ch + GAP) + GAP;
  const canvas = makeImage(width, height, 3, BACKGROUND);
  rows.forEach((row, r) => {
    row.forEach((cell, col) => {
      if (!cell) return;
      const [c, ih, iw] = cell.shape;
      const size = c * ih * iw;
      const pixels = cell.data.subarray(cell.index * size, (cell.index + 1) * size);
      const top = GAP + r * (ch + GAP);
      const left = GAP + col * (cw + GAP);
      blit(canvas, scaleToCell(pixels, c, ih, iw, ch, cw), c, ch, cw, top, left);
      if (cell.box) outlineBox(canvas, cell.box, { fx: cw / iw, fy: ch / ih, top, left, ch, cw }, BOX_COLOUR);
    });
  });
  return canvas;
}

/** The sample grid of a dataset as an RGB image. An empty dataset gives a small blank picture. */
export function renderSampleGrid(dataset: Dataset, options: GridOptions = {}): PlanarImage {
  const target = options.targetCell ?? 84;
  const boxes = dataset.boxes;
  const image = (index: number): CellSource => ({
    data: dataset.pixels,
    shape: dataset.shape,
    index,
    ...(boxes ? { box: Array.from(boxes.subarray(4 * index, 4 * index + 4)) } : {}),
  });
  if (options.first !== undefined) {
    const n = Math.min(options.first, dataset.count);
    const columns = Math.max(1, options.columns ?? Math.ceil(Math.sqrt(n)));
    const rows: CellSource[][] = [];
    for (let i = 0; i < n; i++) {
      if (i % columns === 0) rows.push([]);
      rows[rows.length - 1].push(image(i));
    }
    return renderRows(rows, columns, target);
  }
  const perClass = Math.max(1, options.perClass ?? 8);
  if (dataset.task === 'paired') {
    const n = Math.min(perClass, dataset.count);
    const inputs: CellSource[] = [];
    const targets: CellSource[] = [];
    for (let i = 0; i < n; i++) {
      inputs.push(image(i));
      if (dataset.targets && dataset.targetShape) {
        targets.push({ data: dataset.targets, shape: dataset.targetShape, index: i });
      }
    }
    return renderRows(targets.length > 0 ? [inputs, targets] : [inputs], n, target);
  }
  const classCount = Math.min(Math.max(dataset.classes.length, 1), options.maxRows ?? 50);
  const rows = samplesPerClass(dataset.labels, classCount, perClass).map((indices) => indices.map(image));
  return renderRows(rows, perClass, target);
}

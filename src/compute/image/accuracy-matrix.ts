// Continual-learning pictures: the accuracy matrix a[t, u] as a heatmap with its numbers (rows: after
// learning task t; columns: tested on task u), the difference of two matrices (green where the first is
// better, red where worse), and forgetting curves (each task's accuracy across the sequence).
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font';
import { makeImage, type PlanarImage } from './image';

type Rgb = readonly [number, number, number];
const WHITE: Rgb = [255, 255, 255];
const BLUE: Rgb = [8, 48, 107];
const GREEN: Rgb = [0, 109, 44];
const RED: Rgb = [165, 15, 21];
const GREY: Rgb = [225, 225, 225];
const INK: Rgb = [0, 0, 0];
const PALETTE: Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * t)) as unknown as Rgb;

function filler(image: PlanarImage) {
  const plane = image.width * image.height;
  return (x0: number, y0: number, w: number, h: number, rgb: Rgb): void => {
    for (let y = Math.max(0, y0); y < Math.min(image.height, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(image.width, x0 + w); x++) for (let c = 0; c < 3; c++) image.data[c * plane + y * image.width + x] = rgb[c]!;
  };
}

export interface MatrixImageOptions {
  /** Title above the grid. */
  title?: string;
  /** diverging: a difference of two matrices (0 white, +range green, -range red); default a 0..1 accuracy. */
  diverging?: boolean;
  /** The |value| drawn at full colour in diverging mode (default the largest |value|). */
  range?: number;
}

/**
 * The matrix as a grid of shaded cells with each value written in it (as a percentage); unknown
 * entries (tasks not learned yet) are grey and blank. Row labels `after T1`, column labels `T1`.
 */
export function renderAccuracyMatrix(matrix: readonly (readonly (number | null)[])[], options: MatrixImageOptions = {}): PlanarImage {
  const rows = matrix.length;
  const cols = Math.max(1, ...matrix.map((r) => r.length));
  const cell = 44;
  const scale = 1;
  const left = textWidth(`AFTER T${rows}`, scale) + 12;
  const top = (options.title ? GLYPH_HEIGHT * 2 + 10 : 0) + GLYPH_HEIGHT + 10;
  const width = Math.max(left + cols * cell + 8, options.title ? textWidth(options.title, 2) + 12 : 0);
  const height = top + rows * cell + 8;
  const image = makeImage(width, height, 3, 255);
  const fill = filler(image);
  if (options.title) drawText(image, 6, 6, options.title, INK, 2);
  const values = matrix.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const range = options.range ?? Math.max(1e-9, ...values.map(Math.abs));
  for (let u = 0; u < cols; u++) {
    const label = `T${u + 1}`;
    drawText(image, left + u * cell + Math.floor((cell - textWidth(label)) / 2), top - GLYPH_HEIGHT - 4, label, INK);
  }
  for (let t = 0; t < rows; t++) {
    const label = `AFTER T${t + 1}`;
    drawText(image, left - textWidth(label) - 6, top + t * cell + Math.floor((cell - GLYPH_HEIGHT) / 2), label, INK);
    for (let u = 0; u < cols; u++) {
      const v = matrix[t]?.[u];
      const x = left + u * cell;
      const y = top + t * cell;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        fill(x + 1, y + 1, cell - 2, cell - 2, GREY);
        continue;
      }
      let rgb: Rgb;
      let strength: number;
      if (options.diverging) {
        strength = Math.min(1, Math.abs(v) / range);
        rgb = mix(WHITE, v >= 0 ? GREEN : RED, strength);
      } else {
        strength = Math.max(0, Math.min(1, v));
        rgb = mix(WHITE, BLUE, strength);
      }
      fill(x + 1, y + 1, cell - 2, cell - 2, rgb);
      const text = options.diverging ? `${v >= 0 ? '+' : '-'}${(100 * Math.abs(v)).toFixed(1)}` : (100 * v).toFixed(1);
      const ink: Rgb = strength > 0.55 ? WHITE : INK;
      drawText(image, x + Math.floor((cell - textWidth(text)) / 2), y + Math.floor((cell - GLYPH_HEIGHT) / 2), text, ink);
    }
  }
  return image;
}

/** Several images side by side on white, top-aligned (one matrix per method, and their difference). */
export function sideBySide(images: readonly PlanarImage[], gap = 16): PlanarImage {
  const width = images.reduce((w, im) => w + im.width, 0) + gap * Math.max(0, images.length - 1);
  const height = Math.max(1, ...images.map((im) => im.height));
  const out = makeImage(width, height, 3, 255);
  const plane = width * height;
  let x0 = 0;
  for (const im of images) {
    const src = im.width * im.height;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < im.height; y++)
        for (let x = 0; x < im.width; x++) out.data[c * plane + y * width + x0 + x] = im.data[Math.min(c, im.channels - 1) * src + y * im.width + x]!;
    x0 += im.width + gap;
  }
  return out;
}

/**
 * Forgetting curves: one line per task u, its accuracy a[t, u] for t = u..T (x: after task t, y: 0..100%),
 * with a dot at every point and the task's name at its start. Dashed lines of `compare` (another run)
 * in the same colours, when given.
 */
export function renderForgettingCurves(matrix: readonly (readonly (number | null)[])[], options: { title?: string; compare?: readonly (readonly (number | null)[])[] } = {}): PlanarImage {
  const T = matrix.length;
  const plotW = Math.max(200, 70 * T);
  const plotH = 200;
  const left = 40;
  const legend = GLYPH_HEIGHT + 10;
  const top = (options.title ? GLYPH_HEIGHT * 2 + 16 : 10) + legend;
  const width = Math.max(left + plotW + 24, options.title ? textWidth(options.title, 2) + 12 : 0);
  const height = top + plotH + GLYPH_HEIGHT + 16;
  const image = makeImage(width, height, 3, 255);
  const fill = filler(image);
  if (options.title) drawText(image, 6, 6, options.title, INK, 2);
  // Legend: a colour per task, and what the dashed lines are.
  let lx = left;
  const ly = top - legend;
  for (let u = 0; u < T; u++) {
    fill(lx, ly + 1, 10, 5, PALETTE[u % PALETTE.length]!);
    drawText(image, lx + 13, ly, `T${u + 1}`, INK);
    lx += 13 + textWidth(`T${u + 1}`) + 10;
  }
  if (options.compare) drawText(image, lx + 6, ly, 'DASHED: COMPARED RUN', INK);
  const xOf = (t: number) => left + Math.round(T === 1 ? plotW / 2 : (t / (T - 1)) * plotW);
  const yOf = (a: number) => top + Math.round((1 - Math.max(0, Math.min(1, a))) * plotH);
  for (const level of [0, 0.25, 0.5, 0.75, 1]) {
    const y = yOf(level);
    fill(left, y, plotW + 1, 1, level === 0 ? INK : GREY);
    const label = `${Math.round(100 * level)}%`;
    drawText(image, left - textWidth(label) - 4, y - 3, label, INK);
  }
  fill(left, top, 1, plotH + 1, INK);
  for (let t = 0; t < T; t++) {
    const label = `T${t + 1}`;
    drawText(image, xOf(t) - Math.floor(textWidth(label) / 2), top + plotH + 6, label, INK);
  }
  const line = (x0: number, y0: number, x1: number, y1: number, rgb: Rgb, dashed: boolean): void => {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) {
      if (dashed && Math.floor(s / 4) % 2 === 1) continue;
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      fill(x, y - 1, 1, 2, rgb);
    }
  };
  const draw = (m: readonly (readonly (number | null)[])[], dashed: boolean): void => {
    for (let u = 0; u < m.length; u++) {
      const colour = PALETTE[u % PALETTE.length]!;
      let previous: [number, number] | undefined;
      for (let t = u; t < m.length; t++) {
        const a = m[t]?.[u];
        if (a === null || a === undefined || !Number.isFinite(a)) continue;
        const point: [number, number] = [xOf(t), yOf(a)];
        if (previous) line(previous[0], previous[1], point[0], point[1], colour, dashed);
        fill(point[0] - 2, point[1] - 2, 5, 5, colour);
        previous = point;
      }
    }
  };
  if (options.compare) draw(options.compare, true);
  draw(matrix, false);
  return image;
}

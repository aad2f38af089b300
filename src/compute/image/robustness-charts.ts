// Charts of the robustness and frequency reports: a corruption x severity accuracy heatmap with the
// values written in the cells, a line chart (accuracy against eps, a streamed proportion against
// steps), a strip of corrupted samples, and first-layer kernels beside their power spectra.
import { drawText as drawTextAt, GLYPH_HEIGHT, textWidth } from './bitmap-font.ts';
import { makeImage, type PlanarImage } from './image.ts';

type Rgb = readonly [number, number, number];
const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [150, 150, 150];
const SERIES: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

/** Text at whole-pixel coordinates (centring computes halves; the font addresses whole pixels). */
function drawText(image: PlanarImage, x: number, y: number, text: string, rgb: readonly number[]): void {
  drawTextAt(image, Math.round(x), Math.round(y), text, rgb);
}

function fillRect(image: PlanarImage, x0: number, y0: number, w: number, h: number, rgb: readonly number[]): void {
  const plane = image.width * image.height;
  for (let y = Math.max(0, y0); y < Math.min(image.height, y0 + h); y++)
    for (let x = Math.max(0, x0); x < Math.min(image.width, x0 + w); x++) for (let c = 0; c < 3; c++) image.data[c * plane + y * image.width + x] = rgb[c]!;
}

/** Red (0) through yellow to green (1). */
function accuracyColour(t: number): Rgb {
  const v = Math.min(1, Math.max(0, t));
  return v < 0.5 ? [230, Math.round(60 + 2 * v * 170), 60] : [Math.round(230 - (v - 0.5) * 2 * 170), 200, 80];
}

/** rows x columns of accuracies in [0, 1], each cell coloured and labelled with its percentage. */
export function renderAccuracyHeatmap(rowNames: readonly string[], columnNames: readonly string[], values: readonly (readonly number[])[], title = ''): PlanarImage {
  const cellW = 44;
  const cellH = 18;
  const labelW = Math.max(...rowNames.map((n) => textWidth(n)), 10) + 10;
  const top = (title ? 14 : 0) + 16;
  const image = makeImage(labelW + columnNames.length * cellW + 8, top + rowNames.length * cellH + 8, 3, 255);
  if (title) drawText(image, 4, 3, title, BLACK);
  columnNames.forEach((c, j) => drawText(image, labelW + j * cellW + (cellW - textWidth(c)) / 2, top - 12, c, BLACK));
  rowNames.forEach((r, i) => {
    drawText(image, 4, top + i * cellH + (cellH - GLYPH_HEIGHT) / 2, r, BLACK);
    values[i]!.forEach((v, j) => {
      fillRect(image, labelW + j * cellW, top + i * cellH, cellW - 1, cellH - 1, Number.isFinite(v) ? accuracyColour(v) : [220, 220, 220]);
      const text = Number.isFinite(v) ? (100 * v).toFixed(1) : '-';
      drawText(image, labelW + j * cellW + (cellW - textWidth(text)) / 2, top + i * cellH + (cellH - GLYPH_HEIGHT) / 2, text, BLACK);
    });
  });
  return image;
}

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** Lines through each series' points, axes with their ranges written at the ends, and a legend. */
export function renderLineChart(series: readonly LineSeries[], o: { title?: string; xLabel?: string; yLabel?: string; yRange?: [number, number] } = {}): PlanarImage {
  const width = 420;
  const plotH = 200;
  const left = 44;
  const top = 20;
  const legendH = 12 * series.length + 6;
  const image = makeImage(width, top + plotH + 30 + legendH, 3, 255);
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, x0 + 1e-9);
  const [y0, y1] = o.yRange ?? [Math.min(...ys, 0), Math.max(...ys, 1e-9)];
  const plotW = width - left - 12;
  const px = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const py = (y: number) => top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  if (o.title) drawText(image, 4, 4, o.title, BLACK);
  fillRect(image, left, top, 1, plotH + 1, BLACK);
  fillRect(image, left, top + plotH, plotW + 1, 1, BLACK);
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3).replace(/0+$/, '').replace(/\.$/, ''));
  drawText(image, 2, top, fmt(y1), BLACK);
  drawText(image, 2, top + plotH - GLYPH_HEIGHT, fmt(y0), BLACK);
  drawText(image, left, top + plotH + 4, fmt(x0), BLACK);
  drawText(image, left + plotW - textWidth(fmt(x1)), top + plotH + 4, fmt(x1), BLACK);
  if (o.xLabel) drawText(image, left + (plotW - textWidth(o.xLabel)) / 2, top + plotH + 4, o.xLabel, GREY);
  if (o.yLabel) drawText(image, left + 4, top + 2, o.yLabel, GREY);
  series.forEach((s, k) => {
    const colour = SERIES[k % SERIES.length]!;
    for (let i = 1; i < s.points.length; i++) {
      const [ax, ay] = [px(s.points[i - 1]![0]), py(s.points[i - 1]![1])];
      const [bx, by] = [px(s.points[i]![0]), py(s.points[i]![1])];
      const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay)));
      for (let t = 0; t <= n; t++) fillRect(image, Math.round(ax + ((bx - ax) * t) / n), Math.round(ay + ((by - ay) * t) / n), 2, 2, colour);
    }
    for (const [x, y] of s.points) fillRect(image, Math.round(px(x)) - 2, Math.round(py(y)) - 2, 5, 5, colour);
    const ly = top + plotH + 18 + 12 * k;
    fillRect(image, left, ly + 2, 14, 3, colour);
    drawText(image, left + 20, ly, s.name, BLACK);
  });
  return image;
}

/**
 * Images laid out in a grid (rows x columns, each [c, h, w] 8-bit planar, grey or RGB), upscaled by an
 * integer factor, with a label left of each row and above each column.
 */
export function renderImageGrid(cells: readonly (readonly Uint8Array[])[], shape: readonly [number, number, number], rowNames: readonly string[], columnNames: readonly string[], scale = 2): PlanarImage {
  const [c, h, w] = shape;
  const gap = 3;
  const labelW = Math.max(...rowNames.map((n) => textWidth(n)), 0) + 8;
  const top = 14;
  const cw = w * scale;
  const ch = h * scale;
  const columns = Math.max(...cells.map((r) => r.length), columnNames.length);
  const image = makeImage(labelW + columns * (cw + gap) + gap, top + cells.length * (ch + gap) + gap, 3, 255);
  const plane = image.width * image.height;
  columnNames.forEach((n, j) => drawText(image, labelW + j * (cw + gap) + Math.max(0, (cw - textWidth(n)) / 2), 3, n, BLACK));
  cells.forEach((row, i) => {
    drawText(image, 3, top + i * (ch + gap) + (ch - GLYPH_HEIGHT) / 2, rowNames[i] ?? '', BLACK);
    row.forEach((pixels, j) => {
      const ox = labelW + j * (cw + gap);
      const oy = top + i * (ch + gap);
      for (let y = 0; y < ch; y++)
        for (let x = 0; x < cw; x++) {
          const src = Math.floor(y / scale) * w + Math.floor(x / scale);
          for (let k = 0; k < 3; k++) image.data[k * plane + (oy + y) * image.width + ox + x] = pixels[(c === 3 ? k : 0) * h * w + src]!;
        }
    });
  });
  return image;
}

/**
 * Each first-layer kernel (its mean over input channels, grey, scaled to its own range) beside its
 * centred log power spectrum, the high-frequency region outlined by the cutoff; a red frame marks a
 * kernel whose high-frequency share exceeds 0.5, a blue one a low-frequency kernel.
 */
export function renderKernelSpectra(weight: ArrayLike<number>, shape: readonly number[], spectra: { power: Float64Array[]; highShare: number[]; pad: number; highMask: Uint8Array }, perRow = 8): PlanarImage {
  const [o, c, kh, kw] = shape as [number, number, number, number];
  const n = spectra.pad;
  const kScale = Math.max(2, Math.floor(48 / Math.max(kh, kw)));
  const sScale = Math.max(2, Math.floor(48 / n));
  const pairW = kw * kScale + n * sScale + 12;
  const pairH = Math.max(kh * kScale, n * sScale) + 18;
  const columns = Math.min(perRow, o);
  const image = makeImage(columns * pairW + 6, Math.ceil(o / columns) * pairH + 6, 3, 255);
  const plane = image.width * image.height;
  const set = (x: number, y: number, rgb: readonly number[]) => {
    for (let k = 0; k < 3; k++) image.data[k * plane + y * image.width + x] = rgb[k]!;
  };
  for (let k = 0; k < o; k++) {
    const ox = 4 + (k % columns) * pairW;
    const oy = 4 + Math.floor(k / columns) * pairH;
    const kernel = new Float64Array(kh * kw);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh * kw; i++) kernel[i]! += weight[(k * c + ch) * kh * kw + i]! / c;
    const lo = Math.min(...kernel);
    const hi = Math.max(...kernel);
    const high = spectra.highShare[k]! > 0.5;
    fillRect(image, ox - 2, oy - 2, kw * kScale + 4, kh * kScale + 4, high ? [214, 39, 40] : [31, 119, 180]);
    for (let y = 0; y < kh * kScale; y++)
      for (let x = 0; x < kw * kScale; x++) {
        const v = Math.round((255 * (kernel[Math.floor(y / kScale) * kw + Math.floor(x / kScale)]! - lo)) / (hi - lo || 1));
        set(ox + x, oy + y, [v, v, v]);
      }
    const p = spectra.power[k]!;
    const logs = Array.from(p, (v) => Math.log10(v + 1e-12));
    const pMax = Math.max(...logs);
    const pMin = Math.max(Math.min(...logs), pMax - 4);
    const sx = ox + kw * kScale + 8;
    for (let y = 0; y < n * sScale; y++)
      for (let x = 0; x < n * sScale; x++) {
        const u = Math.floor(y / sScale);
        const v = Math.floor(x / sScale);
        const t = Math.max(0, (logs[u * n + v]! - pMin) / (pMax - pMin || 1));
        // Magma-like: dark purple to yellow; the high-frequency region slightly tinted.
        const rgb = [Math.round(255 * Math.min(1, 1.6 * t)), Math.round(255 * t * t), Math.round(255 * (0.35 + 0.3 * t - 0.4 * t * t))];
        const border = spectra.highMask[u * n + v] !== (spectra.highMask[Math.floor((y + 1) / sScale) * n + v] ?? spectra.highMask[u * n + v]) || spectra.highMask[u * n + v] !== (x + 1 < n * sScale ? spectra.highMask[u * n + Math.floor((x + 1) / sScale)] : spectra.highMask[u * n + v]);
        set(sx + x, oy + y, border ? [255, 255, 255] : rgb);
      }
    drawText(image, ox, oy + Math.max(kh * kScale, n * sScale) + 5, `${k} HF ${(100 * spectra.highShare[k]!).toFixed(0)}%`, high ? [214, 39, 40] : [31, 119, 180]);
  }
  return image;
}

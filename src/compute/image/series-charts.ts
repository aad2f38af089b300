// Two small chart kinds for comparing a few series (teacher, student, target): grouped bars (one group
// per category, one colour per series) and lines over an x index. Plain pictures with a colour legend;
// the numbers themselves go in the table beside them.
import { drawText, textWidth } from './bitmap-font.ts';
import { makeImage, type PlanarImage } from './image.ts';

export interface Series {
  name: string;
  values: number[];
}

const COLOURS: [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];
const MARGIN = 10;
const LEGEND = 14;

/** Width the one-line legend needs. */
const legendWidth = (series: readonly Series[]) => 2 * MARGIN + series.reduce((w, s) => w + textWidth(s.name) + 24, 0);

function canvas(width: number, plotHeight: number, series: readonly Series[], title: string): { image: PlanarImage; paint: (x: number, y: number, rgb: readonly number[]) => void; top: number } {
  const height = plotHeight + 2 * MARGIN + 2 * LEGEND + 14;
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  const paint = (x: number, y: number, rgb: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    for (let k = 0; k < 3; k++) image.data[k * plane + y * width + x] = rgb[k]!;
  };
  drawText(image, MARGIN, 3, title, [0, 0, 0]);
  let x = MARGIN;
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    for (let dy = 0; dy < 7; dy++) for (let dx = 0; dx < 7; dx++) paint(x + dx, 16 + dy, colour);
    drawText(image, x + 10, 15, s.name, [0, 0, 0]);
    x += textWidth(s.name) + 24;
  });
  return { image, paint, top: 14 + 2 * LEGEND };
}

/** Bars of series values per category, categories labelled below. Values below 0 are drawn as 0. */
export function renderGroupedBars(categories: readonly string[], series: readonly Series[], title: string, plotHeight = 140): PlanarImage {
  const bar = 10;
  const groupWidth = Math.max(series.length * bar + 8, ...categories.map((c) => textWidth(c) + 6));
  const width = Math.max(2 * MARGIN + categories.length * groupWidth, 220, legendWidth(series));
  const { image, paint, top } = canvas(width, plotHeight + 12, series, title);
  const max = Math.max(1e-12, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const baseline = top + plotHeight;
  categories.forEach((cat, g) => {
    const left = MARGIN + g * groupWidth;
    series.forEach((s, i) => {
      const v = s.values[g] ?? 0;
      const hgt = Number.isFinite(v) ? Math.round((Math.max(0, v) / max) * plotHeight) : 0;
      for (let y = baseline - hgt; y < baseline; y++) for (let x = 0; x < bar - 1; x++) paint(left + i * bar + x, y, COLOURS[i % COLOURS.length]!);
    });
    drawText(image, left, baseline + 3, cat, [60, 60, 60]);
  });
  for (let x = MARGIN - 2; x < width - MARGIN; x++) paint(x, baseline, [0, 0, 0]);
  return image;
}

/** Lines of each series over x = 0 .. n-1, y scaled to the range of all values. */
export function renderLineChart(series: readonly Series[], title: string, xLabel: string, minWidth = 360, plotHeight = 160): PlanarImage {
  const width = Math.max(minWidth, legendWidth(series));
  const { image, paint, top } = canvas(width, plotHeight + 12, series, title);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const span = hi - lo || 1;
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const px = (i: number) => Math.round(MARGIN + (i / (n - 1)) * (width - 2 * MARGIN));
  const py = (v: number) => Math.round(top + plotHeight - ((v - lo) / span) * plotHeight);
  for (let x = MARGIN; x < width - MARGIN; x++) paint(x, top + plotHeight, [0, 0, 0]);
  for (let y = top; y <= top + plotHeight; y++) paint(MARGIN, y, [0, 0, 0]);
  series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length]!;
    for (let i = 0; i + 1 < s.values.length; i++) {
      const [x0, y0, x1, y1] = [px(i), py(s.values[i]!), px(i + 1), py(s.values[i + 1]!)];
      const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
      for (let t = 0; t <= steps; t++) {
        const x = Math.round(x0 + ((x1 - x0) * t) / steps);
        const y = Math.round(y0 + ((y1 - y0) * t) / steps);
        paint(x, y, colour);
        paint(x, y + 1, colour);
      }
    }
  });
  drawText(image, MARGIN, top + plotHeight + 3, xLabel, [60, 60, 60]);
  return image;
}

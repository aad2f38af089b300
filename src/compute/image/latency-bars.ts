// A labelled horizontal bar chart of latency per layer (or any named durations): one row per item with
// its name on the left, a bar scaled to the largest value, and the value written after the bar. Bars
// are coloured by a category (compute-bound, memory-bound, measured), explained in the legend row.
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font';
import { makeImage, type PlanarImage } from './image';

export interface LatencyBar {
  label: string;
  value: number;
  /** Index into the chart's categories (its colour and legend entry). */
  category: number;
  /** Written after the bar; default: the value with 3 significant digits. */
  text?: string;
}

export interface LatencyBarsOptions {
  title: string;
  /** Legend names of the categories, in category order. */
  categories: string[];
  /** Bar area width in pixels (default 360). */
  barWidth?: number;
}

const COLOURS: [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
];
const INK = [33, 37, 41];
const ROW = 12;
const PAD = 8;

export function renderLatencyBars(bars: LatencyBar[], options: LatencyBarsOptions): PlanarImage {
  const barArea = options.barWidth ?? 360;
  const labelWidth = Math.max(textWidth('M'), ...bars.map((b) => textWidth(b.label)));
  const texts = bars.map((b) => b.text ?? Number(b.value.toPrecision(3)).toString());
  const valueWidth = Math.max(0, ...texts.map((t) => textWidth(t)));
  const legendWidth = options.categories.reduce((w, c) => w + 14 + textWidth(c) + 12, 0);
  const width = Math.max(PAD * 2 + labelWidth + 8 + barArea + 6 + valueWidth, PAD * 2 + textWidth(options.title), PAD * 2 + legendWidth);
  const height = PAD * 2 + (2 + bars.length) * ROW + 4;
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  const fill = (x0: number, y0: number, w: number, h: number, rgb: readonly number[]) => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) for (let k = 0; k < 3; k++) image.data[k * plane + y * width + x] = rgb[k]!;
  };
  drawText(image, PAD, PAD, options.title, INK);
  let lx = PAD;
  options.categories.forEach((name, i) => {
    fill(lx, PAD + ROW, 10, GLYPH_HEIGHT, COLOURS[i % COLOURS.length]!);
    drawText(image, lx + 14, PAD + ROW, name, INK);
    lx += 14 + textWidth(name) + 12;
  });
  const max = Math.max(0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const barLeft = PAD + labelWidth + 8;
  bars.forEach((b, i) => {
    const y = PAD + (2 + i) * ROW + 4;
    drawText(image, PAD + labelWidth - textWidth(b.label), y, b.label, INK);
    const w = max > 0 && Number.isFinite(b.value) ? Math.max(1, Math.round((Math.max(0, b.value) / max) * barArea)) : 0;
    fill(barLeft, y - 1, w, GLYPH_HEIGHT + 2, COLOURS[b.category % COLOURS.length]!);
    drawText(image, barLeft + w + 6, y, texts[i]!, INK);
  });
  // The axis: a vertical line where the bars start.
  fill(barLeft - 1, PAD + 2 * ROW, 1, bars.length * ROW + 4, INK);
  return image;
}

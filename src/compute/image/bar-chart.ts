// A plain bar chart as an image (no text: the numbers go in the table beside it), used for class
// histograms in reports.
import { makeImage, type PlanarImage } from './image';

export interface BarChartOptions {
  /** Plot height in pixels (default 160). */
  height?: number;
  /** Bar width in pixels (default: fits ~480 px, between 2 and 32). */
  barWidth?: number;
}

/** A categorical palette that stays distinguishable on a white background. */
const PALETTE: [number, number, number][] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export function renderBarChart(values: number[], options: BarChartOptions = {}): PlanarImage {
  const plotHeight = options.height ?? 160;
  const barWidth = options.barWidth ?? Math.min(32, Math.max(2, Math.floor(480 / Math.max(1, values.length)) - 2));
  const gap = Math.max(1, Math.round(barWidth / 4));
  const margin = 8;
  const width = margin * 2 + Math.max(1, values.length) * (barWidth + gap);
  const height = plotHeight + margin * 2 + 1;
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  const paint = (x: number, y: number, rgb: [number, number, number]): void => {
    for (let k = 0; k < 3; k++) image.data[k * plane + y * width + x] = rgb[k];
  };
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const baseline = margin + plotHeight;
  values.forEach((value, i) => {
    const bar = max > 0 && Number.isFinite(value) ? Math.round((Math.max(0, value) / max) * plotHeight) : 0;
    const left = margin + i * (barWidth + gap);
    const colour = PALETTE[i % PALETTE.length];
    for (let y = baseline - bar; y < baseline; y++) {
      for (let x = left; x < left + barWidth; x++) paint(x, y, colour);
    }
  });
  for (let x = margin - 2; x < width - margin + 2; x++) paint(x, baseline, [0, 0, 0]);
  return image;
}

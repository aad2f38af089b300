// A pattern histogram for pattern pruning reports: one bar per kernel pattern (its count), and under
// each bar the pattern itself drawn as a 3x3 glyph (dark cells are the kept positions), so the chart
// reads without a legend. Counts go in the table beside it.
import { renderBarChart } from './bar-chart.ts';
import { makeImage, type PlanarImage } from './image.ts';

/** `masks[i]` is a 9-bit kernel mask (bit row * 3 + col) and `counts[i]` how many kernels use it. */
export function renderPatternHistogram(masks: readonly number[], counts: readonly number[], height = 160): PlanarImage {
  const cell = 4;
  const glyph = 3 * cell;
  const barWidth = glyph + 2;
  const bars = renderBarChart([...counts], { height, barWidth });
  const gap = Math.max(1, Math.round(barWidth / 4));
  const margin = 8;
  const below = glyph + 6;
  const image = makeImage(bars.width, bars.height + below, 3, 255);
  const plane = image.width * image.height;
  const barsPlane = bars.width * bars.height;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < bars.height; y++)
      for (let x = 0; x < bars.width; x++) image.data[c * plane + y * image.width + x] = bars.data[c * barsPlane + y * bars.width + x]!;
  masks.forEach((mask, i) => {
    const left = margin + i * (barWidth + gap) + 1;
    const top = bars.height + 2;
    for (let r = 0; r < 3; r++)
      for (let col = 0; col < 3; col++) {
        const kept = (mask >> (r * 3 + col)) & 1;
        const shade = kept ? 40 : 220;
        for (let y = 0; y < cell - 1; y++)
          for (let x = 0; x < cell - 1; x++) for (let c = 0; c < 3; c++) image.data[c * plane + (top + r * cell + y) * image.width + left + col * cell + x] = shade;
      }
  });
  return image;
}

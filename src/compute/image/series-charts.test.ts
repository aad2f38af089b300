import { describe, expect, it } from 'vitest';
import { renderImageColumns } from './image-columns.ts';
import { renderGroupedBars, renderLineChart } from './series-charts.ts';

const colourAt = (img: { width: number; height: number; data: Uint8Array }, x: number, y: number) => [0, 1, 2].map((k) => img.data[k * img.width * img.height + y * img.width + x]);

describe('series charts and image columns', () => {
  it('draws bars in proportion to their values, one colour per series, wide enough for the legend', () => {
    const img = renderGroupedBars(['a', 'b'], [{ name: 'first series', values: [1, 0.5] }, { name: 'second series', values: [0, 2] }], 'bars');
    expect(img.width).toBeGreaterThan(2 * 10 + 2 * (6 * 12 + 24));
    // The tallest bar (second series, category b) reaches the top of the plot; the zero bar draws nothing.
    const column = (x: number, rgb = '255,127,14') => Array.from({ length: img.height }, (_, y) => colourAt(img, x, y).join(',')).filter((c) => c === rgb).length;
    // Group width 28 (two 10 px bars + 8): category b starts at 10 + 28, its second bar 10 px further.
    expect(column(10 + 28 + 10 + 2)).toBeGreaterThan(100);
    // The first series (blue) at half the maximum in category a.
    // (plus the 7 px of its legend swatch above, in the same column).
    expect(column(10 + 2, '31,119,180')).toBe(70 + 7);
    const line = renderLineChart([{ name: 'x', values: [0, 1, 2] }], 'lines', 'r');
    expect(line.width).toBe(360);
  });

  it('puts each column of images side by side, upscaled', () => {
    const pixels = new Uint8Array(2 * 4 * 4).fill(200);
    const img = renderImageColumns([{ title: 'a', pixels }, { title: 'b', pixels: new Uint8Array(32) }], [1, 4, 4], 2, 16);
    expect(img.width).toBe(4 + 2 * (16 + 4));
    expect(colourAt(img, 4 + 3, 14 + 4 + 3)).toEqual([200, 200, 200]);
    expect(colourAt(img, 4 + 20 + 3, 14 + 4 + 3)).toEqual([0, 0, 0]);
  });
});

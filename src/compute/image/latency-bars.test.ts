import { describe, expect, it } from 'vitest';
import { drawText, textWidth } from './bitmap-font';
import { makeImage } from './image';
import { renderLatencyBars } from './latency-bars';

describe('latency bars', () => {
  it('draws one bar per row, as long as its value relative to the largest, in its category colour', () => {
    const image = renderLatencyBars(
      [
        { label: 'conv', value: 4, category: 0 },
        { label: 'relu', value: 1, category: 1 },
        { label: 'total', value: 2, category: 2 },
      ],
      { title: 'test', categories: ['compute', 'memory', 'total'], barWidth: 200 },
    );
    const plane = image.width * image.height;
    const runOf = (rgb: number[], y: number) => {
      let n = 0;
      for (let x = 0; x < image.width; x++) if ([0, 1, 2].every((k) => image.data[k * plane + y * image.width + x] === rgb[k])) n++;
      return n;
    };
    // Rows start at 8 + 2 * 12 + 4; the middle of each bar is 3 px lower.
    const rowY = (i: number) => 8 + (2 + i) * 12 + 4 + 3;
    expect(runOf([31, 119, 180], rowY(0))).toBe(200);
    expect(runOf([255, 127, 14], rowY(1))).toBe(50);
    expect(runOf([44, 160, 44], rowY(2))).toBe(100);
  });

  it('writes text in a 5x7 font, upper-casing letters', () => {
    const image = makeImage(40, 10, 1, 0);
    drawText(image, 0, 0, 'l1', [255]);
    const lit = image.data.reduce((n, v) => n + (v ? 1 : 0), 0);
    // L: 7 + 4 pixels; 1: 3 + 5 + 1 + 3 - overlap => count the glyph bits directly.
    expect(lit).toBe(11 + 10);
    expect(textWidth('abc')).toBe(17);
  });
});

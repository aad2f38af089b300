import { describe, expect, it } from 'vitest';
import { renderPatternHistogram } from './pattern-histogram';

describe('renderPatternHistogram', () => {
  it('draws one bar per pattern and the pattern as a 3x3 glyph under it', () => {
    const cross = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5);
    const corners = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 8);
    const height = 100;
    const image = renderPatternHistogram([cross, corners], [10, 5], height);
    const plane = image.width * image.height;
    const grey = (x: number, y: number) => image.data[plane + y * image.width + x];
    const barsHeight = height + 8 * 2 + 1;
    // Glyph cells are 4 px; bar i starts at 8 + i * (14 + 4); the glyph 1 px inside it, 2 px below the bars.
    const cell = (bar: number, r: number, c: number) => grey(8 + bar * 18 + 1 + c * 4 + 1, barsHeight + 2 + r * 4 + 1);
    for (let p = 0; p < 9; p++) {
      expect(cell(0, Math.floor(p / 3), p % 3)).toBe((cross >> p) & 1 ? 40 : 220);
      expect(cell(1, Math.floor(p / 3), p % 3)).toBe((corners >> p) & 1 ? 40 : 220);
    }
    // Bar heights proportional to the counts: the second is half the first.
    const top = (bar: number) => {
      const x = 8 + bar * 18 + 2;
      for (let y = 0; y < barsHeight; y++) if (grey(x, y) !== 255) return y;
      return barsHeight;
    };
    expect(8 + height - top(0)).toBe(100);
    expect(8 + height - top(1)).toBe(50);
  });
});

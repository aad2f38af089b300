import { describe, expect, it } from 'vitest';
import { renderBarChart } from './bar-chart';

describe('renderBarChart', () => {
  it('draws bars proportional to the values', () => {
    const chart = renderBarChart([10, 5, 0], { height: 100, barWidth: 4 });
    const baseline = 8 + 100;
    const column = (i: number) => 8 + i * 5 + 1;
    const barTop = (x: number) => {
      const plane = chart.width * chart.height;
      const white = (y: number) => [0, 1, 2].every((c) => chart.data[c * plane + y * chart.width + x] === 255);
      for (let y = 0; y < baseline; y++) if (!white(y)) return y;
      return baseline;
    };
    expect(baseline - barTop(column(0))).toBe(100);
    expect(baseline - barTop(column(1))).toBe(50);
    expect(baseline - barTop(column(2))).toBe(0);
  });

  it('handles an empty or all-zero histogram', () => {
    expect(renderBarChart([]).width).toBeGreaterThan(0);
    expect(renderBarChart([0, 0]).data.length).toBeGreaterThan(0);
  });
});

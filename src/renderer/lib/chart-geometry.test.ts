import { describe, expect, it } from 'vitest';
import { extentOf, pathOf, ticksOf } from './chart-geometry';
import { appendPoint, lastValuesOf, seriesOfRecord } from './metric-series';

describe('chart geometry', () => {
  it('covers all curves and widens a flat range', () => {
    expect(extentOf([[{ step: 0, value: 2 }], [{ step: 4, value: -1 }]])).toEqual({ minX: 0, maxX: 4, minY: -1, maxY: 2 });
    expect(extentOf([[{ step: 3, value: 5 }]])).toEqual({ minX: 3, maxX: 4, minY: 4.75, maxY: 5.25 });
    expect(extentOf([[]])).toBeUndefined();
  });

  it('picks round ticks inside the range', () => {
    expect(ticksOf(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(ticksOf(0, 100, 4)).toEqual([0, 50, 100]);
    expect(ticksOf(0.13, 0.92, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
  });

  it('maps steps left to right and values bottom to top', () => {
    const extent = { minX: 0, maxX: 10, minY: 0, maxY: 1 };
    const box = { x: 0, y: 0, width: 100, height: 50 };
    expect(pathOf([{ step: 0, value: 0 }, { step: 10, value: 1 }, { step: 5, value: Number.NaN }], extent, box)).toBe('M0.0 50.0 L100.0 0.0');
  });
});

describe('metric series', () => {
  it('halves a curve past its limit and keeps the newest point', () => {
    let points = appendPoint(undefined, { step: 0, value: 0 }, 4);
    for (let step = 1; step <= 4; step++) points = appendPoint(points, { step, value: step }, 4);
    expect(points.map((p) => p.step)).toEqual([0, 2, 4]);
    points = appendPoint(points, { step: 5, value: 5 }, 4);
    expect(points.map((p) => p.step)).toEqual([0, 2, 4, 5]);
  });

  it('groups recorded metric rows by node and name, and reads their last values', () => {
    const series = seriesOfRecord([
      { nodeId: 'train', name: 'loss', step: 0, value: 2 },
      { nodeId: 'train', name: 'loss', step: 1, value: 1 },
      { nodeId: 'eval', name: 'accuracy', step: 0, value: 0.9 },
    ]);
    expect(series.train.loss).toEqual([{ step: 0, value: 2 }, { step: 1, value: 1 }]);
    expect(lastValuesOf(series)).toEqual(new Map([['train/loss', 1], ['eval/accuracy', 0.9]]));
  });
});

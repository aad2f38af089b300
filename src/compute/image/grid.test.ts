import { describe, expect, it } from 'vitest';
import { flatDataset } from '../../../tests/helpers/datasets';
import type { Dataset } from '../data/dataset';
import { cellSizeOf, renderSampleGrid, samplesPerClass } from './grid';

const dataset = (count: number, classes: number, size: number): Dataset =>
  flatDataset(count, classes, size, (_, label) => 10 + label * 50, 't');

describe('renderSampleGrid', () => {
  it('upscales 28x28 by 3 so it is readable', () => {
    expect(cellSizeOf(28, 28, 84)).toEqual({ ch: 84, cw: 84 });
    expect(cellSizeOf(32, 32, 84)).toEqual({ ch: 64, cw: 64 });
    expect(cellSizeOf(512, 512, 84)).toEqual({ ch: 168, cw: 168 });
  });

  it('draws one row per class with that class in it', () => {
    const ds = dataset(30, 3, 4);
    const grid = renderSampleGrid(ds, { perClass: 2, targetCell: 8 });
    // cells 8x8 (4 x 2), gap 2: width = 2 * 10 + 2, height = 3 * 10 + 2.
    expect(grid).toMatchObject({ width: 22, height: 32, channels: 3 });
    const red = (x: number, y: number) => grid.data[y * grid.width + x];
    expect(red(3, 3)).toBe(10);
    expect(red(13, 3)).toBe(10);
    expect(red(3, 13)).toBe(60);
    expect(red(3, 23)).toBe(110);
    expect(red(0, 0)).toBe(48);
  });

  it('picks the first samples of each class in order', () => {
    expect(samplesPerClass(Int32Array.from([1, 0, 1, 1, 0]), 2, 2)).toEqual([[1, 4], [0, 2]]);
  });

  it('shows the first N samples when asked', () => {
    const grid = renderSampleGrid(dataset(10, 2, 4), { first: 5, columns: 5, targetCell: 4 });
    expect(grid.width).toBe(5 * 6 + 2);
    expect(grid.height).toBe(6 + 2);
  });

  it('shows paired inputs above their targets', () => {
    const ds: Dataset = { ...dataset(3, 1, 2), task: 'paired', classes: [], targets: new Uint8Array(12).fill(200), targetShape: [1, 2, 2] };
    const grid = renderSampleGrid(ds, { perClass: 3, targetCell: 2 });
    expect(grid.height).toBe(2 * 4 + 2);
    expect(grid.data[2 * grid.width + 2]).toBe(10);
    expect(grid.data[6 * grid.width + 2]).toBe(200);
  });
});

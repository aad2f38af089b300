import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../engine/object-store';
import { tempHome } from '../../engine/test-support';
import { NodeError } from '../../shared/node-sdk';
import { flatDataset } from '../../../tests/helpers/datasets';
import { renderSampleGrid } from '../image/grid';
import { boxOf, type Box } from './boxes';
import type { Dataset } from './dataset';
import { placementProblem, placeOnCanvas, type PlacementOptions } from './placement';
import { applyShift, firstSamples, limitPerClass, NO_SHIFT, resizeDataset, setChannels, stratifiedSplit, subsetDataset } from './transforms';

/** count images of 1 x size x size, every pixel of image i non-zero (100 + i), so the object is all ink. */
const solid = (count: number, size = 8, classes = 3): Dataset => flatDataset(count, classes, size, (i) => 100 + i, 'solid');

const OPTIONS: PlacementOptions = { canvas: 32, scaleMin: 1, scaleMax: 1, clutter: 0, clutterSize: 4, seed: 5, stream: 1 };
const place = (data: Dataset, o: Partial<PlacementOptions> = {}) => placeOnCanvas(data, { ...OPTIONS, ...o });

/** Visits every pixel of image n of a placed dataset: (channel, x, y, value). */
function eachPixel(data: Dataset, n: number, visit: (ch: number, x: number, y: number, v: number) => void): void {
  const [c, h, w] = data.shape;
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) visit(ch, x, y, data.pixels[n * c * h * w + ch * h * w + y * w + x]!);
}

const inside = (box: Box, x: number, y: number, margin = 0) => x >= box[0] - margin && x < box[2] + margin && y >= box[1] - margin && y < box[3] + margin;

describe('placeOnCanvas', () => {
  it('puts each whole image on the canvas at the recorded box, the rest black', () => {
    const data = solid(20);
    const placed = place(data);
    expect(placed.shape).toEqual([1, 32, 32]);
    expect(placed.pixels.length).toBe(20 * 32 * 32);
    expect(placed.boxes?.length).toBe(20 * 4);
    expect(Array.from(placed.labels)).toEqual(Array.from(data.labels));
    for (let n = 0; n < placed.count; n++) {
      const box = boxOf(placed, n);
      expect(box[2] - box[0]).toBe(8);
      expect(box[3] - box[1]).toBe(8);
      expect(box[0]).toBeGreaterThanOrEqual(0);
      expect(box[2]).toBeLessThanOrEqual(32);
      eachPixel(placed, n, (_, x, y, v) => expect(v).toBe(inside(box, x, y) ? 100 + n : 0));
    }
    // Positions vary: not every object lands in the same place.
    expect(new Set(Array.from({ length: 20 }, (_, n) => boxOf(placed, n).join(','))).size).toBeGreaterThan(10);
    expect(placed.source.note).toContain('32x32 canvas');
  });

  it('is seeded: the same seed and stream give the same canvases, another stream other ones', () => {
    const data = solid(12);
    const o = { scaleMin: 0.5, scaleMax: 2, clutter: 3 };
    const a = place(data, o);
    const b = place(data, o);
    const c = place(data, { ...o, stream: 2 });
    const d = place(data, { ...o, seed: 6 });
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
    expect(Array.from(a.boxes!)).toEqual(Array.from(b.boxes!));
    expect(Array.from(a.boxes!)).not.toEqual(Array.from(c.boxes!));
    expect(Array.from(a.boxes!)).not.toEqual(Array.from(d.boxes!));
  });

  it('scales each object by a factor in [scaleMin, scaleMax]', () => {
    const placed = place(solid(40), { scaleMin: 0.5, scaleMax: 3 });
    const sizes = Array.from({ length: 40 }, (_, n) => {
      const box = boxOf(placed, n);
      expect(box[2] - box[0]).toBe(box[3] - box[1]);
      return box[2] - box[0];
    });
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(24);
    expect(new Set(sizes).size).toBeGreaterThan(5);
    for (let n = 0; n < 40; n++) {
      const box = boxOf(placed, n);
      eachPixel(placed, n, (_, x, y, v) => expect(v > 0).toBe(inside(box, x, y)));
    }
  });

  it('scatters clutter from other images outside the object box and leaves the object untouched', () => {
    const data = solid(10);
    const placed = place(data, { clutter: 6, clutterSize: 4 });
    let clutterPixels = 0;
    for (let n = 0; n < placed.count; n++) {
      const box = boxOf(placed, n);
      eachPixel(placed, n, (_, x, y, v) => {
        if (inside(box, x, y)) expect(v).toBe(100 + n);
        else if (v > 0) {
          clutterPixels++;
          // A fragment of another image: one of the other fill values.
          expect(v).not.toBe(100 + n);
          expect(v).toBeGreaterThanOrEqual(100);
        }
      });
    }
    // Six 4x4 fragments per canvas (overlaps between fragments allowed).
    expect(clutterPixels).toBeGreaterThan(10 * 3 * 16);
  });

  it('counts fragments that find no room beside the object', () => {
    const placed = place(solid(4, 28), { canvas: 30, clutter: 2, clutterSize: 8 });
    expect(placed.source.note).toMatch(/8 left out: no room beside the object/);
  });

  it('places colour images on every channel', () => {
    const rgb = setChannels(solid(5), 3);
    const placed = place(rgb, { clutter: 2 });
    expect(placed.shape).toEqual([3, 32, 32]);
    for (let n = 0; n < placed.count; n++) {
      const box = boxOf(placed, n);
      eachPixel(placed, n, (_, x, y, v) => inside(box, x, y) && expect(v).toBe(100 + n));
    }
  });

  it('names the param that does not fit', () => {
    const shape = [1, 28, 28] as const;
    expect(placementProblem(shape, { ...OPTIONS, canvas: 64, scaleMax: 2.5 })).toEqual({
      param: 'canvasSize',
      message: 'canvasSize 64 px is smaller than the images at placeScaleMax (28x28 px x 2.5 = 70 px); raise canvasSize to at least 70 or lower placeScaleMax',
    });
    expect(placementProblem(shape, { ...OPTIONS, canvas: 64, scaleMin: 2, scaleMax: 1 })?.param).toBe('placeScaleMin');
    expect(placementProblem(shape, { ...OPTIONS, canvas: 64, clutter: 1, clutterSize: 30 })?.param).toBe('clutterSize');
    expect(placementProblem(shape, { ...OPTIONS, canvas: 64, clutter: 0, clutterSize: 30 })).toBeUndefined();
    expect(() => place(solid(2, 40))).toThrow(NodeError);
    try {
      place(solid(2, 40));
    } catch (error) {
      expect((error as NodeError).detail?.param).toBe('canvasSize');
    }
  });
});

describe('object boxes through the other transforms', () => {
  const placed = place(solid(30), { scaleMin: 0.75, scaleMax: 2 });

  it('subsets, per-class limits and splits keep each box with its image', () => {
    const sub = subsetDataset(placed, [7, 2, 29]);
    expect(Array.from(sub.boxes!)).toEqual([...boxOf(placed, 7), ...boxOf(placed, 2), ...boxOf(placed, 29)]);
    const limited = limitPerClass(placed, 2);
    expect(limited.boxes?.length).toBe(limited.count * 4);
    const { kept, moved } = stratifiedSplit(placed, 0.3, 1);
    for (const part of [kept, moved]) {
      expect(part.boxes?.length).toBe(part.count * 4);
      for (let n = 0; n < part.count; n++) {
        const box = boxOf(part, n);
        eachPixel(part, n, (_, x, y, v) => expect(v > 0).toBe(inside(box, x, y)));
      }
    }
    expect(subsetDataset(placed, []).boxes?.length).toBe(0);
    const first = firstSamples(placed, 3);
    expect([first.count, first.boxes?.length]).toEqual([3, 12]);
  });

  it('resize scales the boxes with the canvas', () => {
    for (const size of [16, 48]) {
      const resized = resizeDataset(placed, size);
      const f = size / 32;
      for (let n = 0; n < resized.count; n++) {
        const box = boxOf(resized, n);
        expect(box).toEqual(boxOf(placed, n).map((v) => Math.fround(v * f)));
        // Bilinear interpolation may spread the object by up to one pixel beyond its scaled box.
        eachPixel(resized, n, (_, x, y, v) => v > 0 && expect(inside(box, x, y, 1)).toBe(true));
      }
    }
  });

  it('shifts keep the boxes, except a rotation, which drops them', () => {
    const noisy = applyShift(placed, { ...NO_SHIFT, noise: 10, invert: true }, { seed: 1 });
    expect(Array.from(noisy.boxes!)).toEqual(Array.from(placed.boxes!));
    expect(applyShift(placed, { ...NO_SHIFT, rotate: 30 }, { seed: 1 }).boxes).toBeUndefined();
    expect(setChannels(placed, 3).boxes).toBe(placed.boxes);
  });

  it('survive the object store and worker messages', async () => {
    const store = new ObjectStore(tempHome());
    const { object } = store.putValueSync(placed);
    for (const back of [(await store.readValue(object)) as Dataset, store.readValueSync(object) as Dataset, structuredClone(placed), v8.deserialize(v8.serialize(placed)) as Dataset]) {
      expect(back.boxes).toBeInstanceOf(Float32Array);
      expect(Array.from(back.boxes!)).toEqual(Array.from(placed.boxes!));
      expect(back.shape).toEqual(placed.shape);
    }
    // The boxes are part of the value, so they are part of its content address.
    const other = { ...placed, boxes: placed.boxes!.map((v) => v + 1) };
    expect(store.putValueSync(other).object).not.toBe(object);
  });

  it('are drawn on the sample grid', () => {
    const grid = renderSampleGrid(firstSamples(placed, 3), { first: 3, targetCell: 32 });
    const plane = grid.width * grid.height;
    let orange = 0;
    for (let i = 0; i < plane; i++) if (grid.data[i] === 255 && grid.data[plane + i] === 140 && grid.data[2 * plane + i] === 0) orange++;
    expect(orange).toBeGreaterThan(3 * 4 * 5);
    const plain = renderSampleGrid({ ...firstSamples(placed, 3), boxes: undefined }, { first: 3, targetCell: 32 });
    expect(Buffer.from(plain.data).equals(Buffer.from(grid.data))).toBe(false);
  });
});

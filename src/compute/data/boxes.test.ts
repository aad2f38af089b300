import { describe, expect, it } from 'vitest';
import { flatDataset } from '../../../tests/helpers/datasets';
import { GraphBuilder } from '../graph/graph-builder';
import * as F from '../graph/ops/index';
import { createSession, runSession } from '../ort/session';
import { affineToBox, boxIoU, boxOf, boxToAffine, boxToNormalized, normalizedToBox, scaleBoxes, withoutBoxes, type Box } from './boxes';
import { placeOnCanvas } from './placement';

describe('box helpers', () => {
  it('IoU of identical, disjoint, nested and half-overlapping boxes', () => {
    expect(boxIoU([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(boxIoU([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(boxIoU([0, 0, 10, 10], [0, 0, 5, 5])).toBe(0.25);
    expect(boxIoU([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(boxIoU([3, 3, 3, 3], [3, 3, 3, 3])).toBe(0);
  });

  it('maps canvas pixels to [-1, 1] with either corner convention and back', () => {
    expect(boxToNormalized([0, 0, 64, 64], 64, 64)).toEqual([-1, -1, 1, 1]);
    expect(boxToNormalized([16, 0, 48, 32], 64, 64)).toEqual([-0.5, -1, 0.5, 0]);
    // align_corners=true: -1 and 1 are the centres of the first and last pixel.
    expect(boxToNormalized([0.5, 0.5, 63.5, 63.5], 64, 64, { alignCorners: true })).toEqual([-1, -1, 1, 1]);
    const box: Box = [5, 7, 33, 35];
    for (const alignCorners of [false, true]) {
      normalizedToBox(boxToNormalized(box, 64, 80, { alignCorners }), 64, 80, { alignCorners }).forEach((v, i) => expect(v).toBeCloseTo(box[i]!, 10));
      const affine = boxToAffine(box, 64, 64, { alignCorners });
      expect(affine.sx).toBeCloseTo(affine.sy, 12);
      affineToBox(affine, 64, 64, { alignCorners }).forEach((v, i) => expect(v).toBeCloseTo(box[i]!, 10));
    }
    // A 28 px object on a 112 px canvas is a glimpse of scale 0.25.
    expect(boxToAffine([42, 42, 70, 70], 112, 112)).toEqual({ sx: 0.25, sy: 0.25, tx: 0, ty: 0 });
    expect(affineToBox({ sx: 1, tx: 0, ty: 0 }, 112, 112)).toEqual([0, 0, 112, 112]);
  });

  it('scales boxes and drops them', () => {
    expect(Array.from(scaleBoxes(new Float32Array([2, 4, 6, 8]), 0.5, 2))).toEqual([1, 8, 3, 16]);
    const data = flatDataset(2, 2, 4, () => 1);
    expect(() => boxOf(data, 0)).toThrow(/has no object boxes/);
    const boxed = { ...data, boxes: new Float32Array(8) };
    expect('boxes' in withoutBoxes(boxed)).toBe(false);
    expect(boxed.boxes).toBeDefined();
    expect(() => boxOf(boxed, 2)).toThrow(/out of range/);
  });

  it("a glimpse through the compute core's affineGrid and gridSample at the box reads the object back", async () => {
    // One 28x28 image with a distinct value per pixel, placed on a 64 px canvas among clutter.
    const size = 28;
    const data = flatDataset(3, 3, size, () => 0);
    for (let i = 0; i < data.pixels.length; i++) data.pixels[i] = 1 + ((i * 37) % 250);
    const placed = placeOnCanvas(data, { canvas: 64, scaleMin: 1, scaleMax: 1, clutter: 4, clutterSize: 6, seed: 3, stream: 1 });
    const box = boxOf(placed, 0);
    const { sx, sy, tx, ty } = boxToAffine(box, 64, 64);
    const g = new GraphBuilder();
    const canvas = g.input('canvas', [1, 1, 64, 64]);
    const theta = g.constant([sx, 0, tx, 0, sy, ty], [1, 2, 3], 'float32');
    const glimpse = F.gridSample(canvas, F.affineGrid(theta, [1, 1, size, size]));
    const session = await createSession(g.toModel({ outputs: { glimpse } }), { intraOpThreads: 1 });
    const out = await runSession(session, { canvas: { dtype: 'float32', shape: [1, 1, 64, 64], values: Float32Array.from(placed.pixels.subarray(0, 64 * 64)) } });
    await session.release();
    const values = out.glimpse!.values as Float32Array;
    for (let i = 0; i < size * size; i++) expect(values[i]).toBeCloseTo(data.pixels[i]!, 3);
  });
});

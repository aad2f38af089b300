import { describe, expect, it } from 'vitest';
import { NodeError } from '../../shared/node-sdk';
import { flatDataset } from '../../../tests/helpers/datasets';
import type { Dataset } from './dataset';
import {
  applyShift,
  channelStats,
  classCounts,
  limitPerClass,
  NO_SHIFT,
  parseTint,
  resizeDataset,
  setChannels,
  stratifiedSplit,
  subsetDataset,
} from './transforms';

/** count images of 1 x size x size; image i is filled with value i, label i % classes. */
const ramp = (count: number, classes: number, size = 2): Dataset => flatDataset(count, classes, size, (i) => i, 'ramp');

/** The fill value of each image, i.e. its original index. */
const ids = (ds: Dataset) => Array.from({ length: ds.count }, (_, i) => ds.pixels[i * ds.shape[1] * ds.shape[2]]);

describe('subsets and splits', () => {
  it('subsets keep images and labels together', () => {
    const sub = subsetDataset(ramp(10, 3), [7, 2]);
    expect(ids(sub)).toEqual([7, 2]);
    expect(Array.from(sub.labels)).toEqual([1, 2]);
  });

  it('limits per class to the first images', () => {
    const limited = limitPerClass(ramp(12, 3), 2);
    expect(ids(limited)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limitPerClass(ramp(4, 2), 0).count).toBe(4);
  });

  it('splits each class by the fraction, deterministically and without overlap', () => {
    const ds = ramp(100, 4);
    const { kept, moved } = stratifiedSplit(ds, 0.2, 9);
    expect(moved.count).toBe(20);
    expect(kept.count).toBe(80);
    expect(classCounts(moved)).toEqual([5, 5, 5, 5]);
    expect(new Set([...ids(kept), ...ids(moved)]).size).toBe(100);
    expect(ids(stratifiedSplit(ds, 0.2, 9).moved)).toEqual(ids(moved));
    expect(ids(stratifiedSplit(ds, 0.2, 10).moved)).not.toEqual(ids(moved));
  });

  it('leaves its input untouched', () => {
    const ds = ramp(6, 2);
    const before = Array.from(ds.pixels);
    applyShift(ds, { ...NO_SHIFT, invert: true }, { seed: 0 });
    resizeDataset(ds, 4);
    expect(Array.from(ds.pixels)).toEqual(before);
  });
});

describe('resize and channels', () => {
  it('resizes images and paired targets', () => {
    const ds: Dataset = { ...ramp(3, 1, 4), task: 'paired', targets: new Uint8Array(3 * 16).fill(9), targetShape: [1, 4, 4] };
    const out = resizeDataset(ds, 2);
    expect(out.shape).toEqual([1, 2, 2]);
    expect(ids(out)).toEqual([0, 1, 2]);
    expect(out.targetShape).toEqual([1, 2, 2]);
    expect(out.targets?.length).toBe(12);
  });

  it('converts 1 to 3 channels and back', () => {
    const rgb = setChannels(ramp(2, 1), 3);
    expect(rgb.shape).toEqual([3, 2, 2]);
    expect(Array.from(rgb.pixels.subarray(12))).toEqual(new Array(12).fill(1));
    expect(Array.from(setChannels(rgb, 1).pixels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe('domain shifts', () => {
  const one = (values: number[], size: number): Dataset => ({
    ...ramp(1, 1, size),
    pixels: Uint8Array.from(values),
  });

  it('inverts and changes contrast around mid-grey', () => {
    expect(Array.from(applyShift(one([0, 255, 100, 200], 2), { ...NO_SHIFT, invert: true }, { seed: 0 }).pixels)).toEqual([255, 0, 155, 55]);
    expect(Array.from(applyShift(one([0, 255, 100, 128], 2), { ...NO_SHIFT, contrast: 0.5 }, { seed: 0 }).pixels)).toEqual([64, 191, 114, 128]);
  });

  it('rotates counter-clockwise by 90 degrees', () => {
    // 3x3 with a bright pixel in the middle of the top row; a quarter turn to the left moves it to the
    // middle of the left column.
    const src = one([0, 200, 0, 0, 0, 0, 0, 0, 0], 3);
    const out = Array.from(applyShift(src, { ...NO_SHIFT, rotate: 90 }, { seed: 0 }).pixels);
    expect(out[3]).toBe(200);
    expect(out[1]).toBeLessThan(50);
  });

  it('blurs: spreads a point but keeps its total', () => {
    const values = new Array(81).fill(0);
    values[40] = 255;
    const out = applyShift(one(values, 9), { ...NO_SHIFT, blur: 1 }, { seed: 0 }).pixels;
    expect(out[40]).toBeLessThan(100);
    expect(out[41]).toBeGreaterThan(0);
    const total = out.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 255)).toBeLessThan(20);
  });

  it('adds seeded noise with the given spread', () => {
    const flat = one(new Array(400).fill(128), 20);
    const a = applyShift(flat, { ...NO_SHIFT, noise: 10 }, { seed: 1 }).pixels;
    const b = applyShift(flat, { ...NO_SHIFT, noise: 10 }, { seed: 1 }).pixels;
    const c = applyShift(flat, { ...NO_SHIFT, noise: 10 }, { seed: 2 }).pixels;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const std = Math.sqrt(Array.from(a).reduce((s, v) => s + (v - 128) ** 2, 0) / a.length);
    expect(std).toBeGreaterThan(8);
    expect(std).toBeLessThan(12);
  });

  it('tints greyscale into colour', () => {
    const out = applyShift(one([200, 200, 200, 200], 2), { ...NO_SHIFT, tint: '#ff0000', tintStrength: 1 }, { seed: 0 });
    expect(out.shape).toEqual([3, 2, 2]);
    expect(Array.from(out.pixels)).toEqual([200, 200, 200, 200, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseTint('#80ff00')).toEqual([128 / 255, 1, 0]);
    expect(() => applyShift(one([1, 2, 3, 4], 2), { ...NO_SHIFT, tint: 'orange' }, { seed: 0 })).toThrow(NodeError);
  });

  it('returns the same dataset for a neutral shift', () => {
    const ds = ramp(2, 1);
    expect(applyShift(ds, NO_SHIFT, { seed: 0 })).toBe(ds);
  });
});

describe('statistics', () => {
  it('computes per-channel mean and std in 0..1 units', () => {
    const ds: Dataset = { ...ramp(1, 1, 1), shape: [2, 1, 2], pixels: Uint8Array.from([0, 255, 51, 51]) };
    const stats = channelStats(ds);
    expect(stats.mean[0]).toBeCloseTo(0.5, 6);
    expect(stats.std[0]).toBeCloseTo(0.5, 6);
    expect(stats.mean[1]).toBeCloseTo(0.2, 6);
    expect(stats.std[1]).toBeCloseTo(0, 6);
  });

  it('counts classes', () => {
    expect(classCounts(ramp(7, 3))).toEqual([3, 2, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { convertPlanarChannels, planarFromInterleaved, rgbaFromPlanar } from './image';

describe('planar image conversions', () => {
  it('turns interleaved RGBA into planes and back', () => {
    const rgba = new Uint8Array([10, 20, 30, 255, 40, 50, 60, 0]);
    const planar = planarFromInterleaved(rgba, 2, 1, 4, 3);
    expect(Array.from(planar.data)).toEqual([10, 40, 20, 50, 30, 60]);
    expect(Array.from(rgbaFromPlanar(planar))).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
  });

  it('uses BT.601 luma for grey and repeats grey for RGB', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]);
    expect(Array.from(planarFromInterleaved(rgba, 2, 1, 4, 1).data)).toEqual([76, 29]);
    expect(Array.from(convertPlanarChannels(new Uint8Array([5, 9]), 2, 1, 3))).toEqual([5, 9, 5, 9, 5, 9]);
    expect(Array.from(convertPlanarChannels(new Uint8Array([100, 0, 100, 0, 100, 0]), 2, 3, 1))).toEqual([100, 0]);
  });
});

import { describe, expect, it } from 'vitest';
import { textWidth } from './bitmap-font.ts';
import { GLIMPSE_COLOURS, glimpseViewSize, renderGlimpseView } from './glimpse-view.ts';

describe('renderGlimpseView', () => {
  // Two grey 24x24 images, three 12x12 glimpses each: the image upscaled 4x, the glimpses 8x (96 px cells).
  const input = {
    images: new Uint8Array(2 * 576).fill(200),
    shape: [1, 24, 24] as const,
    count: 2,
    glimpses: 3,
    glimpsePixels: new Uint8Array(2 * 3 * 144).fill(50),
    glimpseShape: [1, 12, 12] as const,
    // Glimpse 1 the whole image, 2 the top-left quarter, 3 the bottom-right quarter (pixel edges).
    boxes: Float32Array.from([0, 0, 24, 24, 0, 0, 12, 12, 12, 12, 24, 24, 0, 0, 24, 24, 6, 6, 18, 18, 0, 12, 12, 24]),
    objectBoxes: Float32Array.from([2, 2, 10, 10, 4, 4, 20, 20]),
  };

  it('lays out the image and one column per glimpse, one row per sample', () => {
    const view = renderGlimpseView(input);
    const glimpseColumn = Math.max(96, textWidth('glimpse 3') + 2);
    expect(view.width).toBe(4 + 96 + 4 + 3 * (glimpseColumn + 4));
    expect(view.height).toBe(14 + 4 + 2 * (96 + 4));
    expect(glimpseViewSize(input)).toEqual({ width: view.width, height: view.height });
  });

  it('draws glimpse t in colour t on the image, frames the glimpses, and shows their pixels', () => {
    const view = renderGlimpseView(input);
    const plane = view.width * view.height;
    const rgb = (x: number, y: number) => [0, 1, 2].map((k) => view.data[k * plane + y * view.width + x]);
    const top = 18;
    // Glimpse 2's box [0, 12) on a 4x image: its right edge is image column 47, row 20 lies inside it.
    expect(rgb(4 + 47, top + 30)).toEqual([...GLIMPSE_COLOURS[1]!]);
    // Glimpse 3's box starts at 48.
    expect(rgb(4 + 48, top + 60)).toEqual([...GLIMPSE_COLOURS[2]!]);
    // Inside the image away from every outline: the image's grey.
    expect(rgb(4 + 70, top + 30)).toEqual([200, 200, 200]);
    // The first glimpse's pixels and its frame one pixel to the left.
    const left = 4 + 96 + 4;
    expect(rgb(left + 40, top + 40)).toEqual([50, 50, 50]);
    expect(rgb(left - 1, top + 40)).toEqual([...GLIMPSE_COLOURS[0]!]);
  });
});

import { describe, expect, it } from 'vitest';
import { freeSpotInView, type Box } from './placement';

const view: Box = { x: 0, y: 0, width: 1000, height: 600 };
const size = { width: 250, height: 160 };
const inside = (p: { x: number; y: number }) => p.x >= view.x && p.y >= view.y && p.x + size.width <= view.width && p.y + size.height <= view.height;

describe('freeSpotInView', () => {
  it('takes the middle of an empty view', () => {
    expect(freeSpotInView(view, size, [])).toEqual({ x: 375, y: 220 });
  });

  it('keeps every new node inside the view and clear of the others while there is room', () => {
    const taken: Box[] = [];
    for (let i = 0; i < 5; i++) {
      const spot = freeSpotInView(view, size, taken);
      expect(inside(spot)).toBe(true);
      expect(taken.some((b) => Math.abs(b.x - spot.x) < size.width && Math.abs(b.y - spot.y) < size.height)).toBe(false);
      taken.push({ ...spot, ...size });
    }
  });

  it('falls back to the middle of a full view rather than leaving it', () => {
    const full: Box[] = [{ x: -100, y: -100, width: 1200, height: 800 }];
    expect(freeSpotInView(view, size, full)).toEqual({ x: 375, y: 220 });
  });
});

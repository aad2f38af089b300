import { describe, expect, it } from 'vitest';
import { createRng } from '../graph/init.ts';
import { ImagePool } from './image-pool.ts';

describe('ImagePool', () => {
  it('shows new images until full, then swaps about half of them for stored ones', () => {
    const pool = new ImagePool(4, createRng(1));
    const out = new Float32Array(2);
    pool.query(Float32Array.from([1, 2]), 2, 1, out);
    expect([...out]).toEqual([1, 2]);
    pool.query(Float32Array.from([3, 4]), 2, 1, out);
    expect(pool.stored).toBe(4);
    let old = 0;
    for (let i = 0; i < 200; i++) {
      pool.query(Float32Array.from([100 + i, 1000 + i]), 2, 1, out);
      if (out[0] !== 100 + i) old++;
      if (out[1] !== 1000 + i) old++;
    }
    expect(old / 400).toBeGreaterThan(0.4);
    expect(old / 400).toBeLessThan(0.6);
    const passThrough = new ImagePool(0, createRng(1));
    passThrough.query(Float32Array.from([7, 8]), 2, 1, out);
    expect([...out]).toEqual([7, 8]);
  });
});

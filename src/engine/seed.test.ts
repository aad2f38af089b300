import { describe, expect, it } from 'vitest';
import { nodeSeed } from './seed';

describe('nodeSeed', () => {
  it('is a stable uint32 that depends on both the graph seed and the content key', () => {
    const key = 'a'.repeat(64);
    const other = 'b'.repeat(64);
    expect(nodeSeed(0, key)).toBe(nodeSeed(0, key));
    expect(nodeSeed(0, key)).not.toBe(nodeSeed(1, key));
    expect(nodeSeed(0, key)).not.toBe(nodeSeed(0, other));
    expect(Number.isInteger(nodeSeed(5, key)) && nodeSeed(5, key) >= 0 && nodeSeed(5, key) < 2 ** 32).toBe(true);
  });
});

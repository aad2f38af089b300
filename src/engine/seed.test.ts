import { describe, expect, it } from 'vitest';
import { nodeSeed } from './seed';

describe('nodeSeed', () => {
  it('is a stable uint32 that depends on both the graph seed and the node id', () => {
    expect(nodeSeed(0, 'train')).toBe(nodeSeed(0, 'train'));
    expect(nodeSeed(0, 'train')).not.toBe(nodeSeed(1, 'train'));
    expect(nodeSeed(0, 'train')).not.toBe(nodeSeed(0, 'test'));
    expect(Number.isInteger(nodeSeed(5, 'x')) && nodeSeed(5, 'x') >= 0 && nodeSeed(5, 'x') < 2 ** 32).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { bitsFor, packBits, packedBytes, unpackBits } from './bits.ts';

describe('packed bits', () => {
  it('round-trips every width from 1 to 32 bits with the exact byte count', () => {
    for (let bits = 1; bits <= 32; bits++) {
      const count = 37;
      // Values spread over the whole range, including 0 and the largest value.
      const values = Array.from({ length: count }, (_, i) => (i === count - 1 ? 2 ** bits - 1 : Math.floor(((i * 2654435761) % 2 ** 32) / 2 ** (32 - bits))));
      const packed = packBits(values, bits);
      expect(packed.length).toBe(packedBytes(count, bits));
      expect(Array.from(unpackBits(packed, bits, count))).toEqual(values);
    }
  });

  it('puts the first value in the lowest bits, and refuses values that do not fit', () => {
    expect(Array.from(packBits([1, 2, 3, 0], 2))).toEqual([0b00111001]);
    expect(Array.from(packBits([5, 10], 4))).toEqual([0xa5]);
    expect(() => packBits([4], 2)).toThrow(/does not fit in 2 bits/);
    expect(() => packBits([1.5], 4)).toThrow(/does not fit/);
    expect(() => unpackBits(new Uint8Array(1), 4, 3)).toThrow(/fewer than 3 values/);
  });

  it('says how many bits a codebook or library needs', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 16, 17, 256].map(bitsFor)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 8]);
  });
});

// Packed unsigned integers of any width from 1 to 32 bits, little-endian within each byte (the first
// value occupies the lowest bits of byte 0). The compact storage formats use it for codebook indices,
// pattern ids and column indices, so their byte counts are the real size of what is written.

/** Bits needed to tell `count` values apart: ceil(log2 count), at least 1. */
export function bitsFor(count: number): number {
  if (!(count >= 1) || !Number.isInteger(count)) throw new RangeError(`bitsFor needs a positive integer count, got ${count}`);
  return Math.max(1, Math.ceil(Math.log2(count)));
}

/** Bytes that `count` values of `bits` bits occupy when packed. */
export function packedBytes(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

/** Packs each value (0 <= v < 2^bits) into consecutive bits. */
export function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  if (!(bits >= 1 && bits <= 32) || !Number.isInteger(bits)) throw new RangeError(`bits must be an integer in 1..32, got ${bits}`);
  const out = new Uint8Array(packedBytes(values.length, bits));
  const limit = 2 ** bits;
  let bit = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v < limit) || !Number.isInteger(v)) throw new RangeError(`value ${v} at ${i} does not fit in ${bits} bits`);
    // Write low bits first, at most one byte at a time, so widths up to 32 never overflow a shift.
    let rest = v;
    let left = bits;
    while (left > 0) {
      const byte = bit >> 3;
      const offset = bit & 7;
      const take = Math.min(left, 8 - offset);
      out[byte] = out[byte]! | ((rest % (1 << take)) << offset);
      rest = Math.floor(rest / (1 << take));
      left -= take;
      bit += take;
    }
  }
  return out;
}

/** The `count` values that `packBits(values, bits)` wrote. */
export function unpackBits(packed: Uint8Array, bits: number, count: number): Uint32Array {
  if (packed.length < packedBytes(count, bits)) throw new RangeError(`${packed.length} bytes hold fewer than ${count} values of ${bits} bits`);
  const out = new Uint32Array(count);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    let scale = 1;
    let left = bits;
    while (left > 0) {
      const offset = bit & 7;
      const take = Math.min(left, 8 - offset);
      v += ((packed[bit >> 3]! >> offset) & ((1 << take) - 1)) * scale;
      scale *= 1 << take;
      left -= take;
      bit += take;
    }
    out[i] = v;
  }
  return out;
}

// A minimal protocol-buffers wire-format writer and reader: just what the ONNX messages need
// (varint, 64-bit, length-delimited and 32-bit fields, packed repeated scalars).

export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  private byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned or signed (two's complement, 10 bytes) 64-bit varint. */
  rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff && Number.isInteger(value)) {
      let v = value;
      while (v > 0x7f) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
      return;
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.rawVarint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, WireType.varint);
    this.rawVarint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, WireType.fixed32);
    this.reserve(4);
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setFloat32(this.length, value, true);
    this.length += 4;
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WireType.bytes);
    this.rawVarint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  string(field: number, value: string): void {
    this.bytes(field, textEncoder.encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): void {
    if (values.length === 0) return;
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.rawVarint(values[i]!);
    this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const data = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i]!;
    this.bytes(field, new Uint8Array(data.buffer));
  }

  packedDoubles(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const data = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i]!;
    this.bytes(field, new Uint8Array(data.buffer));
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** One decoded field; `value` is a number/bigint for scalar wires and a byte view for length-delimited ones. */
export type ProtoField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1; value: Uint8Array }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 5; value: Uint8Array };

/**
 * A copy with its own, exactly sized buffer. (Node's Buffer.slice returns a view, so `.slice()`
 * cannot be trusted to copy when the input came from fs.)
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

export class ProtoReader {
  private pos = 0;
  private readonly data: Uint8Array;
  constructor(data: Uint8Array) {
    // A plain view, so subarray/slice have standard semantics even for a Node Buffer.
    this.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.data.length) throw new Error('protobuf: truncated varint');
      const b = this.data[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: varint too long');
    }
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.data.length) throw new Error('protobuf: truncated field');
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  *fields(): Generator<ProtoField> {
    while (this.pos < this.data.length) {
      const key = Number(this.varint());
      const field = key >>> 3;
      const wire = key & 7;
      if (wire === 0) yield { field, wire, value: this.varint() };
      else if (wire === 1) yield { field, wire, value: this.take(8) };
      else if (wire === 2) yield { field, wire, value: this.take(Number(this.varint())) };
      else if (wire === 5) yield { field, wire, value: this.take(4) };
      else throw new Error(`protobuf: unsupported wire type ${wire} (field ${field})`);
    }
  }
}

/** int64 as a JS number (ONNX dims and attributes fit in 53 bits). */
export function toInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

export function decodeString(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

/** Reads a repeated varint field that may be packed (bytes) or not (one varint per occurrence). */
export function readInts(f: ProtoField, into: number[]): void {
  if (f.wire === 0) {
    into.push(toInt64(f.value));
    return;
  }
  if (f.wire !== 2) throw new Error(`protobuf: field ${f.field} is not an integer list`);
  let pos = 0;
  const bytes = f.value;
  // Fast path for small non-negative varints; falls back to BigInt for anything else.
  while (pos < bytes.length) {
    let result = 0;
    let shift = 0;
    let b: number;
    let slow = false;
    const start = pos;
    do {
      b = bytes[pos++]!;
      if (shift >= 28) {
        slow = true;
        break;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (!slow) {
      into.push(result >>> 0);
      continue;
    }
    pos = start;
    let big = 0n;
    let bigShift = 0n;
    do {
      b = bytes[pos++]!;
      big |= BigInt(b & 0x7f) << bigShift;
      bigShift += 7n;
    } while (b & 0x80);
    into.push(toInt64(big));
  }
}

export function readFloats(f: ProtoField, into: number[]): void {
  if (f.wire === 5) {
    into.push(new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true));
    return;
  }
  if (f.wire !== 2) throw new Error(`protobuf: field ${f.field} is not a float list`);
  const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
  for (let i = 0; i + 4 <= f.value.byteLength; i += 4) into.push(view.getFloat32(i, true));
}

export function readDoubles(f: ProtoField, into: number[]): void {
  if (f.wire === 1) {
    into.push(new DataView(f.value.buffer, f.value.byteOffset, 8).getFloat64(0, true));
    return;
  }
  if (f.wire !== 2) throw new Error(`protobuf: field ${f.field} is not a double list`);
  const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
  for (let i = 0; i + 8 <= f.value.byteLength; i += 8) into.push(view.getFloat64(i, true));
}

export function readFloat32(f: ProtoField): number {
  if (f.wire !== 5) throw new Error(`protobuf: field ${f.field} is not a float`);
  return new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true);
}

export function readVarint(f: ProtoField): number {
  if (f.wire !== 0) throw new Error(`protobuf: field ${f.field} is not a varint`);
  return toInt64(f.value);
}

export function readBytes(f: ProtoField): Uint8Array {
  if (f.wire !== 2) throw new Error(`protobuf: field ${f.field} is not length-delimited`);
  return f.value;
}

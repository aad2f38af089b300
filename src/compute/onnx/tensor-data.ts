// Element types and tensor payloads: conversions between typed arrays and TensorProto.

import { DataType, type TensorProto } from './model.ts';
import { copyBytes } from './protobuf.ts';
import { maxTensorElements, raiseHint } from '../storage/limits.ts';

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TensorValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

const codes: Record<DType, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int64: DataType.INT64,
  int32: DataType.INT32,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  bool: DataType.BOOL,
};

export function dataTypeOf(dtype: DType): number {
  return codes[dtype];
}

export function dtypeOf(dataType: number): DType {
  for (const [name, code] of Object.entries(codes)) if (code === dataType) return name as DType;
  throw new Error(`unsupported ONNX element type ${dataType}`);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocate(dtype: DType, length: number): TensorValues {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
  }
}

/** Typed array of `dtype` from plain numbers (bigints for int64 are accepted too). */
export function typedFrom(dtype: DType, values: ArrayLike<number | bigint>): TensorValues {
  const out = allocate(dtype, values.length);
  if (out instanceof BigInt64Array) for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  else for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
  return out;
}

export function tensorProto(name: string, dtype: DType, dims: readonly number[], values: TensorValues): TensorProto {
  if (values.length !== elementCount(dims))
    throw new Error(`tensor ${name}: ${values.length} values for shape [${dims.join(', ')}]`);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return { name, dataType: dataTypeOf(dtype), dims: [...dims], rawData: copyBytes(bytes) };
}

const ELEMENT_BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };

/**
 * Throws unless `dims` is a shape of non-negative integers with at most `maxElements` elements. A file
 * may declare any shape; this runs before anything of that size is allocated.
 */
export function checkTensorShape(name: string, dims: readonly number[], maxElements: number, raise?: string): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`tensor ${name}: dimension ${d} in shape [${dims.join(', ')}] is not a size`);
    count *= d;
  }
  if (count > maxElements) {
    throw new Error(`tensor ${name}: shape [${dims.join(', ')}] has ${count} elements, over the limit of ${maxElements}${raise ? `; ${raise}` : ''}`);
  }
  return count;
}

/** The values of a TensorProto as a typed array, whichever field holds them. */
export function tensorValues(t: TensorProto): TensorValues {
  const dtype = dtypeOf(t.dataType);
  const limit = maxTensorElements();
  const count = checkTensorShape(t.name, t.dims, limit.value, raiseHint(limit));
  if (t.rawData && t.rawData.byteLength > 0) {
    // Checked before the copy, and exactly: a byte count that is not a whole number of elements would
    // otherwise throw deep inside a typed-array constructor.
    if (t.rawData.byteLength !== count * ELEMENT_BYTES[dtype]) {
      throw new Error(`tensor ${t.name}: raw data is ${t.rawData.byteLength} bytes, shape [${t.dims.join(', ')}] of ${dtype} needs ${count * ELEMENT_BYTES[dtype]}`);
    }
    const copy = copyBytes(t.rawData);
    const out = (() => {
      switch (dtype) {
        case 'float32':
          return new Float32Array(copy.buffer);
        case 'float64':
          return new Float64Array(copy.buffer);
        case 'int64':
          return new BigInt64Array(copy.buffer);
        case 'int32':
          return new Int32Array(copy.buffer);
        case 'int8':
          return new Int8Array(copy.buffer);
        case 'uint8':
        case 'bool':
          return copy;
      }
    })();
    if (out.length !== count) throw new Error(`tensor ${t.name}: raw data holds ${out.length} values, shape needs ${count}`);
    return out;
  }
  const source =
    dtype === 'float32'
      ? t.floatData
      : dtype === 'float64'
        ? t.doubleData
        : dtype === 'int64'
          ? t.int64Data
          : t.int32Data; // int32, int8, uint8 and bool are stored in int32_data
  const values = source ?? [];
  if (values.length !== count) throw new Error(`tensor ${t.name}: ${values.length} values, shape needs ${count}`);
  return typedFrom(dtype, values);
}

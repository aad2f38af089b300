// Element types and tensor payloads: conversions between typed arrays and TensorProto.

import { DataType, type TensorProto } from './model.ts';
import { copyBytes } from './protobuf.ts';

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

/** The values of a TensorProto as a typed array, whichever field holds them. */
export function tensorValues(t: TensorProto): TensorValues {
  const dtype = dtypeOf(t.dataType);
  const count = elementCount(t.dims);
  if (t.rawData && t.rawData.byteLength > 0) {
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

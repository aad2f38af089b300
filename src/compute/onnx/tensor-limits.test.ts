// ONNX files are untrusted: a tensor may declare any shape. Shapes are checked against the element limit
// and against the bytes actually present before anything of that size is allocated.
import { afterEach, describe, expect, it } from 'vitest';
import { importModel } from '../graph/import-onnx.ts';
import { DataType, modelProtoOf, type TensorProto } from './model.ts';
import { checkTensorShape, tensorValues } from './tensor-data.ts';

afterEach(() => {
  delete process.env.CONDENSE_MAX_TENSOR_ELEMENTS;
});

describe('ONNX tensor sizes', () => {
  it('refuses a shape over the element limit, naming the tensor and the limit', () => {
    const huge: TensorProto = { name: 'w', dataType: DataType.FLOAT, dims: [1_000_000, 1_000_000], rawData: new Uint8Array(8) };
    expect(() => tensorValues(huge)).toThrow(
      'tensor w: shape [1000000, 1000000] has 1000000000000 elements, over the limit of 1000000000; raise it with the environment variable CONDENSE_MAX_TENSOR_ELEMENTS',
    );
  });

  it('refuses raw data that does not fill the shape exactly, and negative dimensions', () => {
    expect(() => tensorValues({ name: 'b', dataType: DataType.FLOAT, dims: [4], rawData: new Uint8Array(10) })).toThrow(
      'tensor b: raw data is 10 bytes, shape [4] of float32 needs 16',
    );
    expect(() => checkTensorShape('c', [2, -1], 100)).toThrow('tensor c: dimension -1 in shape [2, -1] is not a size');
  });

  it('refuses a declared graph input larger than the limit', () => {
    process.env.CONDENSE_MAX_TENSOR_ELEMENTS = '1000';
    const model = modelProtoOf(
      {
        name: 'g',
        node: [{ input: ['x'], output: ['y'], opType: 'Relu', name: 'relu', domain: '', attribute: [] }],
        initializer: [],
        input: [{ name: 'x', elemType: DataType.FLOAT, shape: [1, 3, 224, 224] }],
        output: [{ name: 'y', elemType: DataType.FLOAT, shape: [1, 3, 224, 224] }],
        valueInfo: [],
      },
      {},
    );
    expect(() => importModel(model)).toThrow('tensor x: shape [1, 3, 224, 224] has 150528 elements, over the limit of 1000');
  });
});

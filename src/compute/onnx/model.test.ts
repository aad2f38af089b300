import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { conv2dLayer, linearLayer } from '../graph/layers.ts';
import * as F from '../graph/ops/index.ts';
import { AttributeType, DataType, decodeModel, encodeModel, IR_VERSION, type ModelProto } from './model.ts';
import { ProtoReader, ProtoWriter, readInts } from './protobuf.ts';
import { tensorProto, tensorValues } from './tensor-data.ts';

/** y = Relu(x @ w + b), w and b as initializers; exercises ints, floats, strings and tensors. */
function tinyModel(): ModelProto {
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: 18 }],
    producerName: 'condense-test',
    producerVersion: '0.1.0',
    domain: '',
    modelVersion: 3,
    docString: 'a tiny model',
    graph: {
      name: 'tiny',
      node: [
        { name: 'mm', opType: 'MatMul', domain: '', input: ['x', 'w'], output: ['h'], attribute: [] },
        { name: 'add', opType: 'Add', domain: '', input: ['h', 'b'], output: ['z'], attribute: [] },
        {
          name: 'act',
          opType: 'LeakyRelu',
          domain: '',
          input: ['z'],
          output: ['y'],
          attribute: [{ name: 'alpha', type: AttributeType.FLOAT, f: 0.5 }],
        },
        {
          name: 'sum',
          opType: 'ReduceSum',
          domain: '',
          input: ['y', 'axes'],
          output: ['s'],
          attribute: [{ name: 'keepdims', type: AttributeType.INT, i: 0 }],
        },
      ],
      initializer: [
        tensorProto('w', 'float32', [3, 2], new Float32Array([1, -1, 2, 0.5, -3, 0.25])),
        // float_data instead of raw_data: both must be read.
        { name: 'b', dataType: DataType.FLOAT, dims: [2], floatData: [0.5, -0.5] },
        { name: 'axes', dataType: DataType.INT64, dims: [1], int64Data: [-1] },
      ],
      input: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 3] }],
      output: [
        { name: 'y', elemType: DataType.FLOAT, shape: ['N', 2] },
        { name: 's', elemType: DataType.FLOAT, shape: ['N'] },
      ],
      valueInfo: [{ name: 'h', elemType: DataType.FLOAT, shape: [null, 2] }],
    },
    metadataProps: [{ key: 'condense.lineage', value: '[]' }],
  };
}

describe('protobuf wire format', () => {
  it('round-trips varints including negative int64 and large values', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 7, -1, -2, -(2 ** 35), Number.MAX_SAFE_INTEGER];
    const w = new ProtoWriter();
    for (const v of values) w.int(1, v);
    w.packedInts(2, values);
    const ints1: number[] = [];
    const ints2: number[] = [];
    for (const f of new ProtoReader(w.finish()).fields()) readInts(f, f.field === 1 ? ints1 : ints2);
    expect(ints1).toEqual(values);
    expect(ints2).toEqual(values);
  });

  it('encodes a negative int as ten bytes (proto int64)', () => {
    const w = new ProtoWriter();
    w.rawVarint(-1);
    expect(Array.from(w.finish())).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
  });

  it('rejects truncated input', () => {
    const w = new ProtoWriter();
    w.string(1, 'hello');
    const bytes = w.finish().subarray(0, 4);
    expect(() => [...new ProtoReader(bytes).fields()]).toThrow(/truncated/);
  });
});

describe('ONNX model encoding', () => {
  it('decodes what it encodes', () => {
    const model = tinyModel();
    const decoded = decodeModel(encodeModel(model));
    expect(decoded).toEqual(model);
    expect(Array.from(tensorValues(decoded.graph.initializer[0]!) as Float32Array)).toEqual([1, -1, 2, 0.5, -3, 0.25]);
    expect(Array.from(tensorValues(decoded.graph.initializer[1]!) as Float32Array)).toEqual([0.5, -0.5]);
    expect(Array.from(tensorValues(decoded.graph.initializer[2]!) as BigInt64Array)).toEqual([-1n]);
  });

  it('is deterministic', () => {
    expect(encodeModel(tinyModel())).toEqual(encodeModel(tinyModel()));
  });

  it('produces a model onnxruntime runs, with the expected values', async () => {
    const session = await ort.InferenceSession.create(encodeModel(tinyModel()));
    const x = new ort.Tensor('float32', new Float32Array([1, 2, 3, -1, 0, 1]), [2, 3]);
    const out = await session.run({ x });
    // row 1: [1+4-9+0.5, -1+1+0.75-0.5] = [-3.5, 0.25] -> leaky: [-1.75, 0.25]
    // row 2: [-1+0-3+0.5, 1+0+0.25-0.5] = [-3.5, 0.75] -> [-1.75, 0.75]
    expect(Array.from(out.y!.data as Float32Array)).toEqual([-1.75, 0.25, -1.75, 0.75]);
    expect(Array.from(out.s!.data as Float32Array)).toEqual([-1.5, -1]);
    await session.release();
  });

  it('reads a file written by onnxruntime (the reference protobuf implementation)', async () => {
    const g = new GraphBuilder({ seed: 1 });
    const x = g.input('x', [2, 1, 4, 4]);
    const y = linearLayer(F.flatten(F.relu(conv2dLayer(x, 'conv', 2, 3, { padding: 1 }))), 'fc', 3);
    const dir = mkdtempSync(join(tmpdir(), 'condense-onnx-'));
    try {
      const file = join(dir, 'optimized.onnx');
      const original = encodeModel(g.toModel({ outputs: { y }, state: 'initializers' }));
      const first = await ort.InferenceSession.create(original, { graphOptimizationLevel: 'basic', optimizedModelFilePath: file });
      const decoded = decodeModel(readFileSync(file));
      expect(decoded.graph.node.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'Reshape', 'Gemm']);
      for (const name of ['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias']) {
        const t = decoded.graph.initializer.find((i) => i.name === name)!;
        expect(Array.from(tensorValues(t) as Float32Array)).toEqual(Array.from(g.params.get(name)!.initial as Float32Array));
      }
      // Re-encoded by us, it still computes the same function.
      const feeds = { x: new ort.Tensor('float32', Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)), [2, 1, 4, 4]) };
      const again = await ort.InferenceSession.create(encodeModel(decoded));
      expect(Array.from((await again.run(feeds)).y!.data as Float32Array)).toEqual(Array.from((await first.run(feeds)).y!.data as Float32Array));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bytes that hold no graph', () => {
    const w = new ProtoWriter();
    w.int(1, 8);
    expect(() => decodeModel(w.finish())).toThrow(/no graph/);
  });
});

import { describe, expect, it } from 'vitest';
import { AttributeType, DataType, decodeModel, encodeModel, modelProtoOf, type ModelProto } from '../onnx/model.ts';
import { initialState, TrainStep } from '../ort/compiled-graph.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { GraphBuilder } from './graph-builder.ts';
import { importModel } from './import-onnx.ts';
import { batchNormLayer, conv2dLayer, linearLayer } from './layers.ts';
import * as F from './ops/index.ts';

const input = (n: number): HostTensor => ({
  dtype: 'float32',
  shape: [n, 1, 6, 6],
  values: Float32Array.from({ length: n * 36 }, (_, i) => Math.cos(i * 0.7)),
});

/** A model of one graph in the default domain at the given opset, as another tool would write it. */
const modelOf = (opset: number, graph: ModelProto['graph']): ModelProto => modelProtoOf(graph, { opset, producerName: '' });

describe('importModel', () => {
  it('imports an exported model: same outputs, parameters and buffers by name, and it trains', async () => {
    const g = new GraphBuilder({ seed: 2, training: false });
    const x = g.input('x', [2, 1, 6, 6]);
    let h = F.relu(batchNormLayer(conv2dLayer(x, 'conv', 4, 3, { padding: 1 }), 'bn'));
    h = F.maxPool2d(h, { kernel: 2 });
    const logits = linearLayer(F.flatten(h), 'fc', 3);
    const exported = decodeModel(encodeModel(g.toModel({ outputs: { logits }, state: 'initializers', metadata: { origin: 'test' } })));

    const imported = importModel(exported);
    expect([...imported.graph.params.keys()].sort()).toEqual(['bn.bias', 'bn.weight', 'conv.bias', 'conv.weight', 'fc.bias', 'fc.weight']);
    expect([...imported.graph.buffers.keys()].sort()).toEqual(['bn.running_mean', 'bn.running_var']);
    expect(imported.metadata).toEqual({ origin: 'test' });

    const a = await runSession(await createSession(exported, { intraOpThreads: 1 }), { x: input(2) });
    const b = await runSession(
      await createSession(imported.graph.toModel({ outputs: imported.outputs, state: 'initializers' }), { intraOpThreads: 1 }),
      { x: input(2) },
    );
    expect(Array.from(b.logits!.values as Float32Array)).toEqual(Array.from(a.logits!.values as Float32Array));

    // Differentiable: a loss on the imported logits compiles into a training step.
    const labels = imported.graph.input('labels', [2], 'int64');
    const step = await TrainStep.compile({ graph: imported.graph, loss: F.crossEntropy(imported.outputs.logits!, labels) });
    const r = await step.run(initialState(imported.graph), { x: input(2), labels: { dtype: 'int64', shape: [2], values: new BigInt64Array([0n, 2n]) } });
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.grads.get('conv.weight')!.some((v) => v !== 0)).toBe(true);
  });

  it('converts opset-13 forms and resolves symbolic batch dimensions', async () => {
    const model = modelOf(13, {
      name: 'old',
      node: [
        { name: 'm', opType: 'ReduceMean', domain: '', input: ['x'], output: ['m'], attribute: [
          { name: 'axes', type: AttributeType.INTS, ints: [1] },
          { name: 'keepdims', type: AttributeType.INT, i: 0 },
        ] },
        { name: 'u', opType: 'Unsqueeze', domain: '', input: ['m', 'ax'], output: ['u'], attribute: [] },
        { name: 'c', opType: 'Constant', domain: '', input: [], output: ['two'], attribute: [{ name: 'value_float', type: AttributeType.FLOAT, f: 2 }] },
        { name: 'y', opType: 'Mul', domain: '', input: ['u', 'two'], output: ['y'], attribute: [] },
      ],
      initializer: [{ name: 'ax', dataType: DataType.INT64, dims: [1], int64Data: [1] }],
      input: [{ name: 'x', elemType: DataType.FLOAT, shape: ['batch', 3] }],
      output: [{ name: 'y', elemType: DataType.FLOAT, shape: ['batch', 1] }],
      valueInfo: [],
    });
    expect(() => importModel(model)).toThrow(/dynamic dimension "batch"/);
    const { graph, outputs } = importModel(model, { dims: { batch: 2 } });
    expect(outputs.y!.shape).toEqual([2, 1]);
    const out = await runSession(await createSession(graph.toModel({ outputs }), { intraOpThreads: 1 }), {
      x: { dtype: 'float32', shape: [2, 3], values: new Float32Array([1, 2, 3, 4, 5, 9]) },
    });
    expect(Array.from(out.y!.values as Float32Array)).toEqual([4, 12]);
  });

  it('lists every op the builder does not support, before building anything', () => {
    const model = modelOf(18, {
      name: 'g',
      node: [
        { name: 'n', opType: 'NonMaxSuppression', domain: '', input: ['x'], output: ['a'], attribute: [] },
        { name: 'r', opType: 'Relu', domain: '', input: ['a'], output: ['b'], attribute: [] },
        { name: 'm', opType: 'MyOp', domain: 'com.example', input: ['b'], output: ['c'], attribute: [] },
        { name: 't', opType: 'TopK', domain: '', input: ['c'], output: ['y'], attribute: [] },
      ],
      initializer: [],
      input: [{ name: 'x', elemType: DataType.FLOAT, shape: [1] }],
      output: [{ name: 'y', elemType: DataType.FLOAT, shape: [1] }],
      valueInfo: [],
    });
    expect(() => importModel(model)).toThrow('the model uses ops Condense cannot import: NonMaxSuppression, TopK, com.example.MyOp');
  });
});

// The bundled example graph end to end through the engine (bundled Fashion-MNIST subset, one epoch),
// then its exported ONNX file run by onnxruntime alone, fed as the file's `condense.input` says.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { decodeModel } from '../../src/compute/onnx/model';
import type { Metrics } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/fashion-mnist-lenet', () => {
  it('trains LeNet-5 on the bundled subset to a real accuracy, and the exported file alone reproduces it', { timeout: 120_000 }, async () => {
    const { file, graph, params } = await example.load('fashion-mnist-lenet');
    const { engine, home } = example;
    const onnxFile = path.join(home, 'out', 'lenet.onnx');
    expect(params('train')).toMatchObject({ epochs: 5, batchSize: 64, optimizer: 'adam', lr: 0.001, schedule: 'cosine' });
    params('fashion').bundledMini = true;
    params('train').epochs = 1;
    params('export').path = onnxFile;
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');

    const metrics = (await engine.readObject(result.outputs.evaluate!.metrics!.object)) as Metrics;
    expect(metrics.values.count).toBe(1000);
    expect(metrics.values.accuracy).toBeGreaterThan(0.7);
    expect(result.events.filter((e) => e.type === 'node-metric').length).toBeGreaterThan(5);

    // Outside Condense: onnxruntime loads the file, the contract says how to feed raw pixels.
    const test = (await engine.readObject(result.outputs.fashion!.test!.object)) as Dataset;
    const bytes = new Uint8Array(readFileSync(onnxFile));
    const meta = Object.fromEntries(decodeModel(bytes).metadataProps.map((e) => [e.key, e.value]));
    const contract = JSON.parse(meta['condense.input']!) as { name: string; shape: [string, number, number, number]; valueScale: number; mean: number[]; std: number[]; classes: string[]; output: string };
    expect(contract.classes).toEqual(test.classes);
    expect(JSON.parse(meta['condense.lineage']!).map((s: { node: string }) => s.node)).toEqual(['condense.model.create', 'condense.train.supervised']);
    const session = await ort.InferenceSession.create(onnxFile);
    const [, c, h, w] = contract.shape;
    const size = c * h * w;
    const input = new Float32Array(test.count * size);
    for (let i = 0; i < test.count * size; i++) {
      const ch = Math.floor((i % size) / (h * w));
      input[i] = (test.pixels[i]! * contract.valueScale - contract.mean[ch]!) / contract.std[ch]!;
    }
    const out = await session.run({ [contract.name]: new ort.Tensor('float32', input, [test.count, c, h, w]) });
    const logits = out[contract.output]!.data as Float32Array;
    const k = contract.classes.length;
    let hits = 0;
    for (let i = 0; i < test.count; i++) {
      const row = Array.from(logits.subarray(i * k, (i + 1) * k));
      if (row.indexOf(Math.max(...row)) === test.labels[i]) hits++;
    }
    await session.release();
    expect(hits / test.count).toBeCloseTo(metrics.values.accuracy!, 3);
  });
});

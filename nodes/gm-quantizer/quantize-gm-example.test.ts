// The bundled example graph end to end through the engine with small settings (bundled Fashion-MNIST
// subset, a quarter-width VGG-small, one epoch each): DGMS and k-means quantise the same trained model,
// and the exported ONNX file, read back from disk, has at most K distinct values per quantised layer.
//
//   fashion -> vgg -> train -> quantize (dgms) -> evaluate-dgms
//                          |                  \-> export (ONNX, BN not folded)
//                          \-> kmeans (ptq)   -> evaluate-kmeans
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import type { Model } from '../../src/compute/model/model';
import { decodeModel } from '../../src/compute/onnx/model';
import { tensorValues } from '../../src/compute/onnx/tensor-data';
import type { Metrics } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/quantize-gm', () => {
  it('quantises a trained VGG-small with DGMS and k-means; the exported file has at most K values per quantised layer', { timeout: 150_000 }, async () => {
    const { file, graph, params } = await example.load('quantize-gm');
    const { engine, home } = example;
    expect(params('quantize')).toMatchObject({ components: 4, epochs: 2 });
    expect(params('kmeans')).toMatchObject({ components: 4, method: 'kmeans-ptq' });
    const onnxFile = path.join(home, 'out', 'dgms.onnx');
    params('fashion').bundledMini = true;
    params('vgg').width = 0.25;
    params('train').epochs = 1;
    params('quantize').epochs = 1;
    params('quantize').monitorCount = 200;
    params('export').path = onnxFile;
    for (const id of ['evaluate-dgms', 'evaluate-kmeans']) params(id).latency = false;
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');

    const dgms = (await engine.readObject(result.outputs.quantize!.metrics!.object)) as Metrics;
    const kmeans = (await engine.readObject(result.outputs.kmeans!.metrics!.object)) as Metrics;
    const evaluated = (await engine.readObject(result.outputs['evaluate-dgms']!.metrics!.object)) as Metrics;
    expect(dgms.values.quantized_layers).toBe(4);
    expect(dgms.values.fp32_accuracy).toBeGreaterThan(0.6);
    expect(dgms.values.accuracy).toBeGreaterThan(0.5);
    expect(evaluated.values.accuracy).toBeCloseTo(dgms.values.accuracy!, 4);
    expect(kmeans.values.fp32_accuracy).toBe(dgms.values.fp32_accuracy);
    expect(result.events.some((e) => e.type === 'node-metric' && e.nodeId === 'quantize' && e.name === 'hard_accuracy')).toBe(true);

    // The file on disk, not the in-memory model: every quantised layer holds at most K = 4 values.
    const model = (await engine.readObject(result.outputs.quantize!.model!.object)) as Model;
    const layers = Object.keys(model.compression.codebooks);
    expect(layers).toEqual(['features.conv1.weight', 'features.conv2.weight', 'features.conv3.weight', 'features.conv4.weight']);
    const proto = decodeModel(new Uint8Array(readFileSync(onnxFile)));
    const inits = new Map(proto.graph.initializer.map((t) => [t.name, t]));
    for (const layer of layers) {
      const values = tensorValues(inits.get(layer)!) as Float32Array;
      expect(values.length).toBe(model.params[layer]!.length);
      expect(new Set(values).size).toBeLessThanOrEqual(4);
      expect(values.some((v) => v === 0)).toBe(true);
    }
    // An unquantised conv keeps its many values.
    expect(new Set(tensorValues(inits.get('features.conv0.weight')!) as Float32Array).size).toBeGreaterThan(4);

    // onnxruntime runs the file to the accuracy the node reported.
    const test = (await engine.readObject(result.outputs.fashion!.test!.object)) as Dataset;
    const session = await ort.InferenceSession.create(onnxFile);
    const size = 28 * 28;
    const { mean, std } = model.meta.normalize;
    const input = Float32Array.from(test.pixels, (p) => (p / 255 - mean[0]!) / std[0]!);
    const logits = (await session.run({ input: new ort.Tensor('float32', input, [test.count, 1, 28, 28]) })).logits!.data as Float32Array;
    await session.release();
    let hits = 0;
    for (let i = 0; i < test.count; i++) {
      const row = Array.from(logits.subarray(i * 10, (i + 1) * 10));
      if (row.indexOf(Math.max(...row)) === test.labels[i]) hits++;
    }
    expect(test.pixels.length).toBe(test.count * size);
    expect(hits / test.count).toBeCloseTo(dgms.values.accuracy!, 3);
  });
});

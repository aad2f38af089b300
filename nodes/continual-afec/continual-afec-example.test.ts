// The bundled example graph end to end through the engine with small settings (bundled Fashion-MNIST
// subset, one epoch a task, batch 64): AFEC and EWC learn the same 5 tasks, AFEC's report compares the
// two matrices, and the exported ONNX file has one output per task head, which onnxruntime runs to the
// accuracies of the matrix's last row.
//
//   fashion -> tasks ----------> afec -> export (ONNX, task1..task5)
//         \-> lenet --> ewc --metrics--^
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { TaskSequence } from '../../src/compute/continual/tasks';
import type { Model } from '../../src/compute/model/model';
import type { Metrics, Report } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/continual-afec', () => {
  it('learns 5 split Fashion-MNIST tasks with AFEC and EWC; the ONNX file has one output per head', { timeout: 240_000 }, async () => {
    const { file, graph, params } = await example.load('continual-afec');
    const { engine, home } = example;
    expect(params('afec')).toMatchObject({ method: 'afec', lambda: 10000, lambdaE: 1, epochs: 2 });
    expect(params('ewc')).toMatchObject({ method: 'ewc', lambda: 10000 });
    const onnxFile = path.join(home, 'out', 'continual-afec.onnx');
    params('fashion').bundledMini = true;
    for (const id of ['afec', 'ewc']) Object.assign(params(id), { epochs: 1, batchSize: 64, evalCount: 100 });
    params('export').path = onnxFile;
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');

    const afec = (await engine.readObject(result.outputs.afec!.metrics!.object)) as Metrics;
    const ewc = (await engine.readObject(result.outputs.ewc!.metrics!.object)) as Metrics;
    for (const m of [afec, ewc]) {
      expect(m.values.tasks).toBe(5);
      expect(m.values.mean_new_task_accuracy).toBeGreaterThan(0.75);
      expect(m.values.average_accuracy).toBeGreaterThan(0.6);
    }
    const report = (await engine.readObject(result.outputs.afec!.report!.object)) as Report;
    expect(report.images.map((i) => i.name)).toContain('matrices-compared.png');
    expect(result.events.filter((e) => e.type === 'node-metric' && e.nodeId === 'afec' && e.name === 'acc_task1').length).toBe(5);

    // The file on disk: five outputs, each the two scores of its task; onnxruntime's accuracy per head
    // on that task's first 100 test images is the matrix's last row.
    const model = (await engine.readObject(result.outputs.afec!.model!.object)) as Model;
    const tasks = (await engine.readObject(result.outputs.tasks!.tasks!.object)) as TaskSequence;
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(onnxFile)));
    expect(session.outputNames).toEqual(['task1', 'task2', 'task3', 'task4', 'task5']);
    const { mean, std } = model.meta.normalize;
    for (let u = 0; u < 5; u++) {
      const test = tasks.tasks[u]!.test;
      const n = 100;
      const input = Float32Array.from(test.pixels.subarray(0, n * 784), (p) => (p / 255 - mean[0]!) / std[0]!);
      const scores = (await session.run({ input: new ort.Tensor('float32', input, [n, 1, 28, 28]) }))[`task${u + 1}`]!.data as Float32Array;
      let hits = 0;
      for (let i = 0; i < n; i++) if ((scores[2 * i + 1]! > scores[2 * i]! ? 1 : 0) === test.labels[i]) hits++;
      expect(hits / n).toBeCloseTo(afec.values[`a_5_${u + 1}`]!, 3);
    }
    await session.release();
  });
});

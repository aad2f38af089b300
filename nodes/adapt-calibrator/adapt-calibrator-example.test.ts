// resources/examples/adapt-calibrator end to end through the engine, headless, with small settings (a
// slice of the bundled Fashion-MNIST subset, a few calibrator steps):
//
//   source ──> vgg ──> train ──> calibrator ──> evaluate
//     └──────────────────────────^  ^                ^
//   target (shifted) ───────────────┴────────────────┘
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/adapt-calibrator', () => {
  it('trains the source classifier, calibrates it for the shifted domain and evaluates the combined model', { timeout: 180_000 }, async () => {
    const { file, graph, params } = await example.load('adapt-calibrator');
    const { engine } = example;
    expect(params('calibrator')).toMatchObject({ classifierMode: 'eval', eps: 0.5 });
    for (const id of ['source', 'target']) Object.assign(params(id), { bundledMini: true, perClassLimit: 60, testPerClassLimit: 20 });
    Object.assign(params('train'), { epochs: 3 });
    Object.assign(params('calibrator'), { epochs: 1, stepsPerEpoch: 4, batchSize: 32, width: 4, blocks: 2, monitorCount: 100, latency: false });
    params('evaluate').latency = false;
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');
    const read = async (node: string) => ((await engine.readObject(result.outputs[node]!.metrics!.object)) as Metrics).values;
    const cal = await read('calibrator');
    const ev = await read('evaluate');
    expect(ev.count).toBe(200);
    expect(ev.accuracy).toBeCloseTo(cal.target_accuracy!, 3);
    expect(cal.source_accuracy_raw).toBeGreaterThan(0.3);
    expect(cal.target_accuracy_adabn).toBeGreaterThan(0);
  });
});

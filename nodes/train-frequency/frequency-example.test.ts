// The bundled example graph end to end through the engine with small settings (bundled Fashion-MNIST
// subset, one epoch, two corruptions at two severities on 200 test images): plain and modulated
// LeNet-5, each analysed in frequency and measured under corruptions.
//
//   fashion -> lenet -> train-plain     -> frequency-plain, robustness-plain
//                   \-> train-modulated -> frequency-modulated, robustness-modulated (reference: plain)
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/frequency', () => {
  it('the modulated model keeps fewer high frequencies than the plain one; both are measured under corruptions', { timeout: 150_000 }, async () => {
    const { file, graph, params } = await example.load('frequency');
    const { engine } = example;
    params('fashion').bundledMini = true;
    params('train-plain').epochs = 1;
    params('train-modulated').epochs = 1;
    for (const id of ['robustness-plain', 'robustness-modulated']) Object.assign(params(id), { corruptions: 'gaussian-noise,contrast', severities: '1,5', count: 200 });
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');
    const read = async (id: string) => (await engine.readObject(result.outputs[id]!.metrics!.object)) as Metrics;
    const plain = await read('frequency-plain');
    const modulated = await read('frequency-modulated');
    const trained = await read('train-modulated');
    expect(modulated.values.mean_high_share).toBeLessThan(plain.values.mean_high_share!);
    expect(trained.values.mean_high_share).toBeCloseTo(modulated.values.mean_high_share!, 4);
    expect(trained.values.val_accuracy).toBeGreaterThan(0.6);
    expect(result.events.some((e) => e.type === 'node-metric' && e.nodeId === 'train-modulated' && e.name === 'high_frequency_proportion')).toBe(true);
    const rob = await read('robustness-modulated');
    expect(rob.values.reference_mean_corruption_accuracy).toBeCloseTo((await read('robustness-plain')).values.mean_corruption_accuracy!, 6);
    expect(rob.values.mce).toBeGreaterThan(0);
  });
});

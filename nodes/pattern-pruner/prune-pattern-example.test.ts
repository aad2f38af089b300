// resources/examples/prune-pattern end to end through the engine, headless, with small settings (a slice
// of the bundled Fashion-MNIST subset, a narrower VGG-small, one epoch per phase):
//
//   fashion -> vgg -> train -> pattern   -> eval-pattern
//                           -> magnitude -> eval-magnitude
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/prune-pattern', () => {
  it('prunes the trained VGG-small by patterns and by magnitude at the same sparsity, and evaluates both', { timeout: 120_000 }, async () => {
    const { file, graph, params } = await example.load('prune-pattern');
    const { engine } = example;
    expect(params('pattern')).toMatchObject({ method: 'pattern', patterns: 8, connectivity: 0 });
    expect(params('magnitude')).toMatchObject({ method: 'magnitude', sparsity: 0.5556 });
    Object.assign(params('fashion'), { bundledMini: true, perClassLimit: 100, testPerClassLimit: 40 });
    params('vgg').width = 0.25;
    Object.assign(params('train'), { epochs: 2, lr: 0.005 });
    Object.assign(params('pattern'), { admmEpochs: 1, retrainEpochs: 1, lr: 0.001 });
    Object.assign(params('magnitude'), { retrainEpochs: 1, lr: 0.001 });
    for (const id of ['eval-pattern', 'eval-magnitude']) params(id).latency = false;
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');

    const read = async (node: string, port = 'metrics') => ((await engine.readObject(result.outputs[node]![port]!.object)) as Metrics).values;
    const pattern = await read('pattern');
    const magnitude = await read('magnitude');
    expect(pattern.sparsity).toBeCloseTo(5 / 9, 2);
    expect(magnitude.sparsity).toBeCloseTo(pattern.sparsity!, 2);
    expect(pattern.bytes_pattern).toBeLessThan(pattern.bytes_csr!);
    for (const node of ['eval-pattern', 'eval-magnitude']) {
      const ev = await read(node);
      expect(ev.count).toBe(400);
      expect(ev.accuracy).toBeGreaterThan(0.5);
      expect(ev.nonzero_parameters).toBeLessThan(ev.parameters! * 0.6);
    }
    expect((await read('eval-pattern')).accuracy).toBeCloseTo(pattern.accuracy!, 3);
    const metricNodes = new Set(result.events.filter((e) => e.type === 'node-metric').map((e) => (e as { nodeId: string }).nodeId));
    expect(metricNodes).toContain('pattern');
  });
});

// The bundled example graph end to end through the engine with small settings (bundled Fashion-MNIST
// subset, a quarter-width VGG-small, one epoch each, two corruptions at two severities on 200 images,
// three PGD steps on 100 images): the dense and the GM-quantised model measured side by side.
//
//   fashion -> vgg -> train -> robustness-dense
//                          \-> quantize (gm) -> robustness-gm (reference: train)
import { describe, expect, it } from 'vitest';
import type { Metrics, Report } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/robustness', () => {
  it('measures the dense and the quantised model on the same corruptions, with mCE relative to the dense one', { timeout: 150_000 }, async () => {
    const { file, graph, params } = await example.load('robustness');
    const { engine } = example;
    params('fashion').bundledMini = true;
    params('vgg').width = 0.25;
    params('train').epochs = 1;
    params('quantize').epochs = 1;
    params('quantize').monitorCount = 0;
    for (const id of ['robustness-dense', 'robustness-gm'])
      Object.assign(params(id), { corruptions: 'gaussian-noise,jpeg', severities: '1,5', count: 200, eps: '0,0.05', pgdSteps: 3, adversarialCount: 100 });
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');
    const dense = (await engine.readObject(result.outputs['robustness-dense']!.metrics!.object)) as Metrics;
    const gm = (await engine.readObject(result.outputs['robustness-gm']!.metrics!.object)) as Metrics;
    expect(dense.values.clean_accuracy).toBeGreaterThan(0.6);
    expect(dense.values.mce).toBeUndefined();
    // The quantised node measured its reference on the same seeded images: the reference's figures are the dense node's own.
    expect(gm.values.reference_mean_corruption_accuracy).toBeCloseTo(dense.values.mean_corruption_accuracy!, 6);
    expect(gm.values['reference_pgd_eps_0.05']).toBeCloseTo(dense.values['pgd_eps_0.05']!, 6);
    expect(gm.values.mce).toBeGreaterThan(0);
    expect(dense.values['pgd_eps_0.05']).toBeLessThan(dense.values['pgd_eps_0']!);
    const report = (await engine.readObject(result.outputs['robustness-gm']!.report!.object)) as Report;
    expect(report.images.map((i) => i.name)).toEqual(['corruption-heatmap.png', 'corrupted-samples.png', 'accuracy-vs-eps.png']);
  });
});

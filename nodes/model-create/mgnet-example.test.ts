// The bundled MGNet example end to end through the engine with small settings (the 6,000 train and 300 test
// images of the bundled Fashion-MNIST subset on the 56 px canvas, one epoch, two corruptions at one
// severity, three PGD steps on 40 images): MGNet and the full-image baseline measured side by side.
//
//   fashion (placed) -> mgnet    -> train-mgnet    -> evaluate-mgnet, robustness-mgnet
//                    \-> baseline -> train-baseline -> evaluate-baseline, robustness-baseline
import { describe, expect, it } from 'vitest';
import type { Metrics, Report } from '../../src/shared/values';
import { exampleHarness } from '../../tests/helpers/example-graph';

const example = exampleHarness();

describe('resources/examples/mgnet', () => {
  it('trains MGNet and the baseline on placed images, reports per-glimpse figures and attacks both', { timeout: 240_000 }, async () => {
    const { file, graph, params } = await example.load('mgnet');
    const { engine } = example;
    Object.assign(params('fashion'), { bundledMini: true, testPerClassLimit: 30 });
    for (const id of ['train-mgnet', 'train-baseline']) params(id).epochs = 1;
    for (const id of ['evaluate-mgnet', 'evaluate-baseline']) params(id).glimpseSamples = 2;
    for (const id of ['robustness-mgnet', 'robustness-baseline'])
      Object.assign(params(id), { corruptions: 'gaussian-noise,jpeg', severities: '3', count: 100, eps: '0,0.05', pgdSteps: 3, adversarialCount: 40 });
    const result = await engine.run({ graph, graphPath: file }).done;
    expect(result.status).toBe('succeeded');
    const metrics = async (id: string) => (await engine.readObject(result.outputs[id]!.metrics!.object)) as Metrics;

    const mgnet = await metrics('evaluate-mgnet');
    for (const t of [1, 2, 3]) expect(mgnet.values[`accuracy_glimpse_${t}`]).toBeGreaterThanOrEqual(0);
    expect(mgnet.values.accuracy_glimpse_4).toBeUndefined();
    // One epoch is enough to beat chance (0.1), not to learn where to look; the example's 4 epochs do that.
    expect(mgnet.values.accuracy_glimpse_3).toBeGreaterThan(0.1);
    // Every glimpse is 28x28 through the same trunk, so the backbone's cost after 3 glimpses is 3 of one.
    expect(mgnet.values.backbone_macs_glimpse_3).toBe(3 * mgnet.values.backbone_macs_per_glimpse!);
    // The placed test split records the objects' boxes, so the IoU is measured.
    expect(mgnet.values.glimpse_iou).toBeGreaterThanOrEqual(0);
    expect(mgnet.values.glimpse_iou).toBeLessThanOrEqual(1);
    const report = (await engine.readObject(result.outputs['evaluate-mgnet']!.report!.object)) as Report;
    expect(report.images.map((i) => i.name)).toContain('glimpses.png');
    // The baseline predicts once: none of the per-glimpse figures.
    const baseline = await metrics('evaluate-baseline');
    expect(baseline.values.accuracy_glimpse_1).toBeUndefined();
    expect(baseline.values.accuracy).toBeGreaterThan(0.1);

    for (const id of ['robustness-mgnet', 'robustness-baseline']) {
      const r = await metrics(id);
      expect(r.values.clean_accuracy).toBeGreaterThan(0);
      expect(r.values['pgd_eps_0']).toBeGreaterThanOrEqual(0);
      // The attacks' input gradient reaches the pixels (in MGNet through gridSample and the sampled grid):
      // a zero gradient would leave FGSM's images, and so its accuracy, unchanged.
      expect(r.values['fgsm_eps_0.05']).toBeLessThan(r.values['fgsm_eps_0']!);
      expect(r.values['pgd_eps_0.05']).toBeLessThan(r.values['pgd_eps_0']!);
    }
  });
});

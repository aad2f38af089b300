// The analyzer run directly: the figures are kernelSpectra's of the first conv; the report draws each
// kernel beside its spectrum; a model without a conv first layer fails naming the layer found.
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/compute/data/generated';
import { kernelSpectra } from '../../src/compute/frequency/spectrum';
import { decodeImage } from '../../src/compute/image/codec';
import { createZooModel } from '../../src/compute/model/model';
import { weightLayers } from '../../src/compute/model/weight-layers';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

const data = generateDataset({ classes: 4, count: 16, size: 16, channels: 1, seed: 3, stream: 1, name: 'shapes' });

describe('condense.analyze.frequency', () => {
  it('measures the first conv layer and draws kernels beside spectra', async () => {
    const model = createZooModel(data, { architecture: 'lenet5', seed: 1 });
    // A smooth (constant) kernel 0 is low-frequency; the random initial kernels are high-frequency.
    const w = model.params['conv1.weight']!.slice();
    w.fill(0.2, 0, 25);
    const { outputs, ctx } = await runNode(node, { inputs: { model: { ...model, params: { ...model.params, 'conv1.weight': w } } }, params: { cutoff: 0.5 } });
    const expected = kernelSpectra(w, [6, 1, 5, 5]);
    expect(outputs.metrics.values).toEqual({ high_frequency_proportion: Number(expected.highProportion.toFixed(4)), mean_high_share: Number(expected.meanHighShare.toFixed(4)), kernels: 6 });
    expect(outputs.metrics.tables[0]!.rows[0]![2]).toBe('no');
    expect(expected.highProportion).toBeCloseTo(5 / 6, 6);
    const png = decodeImage(ctx.recorded.artifacts.get('kernel-spectra.png')!.data, 'spectra.png');
    expect(png.colour).toBe(true);
    expect(png.image.width).toBeGreaterThan(6 * 40);
  });

  it('a model without a conv first layer fails naming the layer found, before the run too', async () => {
    const mlp = createZooModel(data, { architecture: 'mlp', seed: 1 });
    const err = await runNode(node, { inputs: { model: mlp } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).detail).toEqual({ port: 'model' });
    expect((err as NodeError).message).toMatch(/first weight layer is fc1\.weight \(linear \[256, 256\]\), not a 2-D convolution/);
    const issues = node.infer!(node.params.parse({}), { model: { modelName: 'mlp', weightLayers: weightLayers(mlp) } }).issues;
    expect(issues).toEqual([{ port: 'model', message: expect.stringMatching(/mlp's first weight layer is fc1\.weight/) }]);
    const lenet = createZooModel(data, { architecture: 'lenet5', seed: 1 });
    expect(node.infer!(node.params.parse({ pad: 4 }), { model: { weightLayers: weightLayers(lenet) } }).issues).toEqual([{ param: 'pad', message: 'pad 4 is smaller than conv1.weight\'s 5x5 kernels' }]);
  });
});

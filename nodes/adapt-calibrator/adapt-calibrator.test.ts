// The calibrator node on generated shapes: a source classifier (VGG-small at width 0.25) and a target
// domain made by the Dataset node's shift (lower contrast + noise + blur), small settings.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { generateDataset } from '../../src/compute/data/generated';
import { applyShift, NO_SHIFT, setChannels } from '../../src/compute/data/transforms';
import { decodeImage } from '../../src/compute/image/codec';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { exportOnnx } from '../../src/compute/model/export';
import { createZooModel, importOnnxModel, type Model } from '../../src/compute/model/model';
import { trainClassifier } from '../../src/compute/model/train';
import { NodeError } from '../../src/shared/node-sdk';
import { runNode } from '../../tests/helpers/node-context';
import node, { calibratorParams } from './index';

const shapes = (count: number, stream: number): Dataset => generateDataset({ classes: 4, count, size: 16, channels: 1, seed: 9, stream, name: stream === 1 ? 'shapes (train)' : 'shapes (test)' });
const shift = { ...NO_SHIFT, contrast: 0.4, noise: 10, blur: 0.6 };
const sourceTrain = shapes(256, 1);
const sourceTest = shapes(128, 2);
const targetTrain = applyShift(shapes(256, 3), shift, { seed: 4 });
const targetTest = applyShift(shapes(128, 4), shift, { seed: 5 });
let vgg: Model;

beforeAll(async () => {
  const model = createZooModel(sourceTrain, { architecture: 'vgg-small', width: 0.25, seed: 4 });
  const r = await trainClassifier(model, sourceTrain, { epochs: 3, batchSize: 32, optimizer: 'adam', lr: 0.003, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1 });
  vgg = { ...model, params: r.params, buffers: r.buffers };
}, 60_000);

const small = { width: 2, blocks: 1, epochs: 2, stepsPerEpoch: 4, batchSize: 32, lr: 1e-3, monitorCount: 64, samples: 4, latency: false };

describe('condense.adapt.calibrator', () => {
  it('trains the calibrator against the frozen classifier, reports baselines, norms, curves and a strip, and outputs one ONNX classifier', { timeout: 120_000 }, async () => {
    const { outputs, ctx } = await runNode(node, { inputs: { classifier: vgg, sourceTrain, targetTrain, targetTest, sourceTest }, params: { ...small, latency: true } });
    const v = outputs.metrics.values;
    for (const k of ['target_accuracy_before', 'target_accuracy_adabn', 'target_accuracy', 'source_accuracy_raw', 'source_accuracy_calibrated']) {
      expect(v[k]).toBeGreaterThanOrEqual(0);
      expect(v[k]).toBeLessThanOrEqual(1);
    }
    expect(v.source_accuracy_raw).toBeGreaterThan(0.6);
    expect(v.perturbation_linf).toBeGreaterThan(0);
    expect(v.perturbation_linf).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(v.perturbation_l2).toBeGreaterThanOrEqual(v.perturbation_linf!);
    expect(v.macs_combined).toBeGreaterThan(v.macs_classifier!);
    expect(v.latency_ms).toBeGreaterThan(0);
    expect(v.steps).toBe(8);
    const streamed = new Set(ctx.recorded.metrics.map((m) => m.name));
    for (const n of ['D_loss', 'calibrator_loss', 'feature_d_accuracy_target', 'pixel_d_accuracy_calibrated_source', 'target_accuracy', 'source_accuracy_calibrated']) expect(streamed).toContain(n);
    expect(outputs.report.images.map((i) => i.name)).toEqual(['calibrated-samples.png', 'accuracy.png', 'discriminator-accuracy.png', 'accuracy-curves.png']);
    const strip = decodeImage(ctx.recorded.artifacts.get('calibrated-samples.png')!.data, 'calibrated-samples.png');
    expect(strip.image.height).toBeGreaterThan(4 * 16);

    // The output is calibrator + classifier in one graph: exported and re-imported, it predicts the
    // same as the node measured, and it differs from the classifier alone.
    const model = outputs.model;
    expect(model.architecture.kind).toBe('onnx');
    expect(model.meta.lineage.at(-1)).toMatchObject({ node: 'condense.adapt.calibrator', params: { classifierMode: 'eval', eps: 0.5 } });
    const reimported = importOnnxModel(exportOnnx(model), 'calibrated.onnx', targetTest);
    expect((await evaluateClassifier(reimported, targetTest)).accuracy).toBeCloseTo(v.target_accuracy!, 3);
    expect(ctx.recorded.progress.at(-1)).toEqual({ fraction: 1, message: 'done' });
  });

  it('in train mode keeps the weights and adapts the batch-norm statistics', { timeout: 60_000 }, async () => {
    const { outputs } = await runNode(node, { inputs: { classifier: vgg, sourceTrain, targetTrain, targetTest, sourceTest }, params: { ...small, epochs: 1, classifierMode: 'train', baselines: false } });
    expect(outputs.metrics.values.target_accuracy_adabn).toBeUndefined();
    const stats = Object.keys(outputs.model.buffers).find((n) => n.endsWith('features.bn0.running_mean'))!;
    const weight = Object.keys(outputs.model.params).find((n) => n.endsWith('features.conv0.weight'))!;
    expect(Array.from(outputs.model.params[weight]!)).toEqual(Array.from(vgg.params['features.conv0.weight']!));
    expect(Array.from(outputs.model.buffers[stats]!)).not.toEqual(Array.from(vgg.buffers['features.bn0.running_mean']!));
  });

  it('refuses a generator, mismatched domains and eps outside (0, 2], naming the port or param', async () => {
    const inputs = { classifier: vgg, sourceTrain, targetTrain, targetTest, sourceTest };
    const generator = createZooModel({ ...sourceTrain, task: 'paired', targetShape: [1, 16, 16] }, { architecture: 'resnet-generator', options: { ngf: 4, blocks: 1 } });
    await expect(runNode(node, { inputs: { ...inputs, classifier: generator }, params: small })).rejects.toMatchObject({ detail: { port: 'classifier' } });
    const rgbTarget = setChannels(targetTrain, 3);
    const err = await runNode(node, { inputs: { ...inputs, targetTrain: rgbTarget }, params: small }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect(err).toMatchObject({ detail: { port: 'targetTrain' } });
    expect(err.message).toMatch(/1x16x16.*3x16x16/);
    const bigTest = generateDataset({ classes: 4, count: 8, size: 20, channels: 1, seed: 1, stream: 2, name: 'big' });
    await expect(runNode(node, { inputs: { ...inputs, targetTest: bigTest }, params: small })).rejects.toMatchObject({ detail: { port: 'targetTest' } });
    for (const eps of [0, -0.1, 2.5]) expect(calibratorParams.safeParse({ eps }).success).toBe(false);
    expect(calibratorParams.safeParse({ eps: 2 }).success).toBe(true);

    // The same before the run, from the port facts.
    const facts = { task: 'classify', shape: [1, 16, 16] as [number, number, number], classes: 4 };
    const issues = node.infer!(calibratorParams.parse({}), { classifier: { ...facts, task: 'image-to-image', modelName: 'resnet-generator' }, sourceTrain: facts, targetTrain: { ...facts, shape: [3, 16, 16] }, targetTest: facts, sourceTest: facts }).issues!;
    expect(issues).toEqual([
      { port: 'classifier', message: expect.stringMatching(/resnet-generator is an image-to-image model/) },
      { port: 'targetTrain', message: expect.stringMatching(/source images are 1x16x16.*targetTrain images are 3x16x16/) },
    ]);
    expect(node.infer!(calibratorParams.parse({ patch: 32 }), { classifier: facts, sourceTrain: facts, targetTrain: facts, targetTest: facts, sourceTest: facts }).issues).toEqual([{ param: 'patch', message: expect.stringMatching(/32x32 patch/) }]);
  });
});

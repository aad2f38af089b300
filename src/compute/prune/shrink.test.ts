import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import { countMacs, exportOnnx } from '../model/export.ts';
import { buildModelGraph, createZooModel, importOnnxModel, parameterCount, type Model } from '../model/model.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { structuredMask } from './projections.ts';
import { shrinkModel } from './shrink.ts';

const grey28 = { shape: [1, 28, 28] as [number, number, number], classes: ['a', 'b', 'c'], normalize: { mean: [0.3], std: [0.3] } };
const rgb32 = { shape: [3, 32, 32] as [number, number, number], classes: ['a', 'b', 'c', 'd'], normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };

/** Running statistics away from 0/1, so eval-mode batch norm turns an empty filter into a real constant. */
function withStatistics(model: Model, seed: number): Model {
  const rng = createRng(seed);
  const buffers = Object.fromEntries(
    Object.entries(model.buffers).map(([name, v]) => [name, v.map(() => (name.endsWith('running_var') ? 0.5 + rng() : rng() - 0.5))]),
  );
  return { ...model, buffers };
}

/** Masks (1 keeps) that zero the listed output channels (axis 0) or input channels (axis 1) of a parameter. */
function maskOut(model: Model, name: string, axis: 0 | 1, channels: number[]): void {
  const p = model.params[name]!;
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false });
  const shape = g.tensor(name).shape;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const mask = model.compression.masks[name] ?? new Uint8Array(p.length).fill(1);
  for (let i = 0; i < p.length; i++) {
    const c = axis === 0 ? Math.floor(i / (p.length / shape[0]!)) : Math.floor(i / inner) % shape[1]!;
    if (channels.includes(c)) mask[i] = 0;
  }
  model.compression.masks[name] = mask;
}

/** Sets entries of a parameter or buffer (a batch-norm shift that makes an empty filter's constant positive). */
function setValues(model: Model, name: string, channels: number[], value: number): void {
  const v = model.params[name] ?? model.buffers[name]!;
  for (const c of channels) v[c] = value;
}

function macsOf(model: Model): number {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false });
  return countMacs(g);
}

async function logitsOf(bytes: Uint8Array, input: HostTensor): Promise<Float32Array> {
  const session = await createSession(bytes, { intraOpThreads: 1 });
  const out = await runSession(session, { [session.inputNames[0]!]: input });
  await session.release();
  return out.logits!.values as Float32Array;
}

/** Largest difference between the masked and the shrunk model's exported ONNX on random inputs. */
async function exportedDifference(masked: Model, shrunk: Model, seed: number): Promise<number> {
  const rng = createRng(seed);
  const shape = [3, ...masked.meta.inputShape];
  const input: HostTensor = { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng() * 4 - 2) };
  const [a, b] = await Promise.all([logitsOf(exportOnnx(masked), input), logitsOf(exportOnnx(shrunk), input)]);
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('shrinkModel', () => {
  it('lenet5: removes empty filters (constants folded into the next bias), empty units and ignored input channels', async () => {
    const model = createZooModel(grey28, { architecture: 'lenet5', seed: 3 });
    maskOut(model, 'conv1.weight', 0, [1, 4]); // bias alive: relu(bias) reaches conv2 (no padding), folded
    maskOut(model, 'conv2.weight', 1, [2]); // no filter of conv2 reads conv1's channel 2
    maskOut(model, 'conv2.weight', 0, [3, 7, 10]); // constants reach fc1 through flatten (25 features each)
    maskOut(model, 'fc1.weight', 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { model: shrunk, removed } = shrinkModel(model);
    expect(removed).toEqual({ conv1: 3, conv2: 3, fc1: 10 });
    expect(await exportedDifference(model, shrunk, 1)).toBeLessThan(1e-5);

    // 28x28 padded by 2: conv1 at 28x28, pool to 14, conv2 (5x5, no padding) at 10x10, pool to 5.
    const params = (c1: number, c2: number, u1: number): number => c1 * 26 + c2 * (c1 * 25 + 1) + u1 * (c2 * 25 + 1) + 84 * (u1 + 1) + 3 * 85;
    const macs = (c1: number, c2: number, u1: number): number => 28 * 28 * c1 * 25 + 10 * 10 * c2 * c1 * 25 + u1 * c2 * 25 + 84 * u1 + 3 * 84;
    expect(parameterCount(model)).toBe(params(6, 16, 120));
    expect(parameterCount(shrunk)).toBe(params(3, 13, 110));
    expect(macsOf(model)).toBe(macs(6, 16, 120));
    expect(macsOf(shrunk)).toBe(macs(3, 13, 110));
    expect(shrunk.architecture).toMatchObject({ kind: 'zoo', name: 'lenet5', channels: { conv1: 3, conv2: 13, fc1: 110 } });
  });

  it('vgg-small: removes channels that are zero after batch norm or ignored, keeps a constant one before a padded conv', async () => {
    const model = withStatistics(createZooModel(rgb32, { architecture: 'vgg-small', width: 0.5, seed: 4 }), 5);
    // Channels 16, 16, 32, 32, 64, 64 at 32, 32, 16, 16, 8, 8 pixels; fc [4, 64] after global pooling.
    maskOut(model, 'features.conv1.weight', 0, [0, 1]);
    maskOut(model, 'features.bn1.weight', 0, [0, 1]);
    maskOut(model, 'features.bn1.bias', 0, [0, 1]); // zero after bn1 and relu
    maskOut(model, 'features.conv2.weight', 0, [3]);
    setValues(model, 'features.bn2.bias', [3], 1);
    setValues(model, 'features.bn2.running_mean', [3], 0); // a constant 1 that conv3's zero padding cannot fold
    maskOut(model, 'features.conv4.weight', 1, [7]); // conv3's channel 7 unread
    maskOut(model, 'features.conv5.weight', 0, [5, 6, 7, 8, 9]);
    setValues(model, 'features.bn5.bias', [5, 6, 7, 8, 9], 1);
    setValues(model, 'features.bn5.running_mean', [5, 6, 7, 8, 9], 0); // constants 1 into fc, folded
    const { model: shrunk, removed } = shrinkModel(model);
    expect(removed).toEqual({ 'features.conv1': 2, 'features.conv3': 1, 'features.conv5': 5 });
    expect(await exportedDifference(model, shrunk, 2)).toBeLessThan(1e-5);

    const paramDrop = 2 * 16 * 9 + 2 * 2 + 32 * 2 * 9 + (32 * 9 + 2 + 64 * 9) + (5 * 64 * 9 + 5 * 2 + 5 * 4);
    const macDrop = 32 * 32 * 2 * 16 * 9 + 16 * 16 * 32 * 2 * 9 + 16 * 16 * 32 * 9 + 8 * 8 * 64 * 9 + 8 * 8 * 5 * 64 * 9 + 5 * 4;
    expect(parameterCount(model) - parameterCount(shrunk)).toBe(paramDrop);
    expect(macsOf(model) - macsOf(shrunk)).toBe(macDrop);
  });

  it('resnet8: channels joined by a residual add go only when every side of the add drops them', async () => {
    const model = withStatistics(createZooModel(rgb32, { architecture: 'resnet8', width: 0.5, seed: 6 }), 7);
    // Channels 8 (32x32), 16 (16x16), 32 (8x8); fc [4, 32].
    maskOut(model, 'layer1.0.conv1.weight', 0, [0, 2]);
    maskOut(model, 'layer1.0.bn1.weight', 0, [0, 2]);
    maskOut(model, 'layer1.0.bn1.bias', 0, [0, 2]);
    maskOut(model, 'layer2.0.conv2.weight', 1, [5]);
    // One side of layer1's add is zero in channel 1, the identity shortcut is not: it stays.
    maskOut(model, 'layer1.0.conv2.weight', 0, [1]);
    maskOut(model, 'layer1.0.bn2.weight', 0, [1]);
    maskOut(model, 'layer1.0.bn2.bias', 0, [1]);
    // Both sides of layer3's add are zero in channels 3 and 4: they go from conv2, the downsample and fc.
    for (const [conv, bn] of [
      ['layer3.0.conv2', 'layer3.0.bn2'],
      ['layer3.0.downsample.0', 'layer3.0.downsample.1'],
    ]) {
      maskOut(model, `${conv}.weight`, 0, [3, 4]);
      maskOut(model, `${bn}.weight`, 0, [3, 4]);
      maskOut(model, `${bn}.bias`, 0, [3, 4]);
    }
    const { model: shrunk, removed } = shrinkModel(model);
    expect(removed).toEqual({ 'layer1.0.conv1': 2, 'layer2.0.conv1': 1, 'layer3.0.conv2': 2, 'layer3.0.downsample.0': 2 });
    expect(await exportedDifference(model, shrunk, 3)).toBeLessThan(1e-5);

    const paramDrop = 2 * 8 * 9 + 4 + 8 * 2 * 9 + (8 * 9 + 2 + 16 * 9) + (2 * 32 * 9 + 4 + 2 * 16 + 4 + 2 * 4);
    const macDrop = 32 * 32 * 2 * 8 * 9 * 2 + 16 * 16 * 8 * 9 + 16 * 16 * 16 * 9 + 8 * 8 * 2 * 32 * 9 + 8 * 8 * 2 * 16 + 2 * 4;
    expect(parameterCount(model) - parameterCount(shrunk)).toBe(paramDrop);
    expect(macsOf(model) - macsOf(shrunk)).toBe(macDrop);
    // Still a trainable zoo model: batch norm in training mode builds on the new shapes.
    expect(() => buildModelGraph(shrunk, new GraphBuilder({ training: true }), { batch: 2, training: true })).not.toThrow();
  });

  it('mobilenet-small: a removed channel goes through the next depthwise conv and its batch norm too', async () => {
    const model = withStatistics(createZooModel(rgb32, { architecture: 'mobilenet-small', width: 0.25, seed: 9 }), 10);
    // blocks.0.pw [16, 8, 1, 1]; blocks.1.dw [16, 1, 3, 3] reads it channel by channel, blocks.1.pw [32, 16, 1, 1] after.
    maskOut(model, 'blocks.0.pw.weight', 0, [0, 1, 2, 3]);
    for (const name of ['blocks.0.pw_bn.weight', 'blocks.0.pw_bn.bias', 'blocks.1.dw_bn.weight', 'blocks.1.dw_bn.bias']) maskOut(model, name, 0, [0, 1, 2, 3]);
    const { model: shrunk, removed } = shrinkModel(model);
    expect(removed).toEqual({ 'blocks.0.pw': 4 });
    expect(await exportedDifference(model, shrunk, 4)).toBeLessThan(1e-5);
    expect(parameterCount(model) - parameterCount(shrunk)).toBe(4 * 8 + 4 * 2 + 4 * 9 + 4 * 2 + 32 * 4);
  });

  it("removes exactly the filters ADMM-NN-S's filter projection prunes", async () => {
    const model = createZooModel(grey28, { architecture: 'lenet5', seed: 11 });
    for (const [name, shape, keep] of [
      ['conv2.weight', [16, 6, 5, 5], 10],
      ['fc1.weight', [120, 400], 60],
    ] as const)
      model.compression.masks[name] = structuredMask(model.params[name]!, shape, 'filters', keep);
    const { model: shrunk, removed } = shrinkModel(model);
    expect(removed).toEqual({ conv2: 6, fc1: 60 });
    expect(await exportedDifference(model, shrunk, 5)).toBeLessThan(1e-5);
  });

  it('gives back the model itself when nothing can be removed, and skips imported models', () => {
    const model = createZooModel(rgb32, { architecture: 'resnet8', width: 0.5, seed: 8 });
    expect(shrinkModel(model)).toEqual({ model, removed: {} });
    expect(shrinkModel(model).model).toBe(model);
    const imported = importOnnxModel(exportOnnx(model), 'resnet8.onnx');
    const result = shrinkModel(imported);
    expect(result.model).toBe(imported);
    expect(result.skipped).toMatch(/imported/);
  });
});

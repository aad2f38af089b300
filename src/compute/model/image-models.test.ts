import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { decodeModel } from '../onnx/model.ts';
import { pairedBatch } from '../ort/batches.ts';
import { CompiledFunction, initialState, TrainStep } from '../ort/compiled-graph.ts';
import { Adam } from '../ort/optimizers.ts';
import { createSession, runSession, type HostTensor } from '../ort/session.ts';
import { evaluateImageToImage } from './evaluate.ts';
import { countMacs, exportOnnx, exportOutputName } from './export.ts';
import { PSNR_CAP_DB } from './image-metrics.ts';
import { buildModelGraph, createZooModel, dataMismatch, type Model } from './model.ts';

/** A paired dataset whose target is the input's colours inverted, with `tc` target channels. */
function paired(count: number, shape: [number, number, number], tc: number, seed: number): Dataset {
  const rng = createRng(seed);
  const [c, h, w] = shape;
  const pixels = new Uint8Array(count * c * h * w).map(() => Math.floor(rng() * 256));
  const targets = new Uint8Array(count * tc * h * w);
  for (let n = 0; n < count; n++)
    for (let ch = 0; ch < tc; ch++)
      for (let k = 0; k < h * w; k++) targets[(n * tc + ch) * h * w + k] = 255 - pixels[(n * c + (ch % c)) * h * w + k]!;
  return {
    kind: 'dataset',
    name: 'pairs',
    task: 'paired',
    count,
    shape,
    classes: [],
    pixels,
    labels: new Int32Array(count),
    targets,
    targetShape: [tc, h, w],
    normalize: { mean: [0.5], std: [0.5] },
    source: { kind: 'test', files: [] },
  };
}

function randomInput(shape: number[], seed: number): HostTensor {
  const rng = createRng(seed);
  return { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng() * 2 - 1) };
}

async function inBuilder(model: Model, input: HostTensor): Promise<HostTensor> {
  const g = new GraphBuilder({ training: false });
  const { logits } = buildModelGraph(model, g, { batch: input.shape[0]!, training: false });
  const fn = await CompiledFunction.compile(g, { logits }, { intraOpThreads: 1 });
  return (await fn.run(initialState(g), { input })).logits!;
}

describe('image-to-image zoo', () => {
  const cases: { model: Model; out: number[] }[] = [
    { model: createZooModel(paired(2, [3, 16, 16], 3, 1), { architecture: 'resnet-generator', seed: 1, options: { ngf: 4, blocks: 2 } }), out: [3, 16, 16] },
    { model: createZooModel(paired(2, [1, 16, 16], 3, 1), { architecture: 'unet-small', seed: 1, options: { ngf: 4, depth: 2 } }), out: [3, 16, 16] },
    { model: createZooModel(paired(2, [1, 32, 32], 3, 1), { architecture: 'patchgan', seed: 1, options: { ndf: 4, layers: 2 } }), out: [1, 6, 6] },
  ];

  it('takes shapes from the paired data; the exported ONNX runs in onnxruntime with the right output shape and values', { timeout: 120_000 }, async () => {
    for (const { model, out } of cases) {
      const name = model.architecture.kind === 'zoo' ? model.architecture.name : '';
      expect(model.meta.task, name).toBe(name === 'patchgan' ? 'discriminator' : 'image-to-image');
      expect(model.meta.outputShape, name).toEqual(out);
      expect(model.meta.classes).toEqual([]);
      const input = randomInput([2, ...model.meta.inputShape], 3);
      const reference = await inBuilder(model, input);
      expect(reference.shape).toEqual([2, ...out]);
      const bytes = exportOnnx(model);
      const proto = decodeModel(bytes);
      const contract = JSON.parse(proto.metadataProps.find((p) => p.key === 'condense.input')!.value);
      expect(contract).toMatchObject({ task: model.meta.task, outputShape: out, output: 'output' });
      const session = await createSession(bytes, { intraOpThreads: 1 });
      const result = (await runSession(session, { [session.inputNames[0]!]: input }))[exportOutputName(model)]!;
      await session.release();
      expect(result.shape, name).toEqual([2, ...out]);
      const a = reference.values as Float32Array;
      const b = result.values as Float32Array;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      expect(diff, name).toBeLessThan(1e-4);
      if (name !== 'patchgan') for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    }
  });

  it('resnet-generator has the CycleGAN layout: stem, two downsamplings, blocks, two transposed convs, head', () => {
    const model = cases[0]!.model;
    expect(Object.keys(model.params).filter((k) => k.endsWith('.weight'))).toEqual([
      'stem.weight',
      'down1.weight',
      'down2.weight',
      'blocks.0.conv1.weight',
      'blocks.0.conv2.weight',
      'blocks.1.conv1.weight',
      'blocks.1.conv2.weight',
      'up1.weight',
      'up2.weight',
      'head.weight',
    ]);
    expect(model.params['stem.weight']!.length).toBe(4 * 3 * 49);
    expect(model.params['up1.weight']!.length).toBe(16 * 8 * 9);
    const g = new GraphBuilder();
    buildModelGraph(model, g, { batch: 1, training: false });
    // stem 16x16x4 from 3x7x7; down1 8x8x8 from 4x3x3; down2 4x4x16 from 8x3x3; 4 block convs 4x4x16 from 16x3x3;
    // up1 reads 4x4x16 into 8 x 3x3; up2 reads 8x8x8 into 4 x 3x3; head 16x16x3 from 4x7x7.
    const expected = 256 * 4 * 147 + 64 * 8 * 36 + 16 * 16 * 72 + 4 * 16 * 16 * 144 + 16 * 16 * 72 + 64 * 8 * 36 + 256 * 3 * 196;
    expect(countMacs(g)).toBe(expected);
  });

  it('refuses data it cannot read, and names a mismatched dataset', () => {
    const classify = { shape: [3, 16, 16] as [number, number, number], classes: ['a', 'b'], normalize: { mean: [0.5], std: [0.5] }, task: 'classify' as const };
    expect(() => createZooModel(classify, { architecture: 'resnet-generator' })).toThrow(/needs a paired dataset/);
    expect(() => createZooModel(paired(1, [3, 18, 18], 3, 1), { architecture: 'resnet-generator' })).toThrow(/divisible by 4/);
    expect(() => createZooModel(paired(1, [3, 16, 16], 3, 1), { architecture: 'unet-small', options: { depth: 5 } })).toThrow(/divisible by 32/);
    expect(() => createZooModel(paired(1, [3, 8, 8], 3, 1), { architecture: 'patchgan', options: { layers: 3 } })).toThrow(/larger images/);
    const gen = cases[0]!.model;
    expect(dataMismatch(gen, paired(1, [3, 16, 16], 3, 1))).toBeUndefined();
    expect(dataMismatch(gen, { ...classify, name: 'shapes' })).toMatch(/needs a paired dataset/);
    expect(dataMismatch(gen, paired(1, [3, 16, 16], 1, 1))).toMatch(/target images of 1x16x16 but the model produces 3x16x16/);
    expect(dataMismatch(gen, paired(1, [3, 32, 32], 3, 1))).toMatch(/expects 3x16x16/);
    // A discriminator judges the target images of a paired dataset.
    const disc = cases[2]!.model;
    expect(disc.meta.inputShape).toEqual([3, 32, 32]);
    expect(dataMismatch(disc, paired(1, [1, 32, 32], 3, 2))).toBeUndefined();
    expect(dataMismatch(disc, paired(1, [1, 32, 32], 1, 2))).toMatch(/target images of 1x32x32/);
  });

  it('trains: Adam steps reduce an L1 loss on a tiny paired batch', { timeout: 120_000 }, async () => {
    const data = paired(4, [3, 16, 16], 3, 5);
    const model = createZooModel(data, { architecture: 'resnet-generator', seed: 2, options: { ngf: 4, blocks: 1 } });
    const g = new GraphBuilder({ seed: 0, training: true });
    const { logits } = buildModelGraph(model, g, { batch: 4, training: true });
    const target = g.input('target', [4, 3, 16, 16]);
    const loss = F.mean(F.abs(F.sub(logits, target)));
    const step = await TrainStep.compile({ graph: g, loss }, { intraOpThreads: 1 });
    const state = initialState(g);
    const { inputs, targets } = pairedBatch(data, Int32Array.from([0, 1, 2, 3]));
    const opt = new Adam({ learningRate: 3e-3 });
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await step.run(state, { input: inputs, target: targets });
      losses.push(r.loss);
      opt.step(state.params, r.grads);
    }
    expect(Number.isFinite(losses[0])).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
  });

  it('evaluates a generator: PSNR, SSIM and DWT band errors in [0, 1] pixels', { timeout: 60_000 }, async () => {
    const data = paired(3, [3, 16, 16], 3, 7);
    const model = createZooModel(data, { architecture: 'unet-small', seed: 1, options: { ngf: 4, depth: 2 } });
    const ev = await evaluateImageToImage(model, data, { batchSize: 2, intraOpThreads: 1 });
    expect(ev.count).toBe(3);
    expect(ev.psnr).toBeGreaterThan(0);
    expect(ev.psnr).toBeLessThan(30);
    expect(ev.ssim).toBeLessThan(0.9);
    expect(ev.dwt.map((d) => d.level)).toEqual([1, 2, 3]);
    for (const d of ev.dwt) expect(d.hh).toBeGreaterThan(0);
    expect(ev.mse).toBeGreaterThan(0);
    expect(ev.psnr).toBeGreaterThanOrEqual(-10 * Math.log10(ev.mse) - 1e-6);

    // The perfect case: targets set to the model's own outputs (rounded to 8-bit pixels).
    const g = new GraphBuilder({ training: false });
    const { logits } = buildModelGraph(model, g, { batch: 3, training: false });
    const fn = await CompiledFunction.compile(g, { logits }, { intraOpThreads: 1 });
    const out = (await fn.run(initialState(g), { input: pairedBatch(data, Int32Array.from([0, 1, 2])).inputs })).logits!.values as Float32Array;
    // Outputs are in [-1, 1] (tanh); with mean 0.5 and std 0.5 they map to pixels (y * 0.5 + 0.5) * 255.
    const exact = Float32Array.from(out, (y) => Math.round((y * 0.5 + 0.5) * 255));
    const perfect: Dataset = { ...data, targets: Uint8Array.from(exact) };
    const best = await evaluateImageToImage(model, perfect, { batchSize: 2, intraOpThreads: 1 });
    expect(best.psnr).toBeGreaterThan(45);
    expect(best.ssim).toBeGreaterThan(0.999);
    expect(best.psnr).toBeLessThanOrEqual(PSNR_CAP_DB);
    for (const d of best.dwt) expect(d.hh).toBeLessThan(1e-4);
  });
});

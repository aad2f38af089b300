import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder';
import { countMacs, exportModelProto } from '../model/export';
import { buildModelGraph, createZooModel } from '../model/model';
import { estimateOnTarget } from './roofline';
import type { TargetProfile } from './targets';

const contract = { shape: [1, 28, 28] as [number, number, number], classes: Array.from({ length: 10 }, (_, i) => `c${i}`), normalize: { mean: [0.5], std: [0.25] } };
const profile: TargetProfile = {
  id: 'toy',
  name: 'toy',
  measured: false,
  arch: 'other',
  isa: 'toy',
  cores: 4,
  clockGHz: 1,
  peakGflops: { fp32: 8, fp16: null, int8: 32 },
  memoryBandwidthGBs: 2,
  cacheBytes: {},
  ramBytes: 1 << 20,
  flashBytes: 1 << 21,
  weightsInFlash: false,
  notes: 'toy',
  sources: ['toy'],
  file: 'toy.json',
};

describe('roofline estimate', () => {
  const model = createZooModel(contract, { architecture: 'lenet5', width: 1, seed: 1 });
  const proto = exportModelProto(model, { foldBatchNorm: true });

  it('counts the MACs the builder counts, and sums max(compute, memory) over layers', () => {
    const g = new GraphBuilder({ training: false });
    buildModelGraph(model, g, { batch: 1, training: false });
    const e = estimateOnTarget(proto, profile, { precision: 'fp32', inputShape: contract.shape, batch: 1, threads: 4 });
    expect(e.macs).toBe(countMacs(g));
    expect(e.latencyMs).toBeCloseTo(e.layers.reduce((s, l) => s + Math.max(l.computeMs, l.memoryMs), 0), 12);
    expect(e.layers.reduce((s, l) => s + l.share, 0)).toBeCloseTo(1, 9);
    // conv_0: 6 x 28 x 28 outputs, 25 MACs each; bytes = (input 784 + output 4704 + weights 150 + bias 6) x 4.
    const conv = e.layers[0]!;
    expect(conv).toMatchObject({ name: 'conv_0', opType: 'Conv', macs: 6 * 28 * 28 * 25, bytes: (784 + 4704 + 150 + 6) * 4 });
    expect(conv.computeMs).toBeCloseTo(((2 * conv.macs) / 8e9) * 1e3, 12);
    expect(conv.memoryMs).toBeCloseTo((conv.bytes / 2e9) * 1e3, 12);
    expect(e.layers.find((l) => l.opType === 'Reshape')!.bound).toBe('none');
  });

  it('int8 moves a quarter of the weight bytes (int32 biases) and uses the int8 peak; fewer threads use fewer cores', () => {
    const fp32 = estimateOnTarget(proto, profile, { precision: 'fp32', inputShape: contract.shape, batch: 1, threads: 4 });
    const int8 = estimateOnTarget(proto, profile, { precision: 'int8', inputShape: contract.shape, batch: 1, threads: 4 });
    const biases = [6, 16, 120, 84, 10].reduce((a, b) => a + b, 0);
    expect(int8.weightBytes).toBe((fp32.weightBytes - biases * 4) / 4 + biases * 4);
    expect(int8.peakGops).toBe(32);
    expect(int8.latencyMs).toBeLessThan(fp32.latencyMs);
    const mixed = estimateOnTarget(proto, profile, { precision: 'int8', inputShape: contract.shape, batch: 1, threads: 4, floatLayers: new Set(['conv_0']) });
    expect(mixed.layers[0]).toMatchObject({ bytes: fp32.layers[0]!.bytes, computeMs: fp32.layers[0]!.computeMs });
    expect(mixed.layers[1]!.ms).toBe(int8.layers[1]!.ms);
    const one = estimateOnTarget(proto, profile, { precision: 'fp32', inputShape: contract.shape, batch: 1, threads: 1 });
    expect(one.peakGops).toBe(2);
    expect(() => estimateOnTarget(proto, profile, { precision: 'fp16', inputShape: contract.shape, batch: 1, threads: 1 })).toThrow(/no fp16/);
  });

  it('RAM is the peak of live activations (plus weights unless they sit in flash)', () => {
    const e = estimateOnTarget(proto, profile, { precision: 'fp32', inputShape: contract.shape, batch: 1, threads: 4 });
    // Largest moment: conv_0's output (6x28x28) alive with relu_1's output of the same size (the input
    // is freed after conv_0).
    expect(e.activationBytes).toBe(2 * 6 * 28 * 28 * 4);
    expect(e.ramBytes).toBe(e.activationBytes + e.weightBytes);
    const mcu = estimateOnTarget(proto, { ...profile, weightsInFlash: true }, { precision: 'fp32', inputShape: contract.shape, batch: 1, threads: 1 });
    expect(mcu.ramBytes).toBe(mcu.activationBytes);
    expect(estimateOnTarget(proto, profile, { precision: 'fp32', inputShape: contract.shape, batch: 8, threads: 4 }).activationBytes).toBe(8 * e.activationBytes);
  });
});

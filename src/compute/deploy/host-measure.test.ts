import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../model/export';
import { createZooModel } from '../model/model';
import { argmaxRows, measureFileLatency, measureHostFigures, quantile } from './host-measure';

const dir = mkdtempSync(join(tmpdir(), 'condense-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host measurement', () => {
  it('interpolates quantiles between order statistics', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5.5);
    expect(quantile(sorted, 0.9)).toBeCloseTo(9.1, 12);
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile(sorted, 1)).toBe(10);
    expect(Array.from(argmaxRows(Float32Array.from([0, 2, 1, 5, -1, 4]), 3))).toEqual([1, 0]);
  });

  it('measures an ONNX file in a process of its own: ordered percentiles, throughput and the memory the model took', { timeout: 30_000 }, async () => {
    const model = createZooModel({ shape: [1, 16, 16], classes: ['a', 'b'], normalize: { mean: [0], std: [1] } }, { architecture: 'lenet5', width: 0.5, seed: 1 });
    const file = join(dir, 'm.onnx');
    writeFileSync(file, exportOnnx(model));
    const m = await measureFileLatency(file, [1, 16, 16], { batch: 4, threads: 1, warmup: 2, runs: 12 });
    expect(m.p50).toBeGreaterThan(0);
    expect(m.p50).toBeLessThanOrEqual(m.p90);
    expect(m.p90).toBeLessThanOrEqual(m.p99);
    expect(m.throughput).toBeGreaterThan(0);
    expect(m.peakBytes).toBeGreaterThan(0);
    await expect(measureFileLatency(join(dir, 'missing.onnx'), [1, 16, 16], { batch: 1, threads: 1, warmup: 1, runs: 5 })).rejects.toThrow(/measuring .*missing\.onnx failed/);
  });

  it('fills the host figures from what this machine reaches', { timeout: 30_000 }, async () => {
    const f = await measureHostFigures(1, join(dir, 'not', 'yet'));
    expect(f.peakGflops.fp32).toBeGreaterThan(0);
    expect(f.peakGflops.int8).toBeGreaterThan(0);
    expect(f.peakGflops.fp16).toBeNull();
    expect(f.memoryBandwidthGBs).toBeGreaterThan(0);
    expect(f.cores).toBe(1);
    expect(f.flashBytes).toBeGreaterThan(0);
  });
});

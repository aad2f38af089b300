import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportModelProto } from '../model/export';
import { createZooModel } from '../model/model';
import { encodeModel } from '../onnx/model';
import { tensorValues } from '../onnx/tensor-data';
import { createSession, runSession } from '../ort/session';
import { activationParams, calibrate, optimizedOpCounts, quantizeInt8, quantizeWeight } from './quantize-int8';

const dir = mkdtempSync(join(tmpdir(), 'condense-int8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const contract = { shape: [1, 16, 16] as [number, number, number], classes: ['a', 'b', 'c', 'd'], normalize: { mean: [0], std: [1] } };
const inputs = (count: number, seed: number) => Float32Array.from({ length: count * 256 }, (_, i) => Math.sin(i * 0.37 + seed) + 0.3 * Math.sin(i * 2.1));

describe('int8 static quantization', () => {
  it('per-channel symmetric weights: rounding error at most half a step, each channel its own scale', () => {
    const w = Float32Array.from([0.5, -1, 0.25, 0.1, 0.02, -0.04]);
    const { q, scales } = quantizeWeight(w, [2, 3], 0);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), Math.fround(0.1 / 127)]);
    expect(Array.from(q)).toEqual([64, -127, 32, 127, 25, -51]);
    w.forEach((v, i) => expect(Math.abs(q[i]! * scales[i < 3 ? 0 : 1]! - v)).toBeLessThanOrEqual(scales[i < 3 ? 0 : 1]! / 2 + 1e-9));
    expect(Array.from(quantizeWeight(Float32Array.from([1, 2, 3, 4]), [2, 2], 1).scales)).toEqual([Math.fround(3 / 127), Math.fround(4 / 127)]);
  });

  it('activation ranges always hold zero exactly', () => {
    expect(activationParams(0, 2.55).zeroPoint).toBe(0);
    expect(activationParams(0, 2.55).scale).toBeCloseTo(0.01, 12);
    const { scale, zeroPoint } = activationParams(-1, 3);
    expect(scale).toBeCloseTo(4 / 255, 12);
    expect(zeroPoint).toBe(64);
    expect(activationParams(0.5, 1).zeroPoint).toBe(0);
  });

  it('percentile calibration clips the tails that min/max keeps', async () => {
    const model = createZooModel(contract, { architecture: 'mlp', width: 0.25, seed: 2 });
    const proto = exportModelProto(model);
    const x = inputs(64, 1);
    x[5] = 40;
    const name = proto.graph.input[0]!.name;
    const options = { threads: 1, percentile: 99.9 };
    const minmax = (await calibrate(proto, [name], x, contract.shape, { ...options, method: 'minmax' })).get(name)!;
    const pct = (await calibrate(proto, [name], x, contract.shape, { ...options, method: 'percentile' })).get(name)!;
    expect(minmax.max).toBe(40);
    expect(pct.max).toBeLessThan(2);
    expect(pct.min).toBeGreaterThanOrEqual(minmax.min);
  });

  it('emits a QDQ model that onnxruntime runs on QLinearConv/QGemm, close to the fp32 model', async () => {
    const model = createZooModel(contract, { architecture: 'lenet5', width: 1, seed: 3 });
    const proto = exportModelProto(model, { foldBatchNorm: true });
    const result = await quantizeInt8(proto, inputs(32, 1), contract.shape, { method: 'minmax', percentile: 99.99, threads: 1 });
    expect(result.removedRelus).toBe(4);
    expect(result.weights.map((w) => w.channels)).toEqual([6, 16, 120, 84, 4]);
    const biases = result.proto.graph.initializer.filter((t) => t.name.endsWith('.bias_quantized') || t.name.endsWith('bias_quantized'));
    expect(biases.every((t) => tensorValues(t) instanceof Int32Array)).toBe(true);
    const bytes = encodeModel(result.proto);
    const ops = await optimizedOpCounts(bytes, 1, join(dir, 'opt.onnx'));
    expect(ops).toMatchObject({ QLinearConv: 2, QGemm: 3 });
    expect(ops.Conv ?? 0).toBe(0);

    const x = inputs(16, 7);
    const run = async (onnx: Uint8Array) => {
      const s = await createSession(onnx, { intraOpThreads: 1 });
      const out = await runSession(s, { [s.inputNames[0]!]: { dtype: 'float32', shape: [16, ...contract.shape], values: x } });
      await s.release();
      return out[s.outputNames[0]!]!.values as Float32Array;
    };
    const firstFloat = await quantizeInt8(proto, inputs(32, 1), contract.shape, { method: 'minmax', percentile: 99.99, threads: 1, floatNodes: new Set(['conv_0']) });
    expect(firstFloat.weights.map((w) => w.channels)).toEqual([16, 120, 84, 4]);
    expect(await optimizedOpCounts(encodeModel(firstFloat.proto), 1, join(dir, 'opt.onnx'))).toMatchObject({ QLinearConv: 1, QGemm: 3 });

    const [a, b] = [await run(encodeModel(proto)), await run(bytes)];
    const range = Math.max(...a) - Math.min(...a);
    const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(worst).toBeLessThan(0.05 * range);
    expect(worst).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { exportModelProto } from '../model/export';
import { createZooModel } from '../model/model';
import { DataType, encodeModel } from '../onnx/model';
import { createSession, runSession } from '../ort/session';
import { halfBits, halfValue, toFloat16Model } from './fp16';

describe('fp16', () => {
  it('rounds floats to binary16 to nearest even, with overflow, subnormals and underflow', () => {
    expect(halfBits(1)).toBe(0x3c00);
    expect(halfBits(-2)).toBe(0xc000);
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(65520)).toBe(0x7c00);
    expect(halfBits(2 ** -24)).toBe(1);
    expect(halfBits(2 ** -26)).toBe(0);
    expect(halfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(halfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(halfBits(NaN) & 0x7c00).toBe(0x7c00);
    for (const v of [0.1, -3.14159, 1000.5, 6e-5]) expect(Math.abs(halfValue(halfBits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
  });

  it('makes a model with half-precision weights that takes and gives float32', async () => {
    const contract = { shape: [1, 12, 12] as [number, number, number], classes: ['a', 'b', 'c'], normalize: { mean: [0], std: [1] } };
    const proto = exportModelProto(createZooModel(contract, { architecture: 'lenet5', width: 0.5, seed: 4 }), { foldBatchNorm: true });
    const half = toFloat16Model(proto);
    expect(half.graph.initializer.filter((t) => t.dataType === DataType.FLOAT)).toEqual([]);
    expect(half.graph.node[0]!.opType).toBe('Cast');
    const x = Float32Array.from({ length: 4 * 144 }, (_, i) => Math.cos(i));
    const run = async (bytes: Uint8Array) => {
      const s = await createSession(bytes, { intraOpThreads: 1 });
      const out = await runSession(s, { input: { dtype: 'float32', shape: [4, 1, 12, 12], values: x } });
      await s.release();
      return out.logits!.values as Float32Array;
    };
    const [a, b] = [await run(encodeModel(proto)), await run(encodeModel(half))];
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(2e-2 * (1 + Math.abs(v))));
  });
});

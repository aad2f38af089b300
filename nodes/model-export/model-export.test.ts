import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createZooModel } from '../../src/compute/model/model';
import { decodeModel } from '../../src/compute/onnx/model';
import { createSession, runSession } from '../../src/compute/ort/session';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const contract = { shape: [3, 16, 16] as [number, number, number], classes: ['cat', 'dog'], normalize: { mean: [0.5], std: [0.25] } };

describe('condense.model.export', () => {
  it('writes the ONNX file atomically relative to the graph and reports path, bytes and sha256', async () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-export-'));
    const model = createZooModel(contract, { architecture: 'vgg-small', width: 0.25, seed: 1 });
    const { outputs } = await runNode(node, { inputs: { model }, params: { path: 'out/vgg.onnx' }, graphDir: dir });
    const file = join(dir, 'out', 'vgg.onnx');
    const bytes = readFileSync(file);
    expect(readdirSync(join(dir, 'out'))).toEqual(['vgg.onnx']);
    expect(outputs.metrics.values.bytes).toBe(bytes.byteLength);
    expect(outputs.metrics.tables[0]!.rows[0]).toEqual([file, bytes.byteLength, createHash('sha256').update(bytes).digest('hex')]);
    const proto = decodeModel(new Uint8Array(bytes));
    expect(proto.graph.node.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    expect(JSON.parse(proto.metadataProps.find((e) => e.key === 'condense.input')!.value).classes).toEqual(['cat', 'dog']);
    const session = await createSession(new Uint8Array(bytes), { intraOpThreads: 1 });
    const out = await runSession(session, { input: { dtype: 'float32', shape: [5, 3, 16, 16], values: new Float32Array(5 * 768).fill(0.1) } });
    expect(out.logits!.shape).toEqual([5, 2]);

    const unfolded = await runNode(node, { inputs: { model }, params: { path: 'out/vgg.onnx', foldBatchNorm: false }, graphDir: dir });
    expect(decodeModel(new Uint8Array(readFileSync(file))).graph.node.some((n) => n.opType === 'BatchNormalization')).toBe(true);
    expect(unfolded.outputs.metrics.values.bytes).toBeGreaterThan(0);
    expect(node.cache).toBe('never');
  });

  it('with shrink, writes a smaller dense model with the same outputs as the masked one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-export-'));
    const model = createZooModel({ ...contract, shape: [1, 16, 16] }, { architecture: 'lenet5', seed: 2 });
    // Filters 0-7 of conv2 pruned as whole units: their constant relu(bias) folds into fc1's bias.
    const mask = new Uint8Array(model.params['conv2.weight']!.length).fill(1);
    mask.fill(0, 0, 8 * 6 * 25);
    model.compression.masks['conv2.weight'] = mask;
    const input = { dtype: 'float32' as const, shape: [2, 1, 16, 16], values: new Float32Array(512).map((_, i) => Math.sin(i)) };
    const logitsOf = async (path: string, shrink: boolean) => {
      const { outputs } = await runNode(node, { inputs: { model }, params: { path, shrink }, graphDir: dir! });
      const bytes = new Uint8Array(readFileSync(join(dir!, path)));
      const session = await createSession(bytes, { intraOpThreads: 1 });
      const out = await runSession(session, { input });
      await session.release();
      const conv2 = decodeModel(bytes).graph.initializer.find((t) => t.name === 'conv2.weight')!;
      return { metrics: outputs.metrics, logits: out.logits!.values as Float32Array, conv2: conv2.dims };
    };
    const masked = await logitsOf('masked.onnx', false);
    const shrunk = await logitsOf('shrunk.onnx', true);
    expect(masked.conv2).toEqual([16, 6, 5, 5]);
    expect(shrunk.conv2).toEqual([8, 6, 5, 5]);
    expect(masked.metrics.values.channels_removed).toBeUndefined();
    expect(shrunk.metrics.values.channels_removed).toBe(8);
    expect(shrunk.metrics.values.parameters).toBeLessThan(masked.metrics.values.parameters!);
    expect(shrunk.metrics.tables[1]!.rows).toEqual([['conv2', 8, 8]]);
    expect(Math.max(...masked.logits.map((v, i) => Math.abs(v - shrunk.logits[i]!)))).toBeLessThan(1e-5);
  });

  it('names a path it cannot write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-export-'));
    const model = createZooModel(contract, { architecture: 'mlp', width: 0.125 });
    await expect(runNode(node, { inputs: { model }, params: { path: '' }, graphDir: dir })).rejects.toThrow(/set path/);
    await runNode(node, { inputs: { model }, params: { path: 'taken' }, graphDir: dir });
    await expect(runNode(node, { inputs: { model }, params: { path: 'taken/x.onnx' }, graphDir: dir })).rejects.toThrow(/cannot write .*taken/);
    expect(existsSync(join(dir, 'taken'))).toBe(true);
  });
});

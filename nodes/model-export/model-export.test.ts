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

  it('names a path it cannot write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-export-'));
    const model = createZooModel(contract, { architecture: 'mlp', width: 0.125 });
    await expect(runNode(node, { inputs: { model }, params: { path: '' }, graphDir: dir })).rejects.toThrow(/set path/);
    await runNode(node, { inputs: { model }, params: { path: 'taken' }, graphDir: dir });
    await expect(runNode(node, { inputs: { model }, params: { path: 'taken/x.onnx' }, graphDir: dir })).rejects.toThrow(/cannot write .*taken/);
    expect(existsSync(join(dir, 'taken'))).toBe(true);
  });
});

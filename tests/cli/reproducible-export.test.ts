// The same graph and seed give the same exported ONNX bytes: nothing run-dependent (wall times,
// dates, paths) enters the file. Runs the real binary twice without the cache.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, graphFile, runCli, tempDir } from './helpers';

//  data (generated) --> model (mlp) --> train (1 epoch) --> export (model.onnx)
describe('exported ONNX', () => {
  it('is byte-identical across two runs of the same graph and seed', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const env = cliEnv(path.join(dir, 'home'));
    const file = graphFile(
      dir,
      'export',
      [
        { id: 'data', type: 'condense.data.dataset', params: { source: 'generated', classes: 3, trainCount: 192, testCount: 32, size: 16 } },
        { id: 'model', type: 'condense.model.create', params: { architecture: 'mlp', seed: 2 } },
        { id: 'train', type: 'condense.train.supervised', params: { epochs: 1, batchSize: 32 } },
        { id: 'export', type: 'condense.model.export', params: { path: 'model.onnx' } },
      ],
      ['data.train->model.dataset', 'model.model->train.model', 'data.train->train.train', 'train.model->export.model'],
    );
    const runs: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['run', file, '--no-cache'], env);
      expect(result.code, result.stderr).toBe(0);
      runs.push(readFileSync(path.join(dir, 'model.onnx')));
    }
    expect(runs[0]!.length).toBeGreaterThan(1000);
    expect(runs[1]!.equals(runs[0]!)).toBe(true);
  });
});

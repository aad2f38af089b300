import { describe, expect, it } from 'vitest';
import { summarizeOutput } from './summary';

describe('summarizeOutput', () => {
  it('summarizes a Dataset without its pixels', () => {
    const summary = summarizeOutput(
      {
        kind: 'dataset',
        name: 'fashion-mnist (train)',
        task: 'classify',
        count: 2,
        shape: [1, 28, 28],
        classes: ['a', 'b', 'c'],
        pixels: new Uint8Array(2 * 784),
        labels: new Int32Array(2),
        normalize: { mean: [0.5], std: [0.5] },
        source: { kind: 'bundled', files: [], note: 'bundled fallback' },
      },
      'Dataset',
    );
    expect(summary).toEqual({ type: 'Dataset', name: 'fashion-mnist (train)', task: 'classify', count: 2, shape: [1, 28, 28], classes: 3, source: 'bundled fallback' });
  });

  it('summarizes a Report and Metrics', () => {
    const image = { kind: 'artifact', sha256: 'a'.repeat(64), name: 'grid.png', mime: 'image/png', bytes: 10 };
    expect(summarizeOutput({ kind: 'report', title: 'T', images: [image], tables: [] }, 'Report')).toEqual({ type: 'Report', title: 'T', images: [image], tables: [] });
    expect(summarizeOutput({ kind: 'metrics', values: { acc: 0.9 }, tables: [] }, 'Metrics')).toEqual({ type: 'Metrics', values: { acc: 0.9 } });
    const badges = [{ label: 'latency', ok: false, detail: '7.2 ms > 5 ms (44% over)' }];
    expect(summarizeOutput({ kind: 'report', title: 'T', images: [], tables: [], badges }, 'Report')).toMatchObject({ badges });
  });

  it('summarizes a DeployPackage by its files, not their contents', () => {
    const pkg = {
      kind: 'deploy-package',
      target: 'host',
      precision: 'int8',
      folder: '/tmp/pkg',
      files: [
        { path: 'model.onnx', bytes: 1000, sha256: 'a'.repeat(64) },
        { path: 'manifest.json', bytes: 200, sha256: 'b'.repeat(64) },
      ],
    };
    expect(summarizeOutput(pkg, 'DeployPackage')).toEqual({ type: 'DeployPackage', target: 'host', precision: 'int8', folder: '/tmp/pkg', files: 2, bytes: 1200 });
  });

  it('uses a value\'s own summary, else just the port type', () => {
    expect(summarizeOutput({ kind: 'model', summary: { params: 1200 } }, 'Model')).toEqual({ type: 'Model', params: 1200 });
    const model = {
      kind: 'model',
      name: 'lenet5',
      architecture: { kind: 'zoo', name: 'lenet5', width: 1 },
      params: { 'fc.weight': new Float32Array(6), 'fc.bias': new Float32Array(2) },
      buffers: {},
      meta: { task: 'classify', inputShape: [1, 28, 28], classes: ['a', 'b'], normalize: { mean: [0], std: [1] }, lineage: [{ node: 'condense.model.create', params: {}, metrics: {} }] },
      compression: { masks: {}, codebooks: {} },
    };
    expect(summarizeOutput(model, 'Model')).toEqual({
      type: 'Model',
      name: 'lenet5',
      architecture: 'lenet5',
      task: 'classify',
      inputShape: [1, 28, 28],
      classes: 2,
      parameters: 8,
      stages: ['condense.model.create'],
    });
    expect(summarizeOutput({ big: new Float32Array(10) }, 'Model')).toEqual({ type: 'Model' });
    expect(summarizeOutput(3, 'Any')).toEqual({ type: 'Any', value: 3 });
  });
});

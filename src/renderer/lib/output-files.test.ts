import { describe, expect, it } from 'vitest';
import { writtenFilesOf } from './output-files';

describe('writtenFilesOf', () => {
  it("lists an export's file and a deploy package's folder, each once", () => {
    const files = writtenFilesOf({
      metrics: { type: 'Metrics', values: { bytes: 10 }, tables: [{ title: 'Exported file', columns: ['path', 'bytes', 'sha256'], rows: [['/h/outputs/untitled/model.onnx', 10, 'ab']] }] },
      package: { type: 'DeployPackage', folder: '/h/outputs/untitled/deploy/host-fp32', files: 4 },
      again: { type: 'DeployPackage', folder: '/h/outputs/untitled/deploy/host-fp32' },
    });
    expect(files).toEqual([
      { path: '/h/outputs/untitled/model.onnx', kind: 'file' },
      { path: '/h/outputs/untitled/deploy/host-fp32', kind: 'folder' },
    ]);
  });

  it('finds nothing in outputs that wrote no file', () => {
    expect(writtenFilesOf({ metrics: { type: 'Metrics', values: { accuracy: 0.9 }, tables: [{ columns: ['class', 'accuracy'], rows: [['a', 1]] }] } })).toEqual([]);
    expect(writtenFilesOf(undefined)).toEqual([]);
  });
});

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_FORMAT, packageFolderProblem, sha256Of, writePackageFolder } from './package-folder';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('package folder', () => {
  it('writes every file with a manifest of hashes, replacing the previous package as a whole', () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-package-'));
    const folder = join(dir, 'deploy', 'host-fp32');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'stale.bin'), 'from the last run');
    const files = writePackageFolder(folder, [{ path: 'model.onnx', data: new Uint8Array([1, 2, 3]) }, { path: 'c/model.c', data: 'int x;\n' }], (list) => ({ files: list }));
    expect(readdirSync(folder).sort()).toEqual(['c', 'manifest.json', 'model.onnx']);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.files).toEqual([
      { path: 'model.onnx', bytes: 3, sha256: sha256Of(new Uint8Array([1, 2, 3])) },
      { path: 'c/model.c', bytes: 7, sha256: sha256Of('int x;\n') },
    ]);
    expect(files.at(-1)).toEqual({ path: 'manifest.json', bytes: readFileSync(join(folder, 'manifest.json')).byteLength, sha256: sha256Of(readFileSync(join(folder, 'manifest.json'))) });
    expect(readdirSync(join(dir, 'deploy'))).toEqual(['host-fp32']);
  });

  it('leaves the previous package in place when writing fails', () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-package-'));
    const folder = join(dir, 'pkg');
    writePackageFolder(folder, [{ path: 'model.onnx', data: 'v1' }], (files) => ({ files }));
    expect(() => writePackageFolder(folder, [{ path: '../escape.txt', data: 'x' }], (files) => ({ files }))).toThrow(/leaves the package folder/);
    expect(readFileSync(join(folder, 'model.onnx'), 'utf8')).toBe('v1');
    expect(existsSync(join(dir, 'escape.txt'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['pkg']);
  });

  it('refuses to replace a folder that holds the graph or is not a package', () => {
    dir = mkdtempSync(join(tmpdir(), 'condense-package-'));
    const graphDir = join(dir, 'project');
    mkdirSync(join(dir, 'project', 'src'), { recursive: true });
    writeFileSync(join(dir, 'project', 'src', 'notes.txt'), 'mine');
    expect(packageFolderProblem(graphDir, graphDir)).toMatch(/holds .*project; the package folder is replaced as a whole/);
    expect(packageFolderProblem(dir, graphDir)).toMatch(/holds/);
    expect(packageFolderProblem(join(graphDir, 'src'), graphDir)).toMatch(/src exists and is not a deploy package/);
    expect(packageFolderProblem(join(graphDir, 'deploy', 'host-fp32'), graphDir)).toBeUndefined();
    writePackageFolder(join(graphDir, 'deploy', 'host-fp32'), [{ path: 'model.onnx', data: 'x' }], (files) => ({ format: PACKAGE_FORMAT, files }));
    expect(packageFolderProblem(join(graphDir, 'deploy', 'host-fp32'), graphDir)).toBeUndefined();
    mkdirSync(join(graphDir, 'empty'));
    expect(packageFolderProblem(join(graphDir, 'empty'), graphDir)).toBeUndefined();
  });
});

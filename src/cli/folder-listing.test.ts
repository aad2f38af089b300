import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFolder } from './folder-listing';

describe('listFolder', () => {
  it('lists folders first, then files, sorted, without hidden entries, with the parent', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'condense-list-'));
    mkdirSync(path.join(dir, 'b-data'));
    mkdirSync(path.join(dir, 'a-data'));
    writeFileSync(path.join(dir, 'z.onnx'), '');
    writeFileSync(path.join(dir, 'c.gz'), '');
    writeFileSync(path.join(dir, '.hidden'), '');
    expect(await listFolder(dir)).toEqual({
      dir,
      parent: path.dirname(dir),
      entries: [
        { name: 'a-data', kind: 'folder' },
        { name: 'b-data', kind: 'folder' },
        { name: 'c.gz', kind: 'file' },
        { name: 'z.onnx', kind: 'file' },
      ],
    });
    expect((await listFolder('/')).parent).toBeUndefined();
  });

  it('says what is wrong with a missing folder or a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'condense-list-'));
    writeFileSync(path.join(dir, 'f'), '');
    await expect(listFolder(path.join(dir, 'nope'))).rejects.toThrow(`${path.join(dir, 'nope')} does not exist`);
    await expect(listFolder(path.join(dir, 'f'))).rejects.toThrow('is not a folder');
  });
});

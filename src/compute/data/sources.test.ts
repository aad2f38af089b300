import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, writeCifarFolder, writeIdxFolder, writeImageFolder, writePairedFolder } from '../../../tests/fixtures/data/build';
import { NodeError } from '../../shared/node-sdk';
import { filesOfPlan, planSource, sourceFiles, type SourceParams } from './sources';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

const base: SourceParams = { source: 'idx', path: '', trainImages: '', trainLabels: '', testImages: '', testLabels: '', bundledMini: false };
const resolve = (p: string) => (p.startsWith('/') ? p : join(temp.dir, p));
const plan = (params: Partial<SourceParams>) => planSource({ ...base, ...params }, resolve);

describe('planSource', () => {
  it('finds the standard IDX names in a folder, resolving path against the graph folder', () => {
    writeIdxFolder(join(temp.dir, 'mnist'), { count: 4, rows: 2, cols: 2, classes: 2 }, { count: 2, rows: 2, cols: 2, classes: 2 });
    const files = filesOfPlan(plan({ path: 'mnist' }));
    expect(files.map((f) => f.slice(temp.dir.length + 1))).toEqual([
      'mnist/train-images-idx3-ubyte.gz',
      'mnist/train-labels-idx1-ubyte.gz',
      'mnist/t10k-images-idx3-ubyte.gz',
      'mnist/t10k-labels-idx1-ubyte.gz',
    ]);
  });

  it('lets explicit IDX file params override or replace the folder', () => {
    writeIdxFolder(join(temp.dir, 'a'), { count: 4, rows: 2, cols: 2, classes: 2 }, { count: 2, rows: 2, cols: 2, classes: 2 }, false);
    const explicit = plan({
      trainImages: 'a/train-images-idx3-ubyte',
      trainLabels: 'a/train-labels-idx1-ubyte',
      testImages: 'a/train-images-idx3-ubyte',
      testLabels: 'a/train-labels-idx1-ubyte',
    });
    expect(filesOfPlan(explicit)[2]).toBe(join(temp.dir, 'a/train-images-idx3-ubyte'));
  });

  it('says which IDX file is missing', () => {
    mkdirSync(join(temp.dir, 'empty'));
    expect(() => plan({ path: 'empty' })).toThrow(/empty: no trainImages IDX file \(missing train-images-idx3-ubyte\(\.gz\)/);
    expect(() => plan({ path: 'nowhere' })).toThrow(/nowhere: folder not found/);
    expect(() => plan({})).toThrow(/the idx source needs path/);
  });

  it('finds CIFAR batches or takes a single file', () => {
    writeCifarFolder(join(temp.dir, 'cifar'), 2);
    const folder = plan({ source: 'cifar-binary', path: 'cifar' });
    expect(folder.kind === 'cifar-binary' && [folder.train.length, folder.test?.length]).toEqual([5, 1]);
    const single = plan({ source: 'cifar-binary', path: 'cifar/data_batch_3.bin' });
    expect(single.kind === 'cifar-binary' && single.test).toBeUndefined();
    mkdirSync(join(temp.dir, 'nocifar'));
    expect(() => plan({ source: 'cifar-binary', path: 'nocifar' })).toThrow(/expected CIFAR-10 binary files/);
  });

  it('lists class folders, with or without train/test', () => {
    writeImageFolder(join(temp.dir, 'flat'), { classes: ['cat', 'dog'], perClass: 2 });
    const flat = plan({ source: 'image-folder', path: 'flat' });
    if (flat.kind !== 'image-folder') throw new Error('expected an image-folder plan');
    expect(flat.folders.classes).toEqual(['cat', 'dog']);
    expect(flat.folders.test).toBeUndefined();
    expect(flat.folders.train.map((files) => files.length)).toEqual([2, 2]);
    writeImageFolder(join(temp.dir, 'split'), { classes: ['a', 'b'], perClass: 1, splits: true });
    writeFileSync(join(temp.dir, 'split', 'train', 'a', 'notes.txt'), 'ignored');
    const split = plan({ source: 'image-folder', path: 'split' });
    expect(filesOfPlan(split)).toHaveLength(4);
    mkdirSync(join(temp.dir, 'noclasses'));
    expect(() => plan({ source: 'image-folder', path: 'noclasses' })).toThrow(/no class folders/);
  });

  it('matches paired names and names the first file without a partner', () => {
    writePairedFolder(join(temp.dir, 'pairs'), { count: 3 });
    expect(filesOfPlan(plan({ source: 'paired-folder', path: 'pairs' }))).toHaveLength(6);
    writeFileSync(join(temp.dir, 'pairs', 'input', 'extra.png'), 'x');
    const error = (() => {
      try {
        plan({ source: 'paired-folder', path: 'pairs' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).message).toContain(`${join(temp.dir, 'pairs', 'input', 'extra.png')}: paired-folder names do not match`);
    expect((error as NodeError).detail?.file).toBe(join(temp.dir, 'pairs', 'input', 'extra.png'));
  });

  it('gives no files (rather than throwing) while the params point at nothing', () => {
    expect(sourceFiles({ ...base, path: 'missing' }, resolve)).toEqual([]);
    expect(sourceFiles({ ...base, source: 'generated' }, resolve)).toEqual([]);
  });
});

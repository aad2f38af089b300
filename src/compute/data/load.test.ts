import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, solidImage, writeCifarFolder, writeIdxFolder, writeImageFolder, writePairedFolder } from '../../../tests/fixtures/data/build';
import { encodePng } from '../image/codec';
import { loadDatasetSplits, type DatasetParams, type LoadEnvironment } from './load';
import { classCounts } from './transforms';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

const defaults: DatasetParams = {
  source: 'generated',
  path: '',
  trainImages: '',
  trainLabels: '',
  testImages: '',
  testLabels: '',
  classNames: '',
  bundledMini: false,
  testFraction: 0.2,
  classes: 4,
  trainCount: 40,
  testCount: 12,
  size: 12,
  seed: 0,
  resize: 0,
  channels: 'keep',
  normalize: 'dataset',
  mean: '0.5',
  std: '0.5',
  perClassLimit: 0,
  testPerClassLimit: 0,
  validationSplit: 0,
  shiftSplits: 'all',
  invert: false,
  rotate: 0,
  noise: 0,
  blur: 0,
  contrast: 1,
  tint: '',
  tintStrength: 0.5,
};

function load(params: Partial<DatasetParams>, env: Partial<LoadEnvironment> = {}) {
  return loadDatasetSplits({ ...defaults, ...params }, { resolvePath: (p) => join(temp.dir, p), ...env });
}

const idxTrain = { count: 30, rows: 4, cols: 4, classes: 3 };
const idxTest = { count: 9, rows: 4, cols: 4, classes: 3 };

describe('loadDatasetSplits: idx', () => {
  beforeEach(() => writeIdxFolder(join(temp.dir, 'mnist'), idxTrain, idxTest));

  it('reads train and test with class names', () => {
    const { train, test, validation } = load({ source: 'idx', path: 'mnist', classNames: 'zero, one, two' });
    expect([train.count, test.count, validation.count]).toEqual([30, 9, 0]);
    expect(train.classes).toEqual(['zero', 'one', 'two']);
    expect(train.shape).toEqual([1, 4, 4]);
    expect(train.name).toBe('idx (train)');
    expect(validation.name).toContain('empty: validationSplit is 0');
    expect(train.source.files[0]).toBe(join(temp.dir, 'mnist', 'train-images-idx3-ubyte.gz'));
    expect(load({ source: 'idx', path: 'mnist' }).train.classes).toEqual(['0', '1', '2']);
    expect(() => load({ source: 'idx', path: 'mnist', classNames: 'a,b' })).toThrow(/label 2 of record \d+ is outside the 2 declared classes \(a, b\)/);
  });

  it('limits, splits validation off train and keeps the splits disjoint', () => {
    const { train, validation, test } = load({ source: 'idx', path: 'mnist', perClassLimit: 6, testPerClassLimit: 1, validationSplit: 0.5 });
    expect(classCounts(train)).toEqual([3, 3, 3]);
    expect(classCounts(validation)).toEqual([3, 3, 3]);
    expect(test.count).toBe(3);
    // Pixel 1 encodes the original index, so the two halves must not share one.
    const firstPixels = (ds: typeof train) => Array.from({ length: ds.count }, (_, i) => ds.pixels[i * 16 + 1]);
    const overlap = firstPixels(train).filter((v) => firstPixels(validation).includes(v));
    expect(overlap).toEqual([]);
  });

  it('resizes, changes channels and records normalisation', () => {
    const { train, test } = load({ source: 'idx', path: 'mnist', resize: 8, channels: '3', normalize: 'given', mean: '0.1,0.2,0.3', std: '0.5' });
    expect(train.shape).toEqual([3, 8, 8]);
    expect(test.shape).toEqual([3, 8, 8]);
    expect(train.normalize).toEqual({ mean: [0.1, 0.2, 0.3], std: [0.5, 0.5, 0.5] });
    expect(() => load({ source: 'idx', path: 'mnist', normalize: 'given', mean: '0.1,0.2' })).toThrow(/mean has 2 values but the images have 1 channel/);
    expect(() => load({ source: 'idx', path: 'mnist', normalize: 'given', std: '0' })).toThrow(/std must be positive numbers/);
    expect(load({ source: 'idx', path: 'mnist', normalize: 'none' }).train.normalize).toEqual({ mean: [0], std: [1] });
    const stats = load({ source: 'idx', path: 'mnist' }).test.normalize;
    expect(stats.mean[0]).toBeGreaterThan(0);
    expect(stats).toEqual(load({ source: 'idx', path: 'mnist' }).train.normalize);
  });

  it('shifts only the chosen splits', () => {
    const plain = load({ source: 'idx', path: 'mnist' });
    const shifted = load({ source: 'idx', path: 'mnist', invert: true, shiftSplits: 'test' });
    expect(Array.from(shifted.train.pixels)).toEqual(Array.from(plain.train.pixels));
    expect(shifted.test.pixels[0]).toBe(255 - plain.test.pixels[0]);
  });

  it('gives every split 3 channels when a tint shifts only one', () => {
    const { train, test } = load({ source: 'idx', path: 'mnist', tint: '#ff0000', shiftSplits: 'test' });
    expect(train.shape[0]).toBe(3);
    expect(test.shape[0]).toBe(3);
    expect(train.normalize.mean).toHaveLength(3);
  });

  it('reports progress in order and honours cancellation', () => {
    const seen: number[] = [];
    load({ source: 'idx', path: 'mnist' }, { progress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]))).toBe(true);
    expect(seen.at(-1)).toBe(1);
    const controller = new AbortController();
    controller.abort();
    expect(() => load({ source: 'idx', path: 'mnist' }, { signal: controller.signal })).toThrow(/abort/i);
  });
});

describe('loadDatasetSplits: other sources', () => {
  it('reads CIFAR batches with default and meta class names', () => {
    writeCifarFolder(join(temp.dir, 'cifar'), 4);
    const { train, test } = load({ source: 'cifar-binary', path: 'cifar' });
    expect([train.count, test.count]).toEqual([20, 4]);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(train.classes[0]).toBe('airplane');
    writeFileSync(join(temp.dir, 'cifar', 'batches.meta.txt'), Array.from({ length: 10 }, (_, i) => `k${i}`).join('\n'));
    expect(load({ source: 'cifar-binary', path: 'cifar' }).train.classes[3]).toBe('k3');
  });

  it('holds a test split out of a single CIFAR file', () => {
    writeCifarFolder(join(temp.dir, 'cifar'), 10);
    const { train, test } = load({ source: 'cifar-binary', path: 'cifar/data_batch_1.bin', testFraction: 0.2 });
    expect([train.count, test.count]).toEqual([8, 2]);
    expect(train.source.note).toContain('20% of each class held out as test');
  });

  it('reads an image folder (PNG and JPEG) and holds out a test split', () => {
    writeImageFolder(join(temp.dir, 'pets'), { classes: ['cat', 'dog'], perClass: 5, jpeg: true });
    const { train, test } = load({ source: 'image-folder', path: 'pets', testFraction: 0.4 });
    expect(train.classes).toEqual(['cat', 'dog']);
    expect(classCounts(train)).toEqual([3, 3]);
    expect(classCounts(test)).toEqual([2, 2]);
    expect(train.shape).toEqual([1, 8, 8]);
    const dogIndex = Array.from(train.labels).indexOf(1);
    expect(Math.abs(train.pixels[dogIndex * 64] - 80)).toBeLessThanOrEqual(2);
  });

  it('keeps colour from colour images and uses train/test folders when present', () => {
    writeImageFolder(join(temp.dir, 'colour'), { classes: ['a', 'b', 'c'], perClass: 2, splits: true, colour: true, size: 6 });
    const { train, test } = load({ source: 'image-folder', path: 'colour' });
    expect([train.count, test.count]).toEqual([6, 6]);
    expect(train.shape).toEqual([3, 6, 6]);
    expect(load({ source: 'image-folder', path: 'colour', channels: '1', resize: 4 }).train.shape).toEqual([1, 4, 4]);
  });

  it('gives grey and colour splits the same channel count, and refuses splits of different sizes', () => {
    writeImageFolder(join(temp.dir, 'both', 'train'), { classes: ['a', 'b'], perClass: 2, colour: true });
    writeImageFolder(join(temp.dir, 'both', 'test'), { classes: ['a', 'b'], perClass: 2 });
    const { train, test } = load({ source: 'image-folder', path: 'both' });
    expect([train.shape, test.shape]).toEqual([[3, 8, 8], [3, 8, 8]]);
    writeImageFolder(join(temp.dir, 'sizes', 'train'), { classes: ['a'], perClass: 2 });
    writeImageFolder(join(temp.dir, 'sizes', 'test'), { classes: ['a'], perClass: 2, size: 6 });
    expect(() => load({ source: 'image-folder', path: 'sizes' })).toThrow(/test images are 6x6 but train images are 8x8; set the resize param/);
  });

  it('names an image of a different size and suggests resize', () => {
    writeImageFolder(join(temp.dir, 'mixed'), { classes: ['a'], perClass: 3 });
    const odd = join(temp.dir, 'mixed', 'a', 'zz.png');
    writeFileSync(odd, encodePng(solidImage(5, 7, [10])));
    expect(() => load({ source: 'image-folder', path: 'mixed' })).toThrow(`${odd}: image is 5x7 but`);
    expect(load({ source: 'image-folder', path: 'mixed', resize: 6 }).train.shape).toEqual([1, 6, 6]);
  });

  it('names an unreadable image', () => {
    writeImageFolder(join(temp.dir, 'bad'), { classes: ['a'], perClass: 2 });
    const broken = join(temp.dir, 'bad', 'a', 'broken.png');
    writeFileSync(broken, 'not really a png');
    expect(() => load({ source: 'image-folder', path: 'bad' })).toThrow(`${broken}: not a PNG or JPEG image`);
  });

  it('reads paired folders into inputs and targets', () => {
    writePairedFolder(join(temp.dir, 'pairs'), { count: 4, splits: true });
    const { train, test } = load({ source: 'paired-folder', path: 'pairs', resize: 4 });
    expect(train.task).toBe('paired');
    expect([train.count, test.count]).toEqual([4, 4]);
    expect(train.targetShape).toEqual([1, 4, 4]);
    expect([train.pixels[16], train.targets?.[16]]).toEqual([10, 245]);
    const shifted = load({ source: 'paired-folder', path: 'pairs', invert: true });
    expect([shifted.train.pixels[64], shifted.train.targets?.[64]]).toEqual([245, 245]);
  });

  it('generates deterministic data from the seed', () => {
    const a = load({ seed: 3 });
    const b = load({ seed: 3 });
    const c = load({ seed: 4 });
    expect([a.train.count, a.test.count]).toEqual([40, 12]);
    expect(Buffer.from(a.train.pixels).equals(Buffer.from(b.train.pixels))).toBe(true);
    expect(Buffer.from(a.train.pixels).equals(Buffer.from(c.train.pixels))).toBe(false);
    expect(Buffer.from(a.train.pixels.subarray(0, 144)).equals(Buffer.from(a.test.pixels.subarray(0, 144)))).toBe(false);
    expect(load({ channels: '3', size: 16 }).train.shape).toEqual([3, 16, 16]);
  });
});

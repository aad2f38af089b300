// Bounded reading: headers are checked against the limits before anything is decoded or allocated, only
// regular files are read, and labels must fall inside the declared classes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cifarBytes, makeTempDir, solidImage } from '../../../tests/fixtures/data/build';
import { encodeJpeg, encodePng, imageSizeOf } from '../image/codec';
import { readCifarFiles } from './cifar';
import { gunzipIfNeeded, readFileBytes } from './files';
import { readImageStack } from './folder-images';
import { encodeIdx, readIdxFile, readIdxImagesAndLabels } from './idx';
import { loadDatasetSplits, type DatasetParams } from './load';

let temp: ReturnType<typeof makeTempDir>;
const saved = { ...process.env };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => {
  temp.remove();
  for (const key of ['CONDENSE_MAX_IMAGE_PIXELS', 'CONDENSE_MAX_FILE_BYTES', 'CONDENSE_MAX_DATASET_BYTES']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A PNG's signature and IHDR chunk alone. */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header)]);
}

/** A valid greyscale PNG of width x height black pixels: tiny on disk, huge once decoded. */
function blackPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.alloc((width + 1) * height);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array())]);
}

const DEFAULTS: DatasetParams = {
  source: 'idx', path: '', trainImages: '', trainLabels: '', testImages: '', testLabels: '', classNames: '', bundledMini: false,
  testFraction: 0.2, classes: 4, trainCount: 40, testCount: 12, size: 12, seed: 0, resize: 0, channels: 'keep', normalize: 'dataset',
  mean: '0.5', std: '0.5', perClassLimit: 0, testPerClassLimit: 0, validationSplit: 0, shiftSplits: 'all', invert: false, rotate: 0,
  noise: 0, blur: 0, contrast: 1, tint: '', tintStrength: 0.5,
};

describe('image pixel limits', () => {
  it('reads the size from PNG and JPEG headers without decoding', () => {
    expect(imageSizeOf(encodePng(solidImage(7, 5, [10])))).toEqual({ width: 7, height: 5 });
    expect(imageSizeOf(encodeJpeg(solidImage(9, 4, [10, 20, 30])))).toEqual({ width: 9, height: 4 });
    expect(imageSizeOf(pngHeader(20000, 20000))).toEqual({ width: 20000, height: 20000 });
  });

  it('refuses an image over the limit from its header, naming the file and the limit, even among small ones', () => {
    const dir = join(temp.dir, 'mixed');
    mkdirSync(dir);
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `a${i}.png`), encodePng(solidImage(8, 8, [i])));
    // 8000 x 8000 = 64 megapixels in about 60 KB of PNG: over the 50-megapixel default.
    writeFileSync(join(dir, 'b-huge.png'), blackPng(8000, 8000));
    const files = ['a0.png', 'a1.png', 'b-huge.png', 'a2.png'].map((name) => join(dir, name));
    expect(() => readImageStack(files, { channels: 'auto', resize: 0 })).toThrow(
      `${join(dir, 'b-huge.png')}: image is 8000x8000 (64.0 megapixels), over the limit of 50.0 megapixels per image; raise it with the environment variable CONDENSE_MAX_IMAGE_PIXELS`,
    );
  });

  it('without resize, an image of another size fails before it is decoded', () => {
    const files = [join(temp.dir, 'small.png'), join(temp.dir, 'large.png')];
    writeFileSync(files[0], encodePng(solidImage(8, 8, [1])));
    writeFileSync(files[1], blackPng(6000, 6000));
    expect(() => readImageStack(files, { channels: 'auto', resize: 0 })).toThrow(/large\.png: image is 6000x6000 but .*small\.png is 8x8/);
  });

  it('the limit is raised by its environment variable', () => {
    const file = join(temp.dir, 'one.png');
    writeFileSync(file, encodePng(solidImage(100, 100, [1])));
    process.env.CONDENSE_MAX_IMAGE_PIXELS = '5000';
    expect(() => readImageStack([file], { channels: 'auto', resize: 0 })).toThrow(/over the limit of 0\.0 megapixels per image/);
    process.env.CONDENSE_MAX_IMAGE_PIXELS = '10000';
    expect(readImageStack([file], { channels: 'auto', resize: 0 }).shape).toEqual([1, 100, 100]);
  });

  it('refuses a dataset whose decoded pixels would pass the dataset limit, before decoding', () => {
    const files = Array.from({ length: 4 }, (_, i) => join(temp.dir, `img${i}.png`));
    for (const file of files) writeFileSync(file, encodePng(solidImage(8, 8, [1])));
    process.env.CONDENSE_MAX_DATASET_BYTES = '1000';
    expect(() => readImageStack(files, { channels: 'auto', resize: 64 })).toThrow(/4 images of 12 KB each need 48 KB, over the 1000 bytes limit for one dataset/);
  });
});

describe('only regular files, within the file limit', () => {
  it('/dev/zero is refused at once, not read forever', () => {
    expect(() => readFileBytes('/dev/zero')).toThrow('/dev/zero: is a character device; only regular files are read');
    expect(() => readIdxFile('/dev/zero')).toThrow(/character device/);
  });

  it('a FIFO is refused without blocking on open', () => {
    const fifo = join(temp.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(() => readFileBytes(fifo)).toThrow(`${fifo}: is a pipe (FIFO); only regular files are read`);
  });

  it('/proc files are refused', () => {
    expect(() => readFileBytes('/proc/self/status')).toThrow(/\/proc is a system folder/);
  });

  it('a file over the size limit is refused from its size, naming the limit and how to raise it', () => {
    const file = join(temp.dir, 'big.bin');
    writeFileSync(file, new Uint8Array(4096));
    process.env.CONDENSE_MAX_FILE_BYTES = '1024';
    expect(() => readFileBytes(file)).toThrow(`${file}: is 4 KB, over the 1 KB limit for this file; raise it with the environment variable CONDENSE_MAX_FILE_BYTES`);
  });

  it('gzip data that inflates past the limit is stopped, whatever its trailer says', () => {
    process.env.CONDENSE_MAX_FILE_BYTES = String(64 * 1024);
    const bomb = new Uint8Array(gzipSync(new Uint8Array(1024 * 1024)));
    expect(() => gunzipIfNeeded(bomb, 'bomb.gz')).toThrow(/bomb\.gz: gzip data inflates to 1 MB, over the 64 KB limit/);
    // A lying trailer (declares 10 bytes) does not get past the inflate bound either.
    const lying = bomb.slice();
    new DataView(lying.buffer).setUint32(lying.length - 4, 10, true);
    expect(() => gunzipIfNeeded(lying, 'liar.gz')).toThrow(/liar\.gz: gzip data inflates to more than 64 KB/);
  });

  it('IDX images above the pixel limit are refused from the header', () => {
    const images = join(temp.dir, 'images.idx');
    const labels = join(temp.dir, 'labels.idx');
    writeFileSync(images, encodeIdx([1, 200, 200], new Uint8Array(40000)));
    writeFileSync(labels, encodeIdx([1], new Uint8Array(1)));
    process.env.CONDENSE_MAX_IMAGE_PIXELS = '1000';
    expect(() => readIdxImagesAndLabels(images, labels)).toThrow(`${images}: IDX images are 200x200 (40000 pixels each), over the limit of 1000 pixels per image`);
  });
});

describe('labels against the declared classes', () => {
  function writeIdx(labels: number[], names = 'mnist'): string {
    const dir = join(temp.dir, names);
    mkdirSync(dir);
    const count = labels.length;
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([count, 4, 4], new Uint8Array(count * 16)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([count], Uint8Array.from(labels)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([2, 4, 4], new Uint8Array(32)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([2], Uint8Array.from([0, 1])));
    return dir;
  }

  it('an IDX label outside classNames fails naming the labels file and the record', () => {
    writeIdx([0, 1, 255, 1]);
    const load = () => loadDatasetSplits({ ...DEFAULTS, path: 'mnist', classNames: 'zero,one' }, { resolvePath: (p) => join(temp.dir, p) });
    expect(load).toThrow(`${join(temp.dir, 'mnist', 'train-labels-idx1-ubyte')}: label 255 of record 2 is outside the 2 declared classes (zero, one)`);
  });

  it('IDX labels with gaps (a file of 255s) warn that most classes have no images', () => {
    writeIdx([255, 255, 255, 255]);
    const warnings: string[] = [];
    const splits = loadDatasetSplits({ ...DEFAULTS, path: 'mnist' }, { resolvePath: (p) => join(temp.dir, p), log: (message, level) => level === 'warn' && warnings.push(message) });
    expect(splits.train.classes.length).toBe(256);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/train-labels-idx1-ubyte: 253 of 256 classes have no images \(2, 3, 4, /);
  });

  it('a CIFAR label beyond the ten CIFAR-10 classes fails naming the batch file', () => {
    const bytes = cifarBytes(3);
    bytes[3073] = 250;
    const file = join(temp.dir, 'data_batch_1.bin');
    writeFileSync(file, bytes);
    expect(() => readCifarFiles([file], undefined, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'])).toThrow(
      `${file}: label 250 of record 1 is outside the 10 declared classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck)`,
    );
    const load = () => loadDatasetSplits({ ...DEFAULTS, source: 'cifar-binary', path: 'data_batch_1.bin' }, { resolvePath: (p) => join(temp.dir, p) });
    expect(load).toThrow(/label 250 of record 1 is outside the 10 declared classes/);
  });
});

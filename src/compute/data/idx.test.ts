import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixturePixel, idxFixtureBytes, makeTempDir } from '../../../tests/fixtures/data/build';
import { NodeError } from '../../shared/node-sdk';
import { encodeIdx, parseIdx, readIdxFile, readIdxImagesAndLabels } from './idx';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

function write(name: string, bytes: Uint8Array): string {
  const file = join(temp.dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('IDX reader', () => {
  it('parses the header and data', () => {
    const parsed = parseIdx(encodeIdx([2, 3], new Uint8Array([1, 2, 3, 4, 5, 6])), 'x');
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads gzipped and plain files alike, detecting gzip by magic and not by name', () => {
    const { images } = idxFixtureBytes({ count: 3, rows: 2, cols: 2, classes: 2 }, true);
    const gz = readIdxFile(write('images.idx', images));
    const plain = readIdxFile(write('images.gz', parseIdxRaw(images)));
    expect(gz.dims).toEqual([3, 2, 2]);
    expect(Array.from(plain.data)).toEqual(Array.from(gz.data));
  });

  it('keeps images and labels together', () => {
    const { images, labels } = idxFixtureBytes({ count: 5, rows: 3, cols: 2, classes: 3 }, false);
    const read = readIdxImagesAndLabels(write('i', images), write('l', labels));
    expect(read.shape).toEqual([1, 3, 2]);
    expect(Array.from(read.labels)).toEqual([0, 1, 2, 0, 1]);
    expect(read.pixels[4 * 6]).toBe(fixturePixel(1, 4, 0));
    expect(read.pixels[4 * 6 + 5]).toBe(fixturePixel(1, 4, 5));
  });

  it('turns [n, h, w, 3] colour IDX into channels first', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const read = readIdxImagesAndLabels(write('c', encodeIdx([1, 1, 2, 3], data)), write('l', encodeIdx([1], new Uint8Array([0]))));
    expect(read.shape).toEqual([3, 1, 2]);
    expect(Array.from(read.pixels)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('rejects a bad magic number, naming the file', () => {
    const file = write('bad-magic', new Uint8Array([1, 2, 3, 4, 0, 0, 0, 1, 9]));
    expect(() => readIdxFile(file)).toThrow(NodeError);
    expect(() => readIdxFile(file)).toThrow(`${file}: bad IDX magic number (01 02 03 04)`);
  });

  it('rejects unsupported data types and truncated data', () => {
    const floats = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(() => readIdxFile(write('floats', floats))).toThrow(/IDX data type float is not supported/);
    const truncated = encodeIdx([4, 2], new Uint8Array(8)).subarray(0, 15);
    expect(() => readIdxFile(write('short', truncated))).toThrow(/short: IDX size mismatch: the header \[4 x 2\] needs 8 data bytes but the file has 3/);
  });

  it('rejects corrupt gzip data, naming the file', () => {
    const gz = gzipSync(encodeIdx([2], new Uint8Array([1, 2])));
    gz[gz.length - 6] ^= 0xff;
    gz[12] ^= 0xff;
    const file = write('corrupt.gz', gz);
    expect(() => readIdxFile(file)).toThrow(`${file}: corrupt gzip data`);
  });

  it('rejects image/label count mismatches and missing files', () => {
    const a = idxFixtureBytes({ count: 4, rows: 2, cols: 2, classes: 2 }, false);
    const b = idxFixtureBytes({ count: 3, rows: 2, cols: 2, classes: 2 }, false);
    const labels = write('labels', b.labels);
    expect(() => readIdxImagesAndLabels(write('images', a.images), labels)).toThrow(`${labels}: has 3 labels but`);
    const missing = join(temp.dir, 'nope.gz');
    expect(() => readIdxFile(missing)).toThrow(`${missing}: file not found`);
  });

  it('rejects a labels file passed as images', () => {
    const { labels } = idxFixtureBytes({ count: 3, rows: 2, cols: 2, classes: 2 }, false);
    const file = write('labels-as-images', labels);
    expect(() => readIdxImagesAndLabels(file, file)).toThrow(/expected an IDX images file with dimensions \[count, rows, cols\]/);
  });
});

function parseIdxRaw(gz: Uint8Array): Uint8Array {
  const parsed = parseIdx(new Uint8Array(gunzipSync(gz)), 'x');
  return encodeIdx(parsed.dims, parsed.data);
}

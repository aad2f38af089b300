import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cifarBytes, makeTempDir } from '../../../tests/fixtures/data/build';
import { parseCifarBinary, parseCifarMeta, readCifarFiles } from './cifar';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

describe('CIFAR binary reader', () => {
  it('reads labels and channel-first pixels', () => {
    const read = parseCifarBinary(cifarBytes(3), 'b.bin');
    expect(read.count).toBe(3);
    expect(read.shape).toEqual([3, 32, 32]);
    expect(Array.from(read.labels)).toEqual([0, 1, 2]);
    const second = read.pixels.subarray(3072, 6144);
    expect([second[0], second[1024], second[2048]]).toEqual([20, 100, 1]);
  });

  it('concatenates batch files in order', () => {
    const a = join(temp.dir, 'a.bin');
    const b = join(temp.dir, 'b.bin');
    writeFileSync(a, cifarBytes(2));
    writeFileSync(b, cifarBytes(3));
    const read = readCifarFiles([a, b]);
    expect(read.count).toBe(5);
    expect(Array.from(read.labels)).toEqual([0, 1, 0, 1, 2]);
  });

  it('rejects a size that is not a multiple of 3073, naming the file', () => {
    const file = join(temp.dir, 'data_batch_1.bin');
    writeFileSync(file, cifarBytes(2).subarray(0, 5000));
    expect(() => readCifarFiles([file])).toThrow(`${file}: CIFAR binary file size 5000 bytes is not a multiple of 3073`);
  });

  it('reads class names from batches.meta.txt', () => {
    expect(parseCifarMeta('airplane\nautomobile\n\n')).toEqual(['airplane', 'automobile']);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, solidImage } from '../../../tests/fixtures/data/build';
import { encodePng } from '../image/codec';
import { isImageName, listImages, readImageStack } from './folder-images';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

function write(name: string, values: number[], size = 4): string {
  const file = join(temp.dir, name);
  writeFileSync(file, encodePng(solidImage(size, size, values)));
  return file;
}

describe('readImageStack', () => {
  it('stacks images channels first, grey when nothing has colour', () => {
    const files = [write('a.png', [10]), write('b.png', [20, 20, 20])];
    const stack = readImageStack(files, { channels: 'auto', resize: 0 });
    expect(stack.shape).toEqual([1, 4, 4]);
    expect([stack.pixels[0], stack.pixels[16]]).toEqual([10, 20]);
  });

  it('turns every image to colour when one has colour', () => {
    const stack = readImageStack([write('a.png', [10]), write('b.png', [200, 0, 0])], { channels: 'auto', resize: 0 });
    expect(stack.shape).toEqual([3, 4, 4]);
    expect([stack.pixels[0], stack.pixels[16], stack.pixels[48], stack.pixels[64]]).toEqual([10, 10, 200, 0]);
  });

  it('resizes while reading, reports progress and stops when cancelled', () => {
    const files = [write('a.png', [50], 6), write('b.png', [60], 9)];
    const seen: number[] = [];
    const stack = readImageStack(files, { channels: 1, resize: 3, onProgress: (n) => seen.push(n) });
    expect(stack.shape).toEqual([1, 3, 3]);
    expect(seen).toEqual([0]);
    const controller = new AbortController();
    controller.abort();
    expect(() => readImageStack(files, { channels: 1, resize: 3, signal: controller.signal })).toThrow(/abort/i);
  });

  it('lists only image files, sorted', () => {
    write('b.PNG', [1]);
    write('a.jpg', [1]);
    writeFileSync(join(temp.dir, 'notes.txt'), '');
    expect(listImages(temp.dir).map((f) => f.slice(temp.dir.length + 1))).toEqual(['a.jpg', 'b.PNG']);
    expect(isImageName('x.jpeg')).toBe(true);
    expect(isImageName('x.gif')).toBe(false);
  });
});

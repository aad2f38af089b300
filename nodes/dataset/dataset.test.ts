import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeIdx } from '../../src/compute/data/idx';
import { describeNode, NodeError } from '../../src/shared/node-sdk';
import {
  cifarBytes,
  idxFixtureBytes,
  makeTempDir,
  writeIdxFolder,
  writeImageFolder,
  writePairedFolder,
} from '../../tests/fixtures/data/build';
import { runNode } from '../../tests/helpers/node-context';
import node from './index';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => {
  temp.remove();
  vi.unstubAllEnvs();
});

const run = (params: Parameters<typeof runNode<typeof node.inputs, typeof node.outputs, typeof node.params>>[1]['params']) =>
  runNode(node, { params, graphDir: temp.dir });

const FULL = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

describe('condense.data.dataset', () => {
  it('describes itself with help text and defaults', () => {
    const descriptor = describeNode(node, readFileSync(join(import.meta.dirname, 'README.md'), 'utf8'));
    expect(descriptor.defaults.source).toBe('fashion-mnist');
    const props = descriptor.paramsSchema.properties as Record<string, { help?: string; maximum?: number }>;
    expect(props.rotate.help).toMatch(/rotate/i);
    expect(props.validationSplit.maximum).toBe(0.9);
    expect(Object.keys(descriptor.outputs)).toEqual(['train', 'test', 'validation']);
  });

  it.skipIf(!existsSync(FULL))('loads the full Fashion-MNIST from the system folder', async () => {
    const { outputs, ctx } = await run({});
    expect([outputs.train.count, outputs.test.count]).toEqual([60000, 10000]);
    expect(outputs.train.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(outputs.train.normalize.mean[0]).toBeCloseTo(0.286, 3);
    expect(outputs.train.normalize.std[0]).toBeCloseTo(0.353, 3);
    expect(ctx.recorded.logs.some((l) => l.level === 'warn')).toBe(false);
    expect(ctx.recorded.progress.at(-1)?.fraction).toBe(1);
    expect(node.files?.(node.params.parse({}), (p) => p)).toContain(FULL);
  });

  it('falls back to the bundled subset and says so when the system folder is missing', async () => {
    vi.stubEnv('CONDENSE_FASHION_MNIST_DIR', join(temp.dir, 'not-installed'));
    const { outputs, ctx } = await run({});
    expect([outputs.train.count, outputs.test.count]).toEqual([6000, 1000]);
    expect(outputs.train.name).toBe('fashion-mnist-mini (train)');
    expect(outputs.train.source.note).toContain(`Fashion-MNIST not found in ${join(temp.dir, 'not-installed')}`);
    expect(ctx.recorded.logs.find((l) => l.level === 'warn')?.message).toContain('bundled Fashion-MNIST subset');
    const files = node.files?.(node.params.parse({}), (p) => p) ?? [];
    expect(files).toHaveLength(4);
    expect(files.every((f) => f.includes('fashion-mnist-mini'))).toBe(true);
  });

  it('reads the bundled subset on purpose with bundledMini, without a warning', async () => {
    const { outputs, ctx } = await run({ bundledMini: true, perClassLimit: 10, validationSplit: 0.2 });
    expect([outputs.train.count, outputs.validation.count, outputs.test.count]).toEqual([80, 20, 1000]);
    expect(ctx.recorded.logs.some((l) => l.level === 'warn')).toBe(false);
  });

  it('makes the same generated data for the same seed, and different data for another', async () => {
    const params = { source: 'generated', classes: 3, trainCount: 30, testCount: 9, size: 10 } as const;
    const a = await run({ ...params, seed: 7 });
    const b = await run({ ...params, seed: 7 });
    const c = await run({ ...params, seed: 8 });
    expect(a.outputs.train.count).toBe(30);
    expect(Buffer.from(a.outputs.train.pixels).equals(Buffer.from(b.outputs.train.pixels))).toBe(true);
    expect(Buffer.from(a.outputs.train.pixels).equals(Buffer.from(c.outputs.train.pixels))).toBe(false);
    expect(node.files?.(node.params.parse(params), (p) => p)).toEqual([]);
  });

  it('shifts a source into a new domain', async () => {
    const plain = await run({ bundledMini: true, testPerClassLimit: 2 });
    const shifted = await run({ bundledMini: true, testPerClassLimit: 2, shiftSplits: 'test', invert: true, rotate: 15, blur: 0.8, noise: 5, contrast: 0.8, tint: '#ff8800' });
    expect(shifted.outputs.test.shape).toEqual([3, 28, 28]);
    expect(shifted.outputs.test.pixels[0]).toBeGreaterThan(150);
    expect(plain.outputs.test.pixels[0]).toBeLessThan(20);
  });

  describe('placeOnCanvas', () => {
    const small = { bundledMini: true, perClassLimit: 3, testPerClassLimit: 2, validationSplit: 0.34 } as const;
    const placed = { ...small, placeOnCanvas: true, canvasSize: 64, clutter: 4, clutterSize: 8 } as const;

    it('declares the placement params, applying only on a canvas', () => {
      const descriptor = describeNode(node, readFileSync(join(import.meta.dirname, 'README.md'), 'utf8'));
      const props = descriptor.paramsSchema.properties as Record<string, { help?: string; appliesWhen?: unknown; minimum?: number; maximum?: number }>;
      expect(descriptor.defaults.placeOnCanvas).toBe(false);
      for (const name of ['canvasSize', 'placeScaleMin', 'placeScaleMax', 'clutter', 'clutterSize']) {
        expect(props[name]?.appliesWhen, name).toEqual({ placeOnCanvas: [true] });
        expect(props[name]?.help, name).toMatch(/placeOnCanvas/);
      }
      expect([props.canvasSize?.minimum, props.canvasSize?.maximum]).toEqual([32, 256]);
    });

    it('places every split on the canvas with its boxes, the object unchanged inside its box', async () => {
      const plain = await run(small);
      const { outputs, ctx } = await run(placed);
      for (const split of ['train', 'test', 'validation'] as const) {
        const data = outputs[split];
        const original = plain.outputs[split];
        expect(data.shape).toEqual([1, 64, 64]);
        expect(data.count).toBe(original.count);
        expect(data.boxes?.length).toBe(4 * data.count);
        expect(data.source.note).toContain('64x64 canvas, 4 fragments of 8 px');
        for (let n = 0; n < data.count; n++) {
          const [x0, y0, x1, y1] = Array.from(data.boxes!.subarray(4 * n, 4 * n + 4));
          expect([x1 - x0, y1 - y0]).toEqual([28, 28]);
          for (let y = 0; y < 28; y++)
            for (let x = 0; x < 28; x++) expect(data.pixels[n * 64 * 64 + (y0 + y) * 64 + x0 + x]).toBe(original.pixels[n * 28 * 28 + y * 28 + x]);
        }
      }
      // Train and test are placed from different random streams.
      const firstBoxes = (d: typeof outputs.train) => Array.from(d.boxes!.subarray(0, 8));
      expect(firstBoxes(outputs.train)).not.toEqual(firstBoxes(outputs.test));
      // The statistics are those of the canvases (mostly background).
      expect(outputs.train.normalize.mean[0]).toBeLessThan(plain.outputs.train.normalize.mean[0]! / 2);
      expect(ctx.recorded.logs.some((l) => l.level === 'warn')).toBe(false);
      const again = await run(placed);
      expect(Buffer.from(again.outputs.test.pixels).equals(Buffer.from(outputs.test.pixels))).toBe(true);
      expect(Array.from(again.outputs.train.boxes!)).toEqual(Array.from(outputs.train.boxes!));
    });

    it('scales objects within the range, after resize', async () => {
      const { outputs } = await run({ ...placed, resize: 20, placeScaleMin: 1, placeScaleMax: 2, canvasSize: 48, clutter: 0 });
      const sides = Array.from({ length: outputs.train.count }, (_, n) => outputs.train.boxes![4 * n + 2]! - outputs.train.boxes![4 * n]!);
      expect(Math.min(...sides)).toBeGreaterThanOrEqual(20);
      expect(Math.max(...sides)).toBeLessThanOrEqual(40);
      expect(outputs.train.shape).toEqual([1, 48, 48]);
    });

    it('states the canvas shape and the boxes as facts, and a canvas too small as an issue on its param', () => {
      const infer = (params: Record<string, unknown>) => node.infer!(node.params.parse(params), {});
      const facts = infer(placed);
      expect(facts.outputs?.train).toEqual({ task: 'classify', shape: [1, 64, 64], classes: 10, boxes: true });
      expect(facts.issues).toBeUndefined();
      const rotatedTest = infer({ ...placed, rotate: 20, shiftSplits: 'test' });
      expect([rotatedTest.outputs?.train?.boxes, rotatedTest.outputs?.test?.boxes]).toEqual([true, undefined]);
      expect(infer(small).outputs?.train?.boxes).toBeUndefined();
      expect(infer({ ...placed, canvasSize: 48, placeScaleMax: 2 }).issues).toEqual([
        { param: 'canvasSize', message: 'canvasSize 48 px is smaller than the images at placeScaleMax (28x28 px x 2 = 56 px); raise canvasSize to at least 56 or lower placeScaleMax' },
      ]);
      expect(infer({ ...placed, placeScaleMin: 2, placeScaleMax: 1.5, canvasSize: 128 }).issues?.[0]?.param).toBe('placeScaleMin');
      expect(infer({ source: 'generated', size: 16, placeOnCanvas: true, canvasSize: 32, clutter: 1, clutterSize: 20 }).issues?.[0]?.param).toBe('clutterSize');
      // Params that do not apply (no canvas) raise nothing.
      expect(infer({ ...small, canvasSize: 32, placeScaleMax: 4 }).issues).toBeUndefined();
    });

    it('fails at run time naming the param when the images read do not fit', async () => {
      writeIdxFolder(join(temp.dir, 'big'), { count: 4, rows: 40, cols: 40, classes: 2 }, { count: 2, rows: 40, cols: 40, classes: 2 });
      const error = await run({ source: 'idx', path: 'big', placeOnCanvas: true, canvasSize: 32 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NodeError);
      expect((error as NodeError).detail?.param).toBe('canvasSize');
      expect((error as NodeError).message).toContain('40x40 px');
    });
  });

  describe('bad input gives a NodeError naming the file', () => {
    async function failure(params: Record<string, unknown>): Promise<NodeError> {
      try {
        await run(params);
      } catch (error) {
        expect(error).toBeInstanceOf(NodeError);
        return error as NodeError;
      }
      throw new Error('expected the node to fail');
    }

    const small = { count: 6, rows: 2, cols: 2, classes: 2 };

    it('missing file', async () => {
      writeIdxFolder(join(temp.dir, 'm'), small, small);
      const missing = join(temp.dir, 'm', 'gone.gz');
      const error = await failure({ source: 'idx', path: 'm', testLabels: 'm/gone.gz' });
      expect(error.message).toBe(`${missing}: file not found`);
      expect(error.detail?.file).toBe(missing);
    });

    it('bad IDX magic number', async () => {
      writeIdxFolder(join(temp.dir, 'm'), small, small, false);
      const file = join(temp.dir, 'm', 't10k-images-idx3-ubyte');
      writeFileSync(file, new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
      expect((await failure({ source: 'idx', path: 'm' })).message).toContain(`${file}: bad IDX magic number`);
    });

    it('image and label counts that do not match', async () => {
      writeIdxFolder(join(temp.dir, 'm'), small, small, false);
      const labels = join(temp.dir, 'm', 'train-labels-idx1-ubyte');
      writeFileSync(labels, encodeIdx([5], new Uint8Array(5)));
      expect((await failure({ source: 'idx', path: 'm' })).message).toContain(`${labels}: has 5 labels but`);
    });

    it('corrupt gzip', async () => {
      writeIdxFolder(join(temp.dir, 'm'), small, small);
      const file = join(temp.dir, 'm', 'train-images-idx3-ubyte.gz');
      const bytes = idxFixtureBytes(small, true).images.slice(0, 30);
      writeFileSync(file, bytes);
      expect((await failure({ source: 'idx', path: 'm' })).message).toContain(`${file}: corrupt gzip data`);
    });

    it('unreadable image', async () => {
      writeImageFolder(join(temp.dir, 'imgs'), { classes: ['a', 'b'], perClass: 2 });
      const file = join(temp.dir, 'imgs', 'b', '001.png');
      writeFileSync(file, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
      expect((await failure({ source: 'image-folder', path: 'imgs' })).message).toContain(`${file}: unreadable PNG image`);
    });

    it('CIFAR file size not a multiple of 3073', async () => {
      const file = join(temp.dir, 'one.bin');
      writeFileSync(file, cifarBytes(2).subarray(1));
      expect((await failure({ source: 'cifar-binary', path: 'one.bin' })).message).toContain(`${file}: CIFAR binary file size 6145 bytes`);
    });

    it('paired-folder names that do not match', async () => {
      writePairedFolder(join(temp.dir, 'pairs'), { count: 2 });
      const extra = join(temp.dir, 'pairs', 'target', 'lonely.png');
      writeFileSync(extra, readFileSync(join(temp.dir, 'pairs', 'target', 'p0.png')));
      const error = await failure({ source: 'paired-folder', path: 'pairs' });
      expect(error.message).toContain(`${extra}: paired-folder names do not match (no file named lonely.* in`);
    });

    it('a folder that does not exist', async () => {
      const error = await failure({ source: 'image-folder', path: 'nowhere' });
      expect(error.message).toContain(`${join(temp.dir, 'nowhere')}: folder not found`);
      expect(error.detail?.param).toBe('path');
    });
  });
});

import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bundledFashionMnistDir, FASHION_MNIST_DIR_ENV, locateFashionMnist, standardIdxFiles } from './fashion-mnist';
import { readIdxImagesAndLabels } from './idx';

afterEach(() => vi.unstubAllEnvs());

describe('Fashion-MNIST location', () => {
  it('finds the bundled subset with all four files', () => {
    const dir = bundledFashionMnistDir();
    expect(dir).toBeDefined();
    expect(standardIdxFiles(dir as string).missing).toEqual([]);
  });

  it('bundles 600 train and 100 test images per class', () => {
    const files = standardIdxFiles(bundledFashionMnistDir() as string).files!;
    const train = readIdxImagesAndLabels(files.trainImages, files.trainLabels);
    const test = readIdxImagesAndLabels(files.testImages, files.testLabels);
    const perClass = (labels: Int32Array) => Array.from({ length: 10 }, (_, k) => labels.filter((l) => l === k).length);
    expect(perClass(train.labels)).toEqual(new Array(10).fill(600));
    expect(perClass(test.labels)).toEqual(new Array(10).fill(100));
  });

  it('falls back to the bundle, and says so, when the folder is missing', () => {
    vi.stubEnv(FASHION_MNIST_DIR_ENV, '/nonexistent/fashion-mnist');
    const located = locateFashionMnist(false);
    expect(located.fallback).toBe(true);
    expect(located.note).toContain('Fashion-MNIST not found in /nonexistent/fashion-mnist');
    expect(located.files?.trainImages).toContain('fashion-mnist-mini');
  });

  it.skipIf(!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'))('uses the system copy when present', () => {
    const located = locateFashionMnist(false);
    expect(located.fallback).toBe(false);
    expect(located.files?.trainImages).toBe('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
    expect(locateFashionMnist(true).files?.trainImages).toContain('fashion-mnist-mini');
  });
});

import { describe, expect, it } from 'vitest';
import { runNode } from '../../../tests/helpers/node-context';
import datasetNode, { datasetFacts } from '../../../nodes/dataset/index';
import { generateDataset } from './generated.ts';
import { imageTaskDataset, imageTaskSplits, padImages } from './image-tasks.ts';
import { NO_SHIFT } from './transforms.ts';

const source = generateDataset({ classes: 3, count: 24, size: 28, channels: 1, seed: 3, stream: 1, name: 'shapes' });
const options = { noise: 30, shift: NO_SHIFT, shuffleTargets: false, seed: 5 };
const image = (pixels: Uint8Array, i: number, size = 32 * 32) => pixels.subarray(i * size, (i + 1) * size);

describe('image-to-image tasks from a classification source', () => {
  it('pads 28x28 images, centred, to 32x32 and keeps the image as the target', () => {
    const padded = padImages(source, [1, 32, 32]);
    expect(padded.shape).toEqual([1, 32, 32]);
    // Row 2, column 2 of the padded image is pixel (0, 0) of the original; the border is zero.
    expect(padded.pixels[2 * 32 + 2]).toBe(source.pixels[0]);
    expect(padded.pixels[0]).toBe(0);
    for (const task of ['super-resolution', 'edges', 'denoise'] as const) {
      const d = imageTaskDataset(source, task, options);
      expect(d.task).toBe('paired');
      expect(d.shape).toEqual([1, 32, 32]);
      expect(d.targetShape).toEqual([1, 32, 32]);
      expect(d.targets).toEqual(padded.pixels);
      expect(d.normalize).toEqual({ mean: [0.5], std: [0.5] });
      expect(d.source.note).toMatch(/28x28 -> 32x32/);
      expect(d.pixels).not.toEqual(d.targets);
    }
  });

  it('super-resolution loses the fine detail, edges are zero on flat regions, denoising adds noise of the given size', () => {
    const sr = imageTaskDataset(source, 'super-resolution', options);
    const edges = imageTaskDataset(source, 'edges', options);
    const noisy = imageTaskDataset(source, 'denoise', options);
    let [srErr, noiseSq, n] = [0, 0, 0];
    for (let k = 0; k < sr.pixels.length; k++) {
      srErr += Math.abs(sr.pixels[k]! - sr.targets![k]!);
      // Away from clamping at 0 and 255 the noise is the difference.
      if (noisy.targets![k]! > 100 && noisy.targets![k]! < 155) {
        noiseSq += (noisy.pixels[k]! - noisy.targets![k]!) ** 2;
        n++;
      }
    }
    expect(srErr / sr.pixels.length).toBeGreaterThan(1);
    expect(srErr / sr.pixels.length).toBeLessThan(40);
    if (n > 100) expect(Math.sqrt(noiseSq / n)).toBeCloseTo(30, -1);
    // The zero border (two pixels wide plus the Sobel reach) has no edges.
    expect(edges.pixels[0]).toBe(0);
    const flat = { ...source, count: 1, pixels: new Uint8Array(28 * 28).fill(90), labels: new Int32Array(1) };
    expect(image(imageTaskDataset(flat, 'edges', options).pixels, 0)[16 * 32 + 16]).toBe(0);
  });

  it('unpaired: B is the shifted image, shuffled against A in train and aligned (ground truth) in test', () => {
    const splits = imageTaskSplits({ train: source, test: source, validation: { ...source, count: 0, pixels: new Uint8Array(0), labels: new Int32Array(0) } }, 'unpaired', { noise: 0, shift: NO_SHIFT, seed: 1 });
    const padded = padImages(source, [1, 32, 32]);
    const inverted = padded.pixels.map((v) => 255 - v);
    expect(splits.test.targets).toEqual(inverted);
    expect(splits.train.targets).not.toEqual(inverted);
    // The same B images, in another order.
    expect([...splits.train.targets!].sort()).toEqual([...inverted].sort());
    expect(splits.train.source.note).toMatch(/no pair given/);
    expect(splits.validation.count).toBe(0);
  });

  it('the Dataset node exposes the tasks: facts before the run, paired 32x32 splits after', async () => {
    const p = datasetNode.params.parse({ source: 'generated', size: 28, trainCount: 40, testCount: 20, imageTask: 'edges' });
    expect(datasetFacts(p)).toEqual({ task: 'paired', shape: [1, 32, 32] });
    const { outputs } = await runNode(datasetNode, { params: { source: 'generated', size: 28, trainCount: 40, testCount: 20, imageTask: 'unpaired', rotate: 90 } });
    expect(outputs.train.task).toBe('paired');
    expect(outputs.test.targetShape).toEqual([1, 32, 32]);
    expect(outputs.test.source.note).toMatch(/rotated 90/);
    await expect(runNode(datasetNode, { params: { source: 'paired-folder', path: '.', imageTask: 'edges' } })).rejects.toThrow(/paired already/);
  });
});

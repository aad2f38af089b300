import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/compute/data/dataset';
import { decodeImage } from '../../src/compute/image/codec';
import { runNode } from '../../tests/helpers/node-context';
import datasetNode from '../dataset/index';
import node from './index';

async function bundled(): Promise<Dataset> {
  const { outputs } = await runNode(datasetNode, { params: { bundledMini: true, testPerClassLimit: 20 } });
  return outputs.test;
}

describe('condense.data.inspect', () => {
  it('reports a sample grid, a histogram and channel statistics', async () => {
    const dataset = await bundled();
    const { outputs, ctx } = await runNode(node, { inputs: { dataset }, params: { samples: 4, split: 'test' } });
    const grid = ctx.recorded.artifacts.get('samples.png');
    expect(grid?.ref.mime).toBe('image/png');
    const { image } = decodeImage(grid!.data, 'samples.png', 3);
    // 10 classes x 4 samples of 84x84 cells with 2-pixel gaps.
    expect([image.width, image.height]).toEqual([4 * 86 + 2, 10 * 86 + 2]);
    expect(ctx.recorded.artifacts.has('class-histogram.png')).toBe(true);
    expect(outputs.report.images.map((ref) => ref.name)).toEqual(['samples.png', 'class-histogram.png']);

    const histogram = outputs.report.tables.find((t) => t.title === 'Class histogram');
    expect(histogram?.rows[9]).toEqual([9, 'Ankle boot', 20, 0.1]);
    expect(outputs.metrics.values.count).toBe(200);
    expect(outputs.metrics.values.classes).toBe(10);
    expect(outputs.metrics.values.mean_grey).toBeGreaterThan(0.2);
    expect(outputs.metrics.values.mean_grey).toBeLessThan(0.4);
    expect(outputs.report.text).toContain('bundled Fashion-MNIST subset');
    expect(outputs.report.title).toBe('Inspect: fashion-mnist-mini (test)');
    expect(ctx.recorded.progress.at(-1)?.fraction).toBe(1);
  });

  it('shows the real images: grid cells hold the dataset pixels, enlarged', async () => {
    const dataset = await bundled();
    const { ctx } = await runNode(node, { inputs: { dataset }, params: { samples: 1 } });
    const { image } = decodeImage(ctx.recorded.artifacts.get('samples.png')!.data, 'samples.png', 1);
    const first = Array.from(dataset.labels).indexOf(0);
    for (const [y, x] of [[5, 5], [14, 14], [20, 9]]) {
      expect(image.data[(2 + 3 * y + 1) * image.width + 2 + 3 * x + 1]).toBe(dataset.pixels[first * 784 + y * 28 + x]);
    }
  });

  it('reports per-channel statistics for colour data and pairs for paired data', async () => {
    const { outputs: colour } = await runNode(datasetNode, { params: { source: 'generated', channels: '3', trainCount: 20, testCount: 4 } });
    const { outputs } = await runNode(node, { inputs: { dataset: colour.train } });
    expect(Object.keys(outputs.metrics.values)).toEqual(['count', 'classes', 'mean_red', 'std_red', 'mean_green', 'std_green', 'mean_blue', 'std_blue']);

    const paired: Dataset = { ...colour.train, task: 'paired', classes: [], targets: colour.train.pixels, targetShape: colour.train.shape };
    const { outputs: pairedOut, ctx } = await runNode(node, { inputs: { dataset: paired }, params: { samples: 3 } });
    expect(pairedOut.report.images).toHaveLength(1);
    expect(pairedOut.report.tables.map((t) => t.title)).toContain('Targets: per-channel mean and std (pixel / 255)');
    const { image } = decodeImage(ctx.recorded.artifacts.get('samples.png')!.data, 'samples.png', 3);
    expect(image.height).toBe(2 * 86 + 2);
  });

  it('handles an empty dataset', async () => {
    const { outputs: data } = await runNode(datasetNode, { params: { source: 'generated', trainCount: 5, testCount: 5 } });
    const { outputs } = await runNode(node, { inputs: { dataset: data.validation } });
    expect(outputs.metrics.values.count).toBe(0);
    expect(outputs.report.text).toContain('The dataset is empty.');
  });
});

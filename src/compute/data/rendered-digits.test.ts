import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runNode } from '../../../tests/helpers/node-context';
import datasetNode from '../../../nodes/dataset/index';
import { digitFontFiles, renderDigitsDataset } from './rendered-digits';
import { parseTrueType } from './truetype';

describe('rendered-digits', () => {
  it('reads the digit outlines of the bundled fonts', () => {
    for (const file of digitFontFiles()) {
      const font = parseTrueType(new Uint8Array(readFileSync(file)), file);
      // 0 has an outer and an inner contour, 8 three, 1 and 7 one.
      expect(font.glyph('0').contours).toHaveLength(2);
      expect(font.glyph('8').contours).toHaveLength(3);
      expect(font.glyph('7').contours).toHaveLength(1);
      expect(() => font.glyph('\u4e00')).toThrow(/no glyph/);
    }
  });

  it('renders balanced, seeded, varied 28x28 digits, white on black', () => {
    const a = renderDigitsDataset({ count: 60, size: 28, channels: 1, seed: 3, stream: 1, name: 'digits' });
    const b = renderDigitsDataset({ count: 60, size: 28, channels: 1, seed: 3, stream: 1, name: 'digits' });
    const other = renderDigitsDataset({ count: 60, size: 28, channels: 1, seed: 3, stream: 2, name: 'digits' });
    expect(a.pixels).toEqual(b.pixels);
    expect(a.pixels).not.toEqual(other.pixels);
    expect(a.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(Array.from(a.labels.slice(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    for (let i = 0; i < a.count; i++) {
      const img = a.pixels.subarray(i * 784, (i + 1) * 784);
      const ink = img.filter((v) => v > 128).length;
      // A digit covers part of the image, never all of it; the corners stay dark.
      expect(ink).toBeGreaterThan(10);
      expect(ink).toBeLessThan(400);
      expect(img[0]! + img[27]! + img[783]!).toBeLessThan(3 * 60);
    }
    // Two renderings of the same digit differ (font, scale, rotation, stroke, position, noise).
    expect(a.pixels.subarray(0, 784)).not.toEqual(a.pixels.subarray(10 * 784, 11 * 784));
  });

  it('is a Dataset node source needing no files', async () => {
    const { outputs } = await runNode(datasetNode, { inputs: {}, params: { source: 'rendered-digits', trainCount: 50, testCount: 20, channels: '3' } });
    expect(outputs.train.count).toBe(50);
    expect(outputs.test.shape).toEqual([3, 28, 28]);
    expect(outputs.train.classes).toHaveLength(10);
    expect(datasetNode.infer!(datasetNode.params.parse({ source: 'rendered-digits' }), {}).outputs!.train).toMatchObject({ shape: [1, 28, 28], classes: 10 });
  });
});

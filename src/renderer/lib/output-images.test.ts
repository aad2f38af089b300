import { describe, expect, it } from 'vitest';
import { imagesOf, outputFactsOf } from './output-images';

const sha = (c: string) => c.repeat(64);

describe('imagesOf', () => {
  it('finds image artifacts anywhere in the summaries, each once, and skips other artifacts', () => {
    const grid = { kind: 'artifact', sha256: sha('a'), name: 'grid.png', mime: 'image/png', bytes: 10 };
    const onnx = { kind: 'artifact', sha256: sha('b'), name: 'm.onnx', mime: 'application/octet-stream', bytes: 10 };
    const found = imagesOf({ report: { type: 'Report', images: [grid] }, extra: { type: 'Any', nested: { again: grid, onnx } } });
    expect(found).toEqual([grid]);
    expect(imagesOf(undefined)).toEqual([]);
  });
});

describe('outputFactsOf', () => {
  it('states dataset sizes and metric values, up to the limit', () => {
    const facts = outputFactsOf({
      train: { type: 'Dataset', count: 6000, shape: [1, 28, 28] },
      report: { type: 'Report', images: [] },
      metrics: { type: 'Metrics', values: { accuracy: 0.91324, count: 7, tiny: 0.00001 } },
    });
    expect(facts).toEqual(['train: 6000 × 1x28x28', 'accuracy = 0.9132', 'count = 7', 'tiny = 1.00e-5']);
    expect(outputFactsOf({ m: { type: 'Metrics', values: { a: 1, b: 2 } } }, 1)).toEqual(['a = 1']);
  });
});

import { describe, expect, it } from 'vitest';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { compatiblePortOf, docsExcerpt, searchNodes } from './node-search';

function descriptor(type: string, title: string, ports: Partial<Pick<NodeDescriptor, 'inputs' | 'outputs'>>): NodeDescriptor {
  return { type, version: 1, title, category: 'Test', description: `${title} node`, docs: `# ${title}\n\nLine one.\nLine two.`, inputs: {}, outputs: {}, paramsSchema: {}, defaults: {}, ...ports };
}

const dataset = descriptor('t.dataset', 'Dataset', { outputs: { train: { type: 'Dataset' } } });
const inspect = descriptor('t.inspect', 'Inspect', { inputs: { dataset: { type: 'Dataset', required: true } }, outputs: { report: { type: 'Report' } } });
const any = descriptor('t.any', 'Any sink', { inputs: { a: { type: 'Any' } } });
const all = [any, inspect, dataset];

describe('node search', () => {
  it('matches every word and puts title-prefix matches first', () => {
    expect(searchNodes(all, 'ins').map((h) => h.descriptor.type)).toEqual(['t.inspect']);
    expect(searchNodes(all, '').map((h) => h.descriptor.title)).toEqual(['Any sink', 'Dataset', 'Inspect']);
    expect(searchNodes(all, 'in').map((h) => h.descriptor.title)).toEqual(['Inspect', 'Any sink']);
  });

  it('keeps only node types a dragged output can feed, with the input it goes to', () => {
    const hits = searchNodes(all, '', { side: 'source', spec: { type: 'Dataset' } });
    expect(hits.map((h) => [h.descriptor.type, h.port])).toEqual([
      ['t.any', 'a'],
      ['t.inspect', 'dataset'],
    ]);
  });

  it('keeps only node types that can feed a dragged input', () => {
    expect(searchNodes(all, '', { side: 'target', spec: { type: 'Dataset' } }).map((h) => [h.descriptor.type, h.port])).toEqual([['t.dataset', 'train']]);
    expect(compatiblePortOf(dataset, { side: 'target', spec: { type: 'Report' } })).toBeUndefined();
  });

  it('gives the first lines of the docs without the heading', () => {
    expect(docsExcerpt(inspect)).toBe('Line one.\nLine two.');
  });
});

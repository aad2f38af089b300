import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { emptyGraph } from '../shared/graph/serialize';
import type { Graph } from '../shared/graph/schema';
import { defineNode, type NodeDefinition } from '../shared/node-sdk';
import { modelDataMismatch } from '../shared/port-facts';
import type { Registry } from './types';
import { validateGraph } from './validate';

const images = defineNode({
  type: 'facts.images',
  version: 1,
  title: 'Images',
  category: 'Test',
  description: 'Images of a size given by params.',
  inputs: {},
  outputs: { out: { type: 'Dataset' } },
  params: z.object({ size: z.number().int().default(28), classes: z.number().int().default(10) }),
  infer: (p) => ({ outputs: { out: { shape: [1, p.size, p.size], classes: p.classes } } }),
  execute: async () => {
    throw new Error('not run in these tests');
  },
});

const model = defineNode({
  type: 'facts.model',
  version: 1,
  title: 'Model',
  category: 'Test',
  description: 'A model shaped by its dataset.',
  inputs: { dataset: { type: 'Dataset', required: true } },
  outputs: { model: { type: 'Model' } },
  params: z.object({}),
  infer: (_p, inputs) => ({ outputs: { model: inputs.dataset ?? {} } }),
  execute: async () => {
    throw new Error('not run in these tests');
  },
});

const fit = defineNode({
  type: 'facts.fit',
  version: 1,
  title: 'Fit',
  category: 'Test',
  description: 'Feeds data to a model.',
  inputs: { model: { type: 'Model', required: true }, data: { type: 'Dataset', required: true } },
  outputs: {},
  params: z.object({}),
  infer: (_p, inputs) => {
    const message = modelDataMismatch(inputs.model, inputs.data);
    return { issues: message ? [{ port: 'data', message }] : [] };
  },
  execute: async () => ({}),
});

const definitions = [images, model, fit] as unknown as NodeDefinition[];
const registry: Registry = {
  get: (type) => definitions.find((d) => d.type === type),
  descriptors: () => [],
  types: () => definitions.map((d) => d.type),
};

//   small ──> model ──> fit <── other
function graphWith(other: { size?: number; classes?: number }): Graph {
  const g = emptyGraph();
  g.nodes = [
    { id: 'small', type: 'facts.images', typeVersion: 1, params: {} },
    { id: 'other', type: 'facts.images', typeVersion: 1, params: other },
    { id: 'model', type: 'facts.model', typeVersion: 1, params: {} },
    { id: 'fit', type: 'facts.fit', typeVersion: 1, params: {} },
  ];
  g.edges = [
    { id: 'e1', from: { node: 'small', port: 'out' }, to: { node: 'model', port: 'dataset' } },
    { id: 'e2', from: { node: 'model', port: 'model' }, to: { node: 'fit', port: 'model' } },
    { id: 'e3', from: { node: 'other', port: 'out' }, to: { node: 'fit', port: 'data' } },
  ];
  return g;
}

describe('static facts in validation', () => {
  it('passes facts downstream and reports a shape mismatch on the input edge before anything runs', () => {
    expect(validateGraph(graphWith({}), registry)).toEqual([]);
    const issues = validateGraph(graphWith({ size: 32 }), registry);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ nodeId: 'fit', port: 'data', edgeId: 'e3', code: 'incompatible-ports' });
    expect(issues[0].message).toMatch(/the model takes 1x28x28 images .* but this dataset has 1x32x32/);
  });

  it('reports a class-count mismatch', () => {
    const [issue] = validateGraph(graphWith({ classes: 4 }), registry);
    expect(issue.message).toBe('input "data": the model predicts 10 classes but this dataset has 4');
  });

  it('says nothing when a fact is unknown, and skips inference on a cycle', () => {
    expect(modelDataMismatch({ classes: 10 }, { shape: [3, 32, 32] })).toBeUndefined();
    const g = graphWith({ size: 32 });
    g.edges.push({ id: 'loop', from: { node: 'model', port: 'model' }, to: { node: 'model', port: 'dataset' } });
    expect(validateGraph(g, registry).some((i) => i.code === 'incompatible-ports' && /images/.test(i.message))).toBe(false);
  });
});

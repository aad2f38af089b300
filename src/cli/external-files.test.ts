import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Registry } from '../engine/types';
import { emptyGraph } from '../shared/graph/serialize';
import { defineNode, type NodeDefinition } from '../shared/node-sdk';
import { externalFiles } from './external-files';

const reader = defineNode({
  type: 'test.reader',
  version: 1,
  title: 'Reader',
  category: 'Test',
  description: 'Reads the files in its params.',
  inputs: {},
  outputs: {},
  params: z.object({ files: z.array(z.string()).default([]) }),
  files: (params, resolvePath) => params.files.map(resolvePath),
  execute: async () => ({}),
}) as unknown as NodeDefinition;

const registry: Registry = { get: (type) => (type === reader.type ? reader : undefined), descriptors: () => [], types: () => [reader.type] };
const resources = fileURLToPath(new URL('../../resources', import.meta.url));

describe('externalFiles', () => {
  it("lists what a graph reads outside its folder, but not Condense's bundled data or the system's dataset packages", () => {
    const graph = emptyGraph();
    const files = ['inside.bin', '../elsewhere/outside.bin', path.join(resources, 'datasets/x.gz'), '/usr/share/datasets/fashion-mnist/a.gz', '/etc/passwd'];
    graph.nodes = [{ id: 'r', type: 'test.reader', typeVersion: 1, params: { files } }];
    expect(externalFiles(graph, '/home/u/graphs/g.condense.json', registry)).toEqual([
      { path: '/home/u/elsewhere/outside.bin', nodeId: 'r' },
      { path: '/etc/passwd', nodeId: 'r' },
    ]);
  });
});

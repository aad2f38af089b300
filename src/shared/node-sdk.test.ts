import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadRegistry } from '../engine/registry';
import { defineNode, describeNode, paramConditionProblems } from './node-sdk';

const nodeWith = (params: z.ZodObject) =>
  defineNode({ type: 'test.conditions', version: 1, title: 'T', category: 'Test', description: 't', inputs: {}, outputs: {}, params, execute: async () => ({}) });

const base = {
  method: z.enum(['dgms', 'kmeans-ptq']).default('dgms'),
  optimizer: z.enum(['sgd', 'adam']).default('adam'),
  steps: z.number().int().min(0).max(10).default(5),
  learn: z.boolean().default(false),
};

describe('param conditions at registration', () => {
  it('accepts conditions on enums, numbers and booleans with values those params can take', () => {
    const params = z.object({
      ...base,
      momentum: z.number().default(0.9).meta({ appliesWhen: { method: ['dgms'], optimizer: ['sgd'] } }),
      interval: z.number().default(1).meta({ appliesWhen: { steps: [0] } }),
      tau: z.number().default(1).meta({ appliesWhen: { learn: [true] } }),
    });
    expect(paramConditionProblems(params)).toEqual([]);
    expect(() => nodeWith(params)).not.toThrow();
  });

  it('names an unknown param, a value outside the named param, and a param naming itself', () => {
    const params = z.object({
      ...base,
      a: z.number().default(0).meta({ appliesWhen: { optimiser: ['sgd'] } }),
      b: z.number().default(0).meta({ appliesWhen: { optimizer: ['sgd', 'adamw'] } }),
      c: z.number().default(0).meta({ appliesWhen: { steps: [11] } }),
      d: z.number().default(0).meta({ appliesWhen: { d: [0] } }),
    });
    expect(paramConditionProblems(params)).toEqual([
      'param a: appliesWhen names unknown param "optimiser" (params: method, optimizer, steps, learn, a, b, c, d)',
      'param b: appliesWhen optimizer = "adamw", which optimizer cannot take (one of sgd, adam)',
      'param c: appliesWhen steps = 11, which steps cannot take',
      'param d: appliesWhen names d itself',
    ]);
  });

  it('refuses malformed conditions and cycles', () => {
    const malformed = z.object({ ...base, a: z.number().default(0).meta({ appliesWhen: { method: [] } }) });
    expect(paramConditionProblems(malformed)).toEqual(['param a: appliesWhen method: must list at least one value']);
    const cyclic = z.object({
      a: z.boolean().default(true).meta({ appliesWhen: { b: [true] } }),
      b: z.boolean().default(true).meta({ appliesWhen: { a: [true] } }),
    });
    expect(paramConditionProblems(cyclic)).toEqual(['appliesWhen conditions form a cycle: a -> b -> a']);
  });

  it('makes defineNode throw, naming the node type', () => {
    const params = z.object({ ...base, a: z.number().default(0).meta({ appliesWhen: { method: ['gdms'] } }) });
    expect(() => nodeWith(params)).toThrow('node test.conditions: param a: appliesWhen method = "gdms", which method cannot take (one of dgms, kmeans-ptq)');
  });

  it('makes the registry refuse the node folder', async () => {
    const sdk = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-sdk.ts');
    const pack = fs.mkdtempSync(path.join(os.tmpdir(), 'condense-conditions-'));
    fs.mkdirSync(path.join(pack, 'bad'));
    fs.writeFileSync(
      path.join(pack, 'bad', 'index.ts'),
      `import { z } from 'zod';
import { defineNode } from ${JSON.stringify(sdk)};
export default defineNode({ type: 'test.bad', version: 1, title: 'X', category: 'Test', description: 'x', inputs: {}, outputs: {},
  params: z.object({ optimizer: z.enum(['sgd', 'adam']).default('adam'), momentum: z.number().default(0.9).meta({ appliesWhen: { optimizer: ['sgb'] } }) }),
  async execute() { return {}; } });
`,
    );
    await expect(loadRegistry({ nodesDir: false, nodeDirs: [pack] })).rejects.toThrow(
      `node folder ${path.join(pack, 'bad')}: index.ts failed to load: node test.bad: param momentum: appliesWhen optimizer = "sgb", which optimizer cannot take (one of sgd, adam)`,
    );
  });

  it('sends the condition in the descriptor', () => {
    const params = z.object({ ...base, momentum: z.number().default(0.9).meta({ help: 'Momentum.', appliesWhen: { optimizer: ['sgd'] } }) });
    const descriptor = describeNode(nodeWith(params), '');
    expect(descriptor.paramsSchema).toMatchObject({ properties: { momentum: { help: 'Momentum.', appliesWhen: { optimizer: ['sgd'] } } } });
    expect(JSON.parse(JSON.stringify(descriptor))).toEqual(descriptor);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry, nodeFoldersIn } from './registry';
import { TEST_NODE_PACK, tempHome } from './test-support';

function packWith(folders: Record<string, string>): string {
  const dir = tempHome('condense-pack-');
  for (const [name, source] of Object.entries(folders)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'index.ts'), source);
  }
  return dir;
}

const sdk = path.resolve(TEST_NODE_PACK, '../../../src/shared/node-sdk.ts');
const nodeSource = (type: string) => `
import { z } from 'zod';
import { defineNode } from ${JSON.stringify(sdk)};
export default defineNode({ type: ${JSON.stringify(type)}, version: 1, title: 'X', category: 'Test', description: 'x',
  inputs: {}, outputs: {}, params: z.object({}), async execute() { return {}; } });
`;

describe('registry', () => {
  it('loads every node folder of the pack with its README as docs', async () => {
    const registry = await loadRegistry({ nodesDir: false, nodeDirs: [TEST_NODE_PACK] });
    expect(registry.types()).toEqual(
      nodeFoldersIn(TEST_NODE_PACK).map((f) => `test.${path.basename(f)}`).sort(),
    );
    const number = registry.descriptors().find((d) => d.type === 'test.number')!;
    expect(number.docs).toContain('# test.number');
    expect(number.defaults).toEqual({ value: 0 });
    expect(number.paramsSchema).toMatchObject({ properties: { value: { minimum: -1000, maximum: 1000, default: 0 } } });
    expect(JSON.parse(JSON.stringify(registry.descriptors()))).toEqual(registry.descriptors());
  });

  it('rejects a type defined twice, naming both folders', async () => {
    const one = packWith({ first: nodeSource('dup.node') });
    const two = packWith({ second: nodeSource('dup.node') });
    await expect(loadRegistry({ nodesDir: false, nodeDirs: [one, two] })).rejects.toThrow(
      `duplicate node type "dup.node": defined in ${path.join(one, 'first')} and in ${path.join(two, 'second')}`,
    );
  });

  it('names the folder of a node that does not define a node', async () => {
    const pack = packWith({ broken: 'export const nothing = 1;\n' });
    await expect(loadRegistry({ nodesDir: false, nodeDirs: [pack] })).rejects.toThrow(
      `node folder ${path.join(pack, 'broken')}: index.ts has no default export`,
    );
  });

  it('ignores folders without index.ts', async () => {
    const pack = packWith({ one: nodeSource('only.one') });
    fs.mkdirSync(path.join(pack, 'assets'));
    expect((await loadRegistry({ nodesDir: false, nodeDirs: [pack] })).types()).toEqual(['only.one']);
  });
});

describe('registry checks', () => {
  it('refuses params without defaults, naming them', async () => {
    const pack = packWith({
      strict: nodeSource('strict.node').replace('params: z.object({})', 'params: z.object({ path: z.string(), n: z.number().default(1) })'),
    });
    await expect(loadRegistry({ nodesDir: false, nodeDirs: [pack] })).rejects.toThrow(
      `node folder ${path.join(pack, 'strict')}: params without a default: path (every param needs one)`,
    );
  });
});

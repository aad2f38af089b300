// `condense nodes`, `validate`, `runs` and the top level, against the real binary.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NodeDescriptor } from '../../src/shared/node-sdk';
import { cliEnv, graphFile, parseNdjson, runCli, tempDir } from './helpers';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = tempDir();
  env = cliEnv(path.join(dir, 'home'));
});

describe('condense nodes', () => {
  it('--json lists descriptors with ports, params, defaults and ranges', async () => {
    const result = await runCli(['nodes', '--json'], env);
    expect(result.code).toBe(0);
    const nodes = JSON.parse(result.stdout) as NodeDescriptor[];
    const types = nodes.map((node) => node.type);
    expect(types).toContain('condense.data.dataset');
    expect(types).toContain('test.number');
    const number = nodes.find((node) => node.type === 'test.number');
    expect(number).toMatchObject({ version: 2, outputs: { value: { type: 'Metrics' } }, defaults: { value: 0 } });
    expect(number?.paramsSchema).toMatchObject({ properties: { value: { minimum: -1000, maximum: 1000 } } });
    expect(JSON.stringify(nodes)).not.toContain('execute');
  });

  it('prints a readable catalogue', async () => {
    const result = await runCli(['nodes'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('test.number v2  Number [Test]');
    expect(result.stdout).toMatch(/value: number, default 0, range -1000\.\.1000 - The number to output/);
    expect(result.stdout).toMatch(/a: Metrics \(required\)/);
  });
});

describe('condense validate', () => {
  it('exits 0 for a valid graph', async () => {
    const file = graphFile(dir, 'good', [{ id: 'n', type: 'test.number' }, { id: 'r', type: 'test.report' }], ['n.value->r.in']);
    const result = await runCli(['validate', file], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (2 nodes, 1 edges)');
  });

  it('exits 2 and prints every issue with its node and field', async () => {
    const file = graphFile(
      dir,
      'bad',
      [
        { id: 'n', type: 'test.number', params: { value: 99999 } },
        { id: 'sum', type: 'test.add' },
        { id: 'ghost', type: 'test.does-not-exist' },
      ],
      ['n.value->sum.nope'],
    );
    const result = await runCli(['validate', file], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: node n param value:`);
    expect(result.stderr).toContain(`${file}: node sum port a:`);
    expect(result.stderr).toMatch(/node ghost: .*test\.does-not-exist/);
    expect(result.stderr).toMatch(/edge e1.*nope/);
  });

  it('names the line and column of broken JSON, and refuses files from a newer version', async () => {
    const truncated = path.join(dir, 'truncated.condense.json');
    writeFileSync(truncated, '{\n  "format": "condense.graph",\n  "nodes": [');
    const broken = await runCli(['validate', truncated], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/truncated\.condense\.json: .*line 3, column \d+/);
    const newer = path.join(dir, 'newer.condense.json');
    writeFileSync(newer, JSON.stringify({ format: 'condense.graph', schemaVersion: 99, nodes: [] }));
    const refused = await runCli(['validate', newer], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/newer\.condense\.json: .*newer/);
    const missing = await runCli(['validate', path.join(dir, 'nope.condense.json')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.condense.json: cannot read: no such file');
    for (const result of [broken, refused, missing]) expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('condense runs', () => {
  it('lists recorded runs and shows one', async () => {
    const file = graphFile(dir, 'tiny', [{ id: 'n', type: 'test.number', params: { value: 4 } }]);
    const run = await runCli(['run', file, '--json'], env);
    expect(run.code).toBe(0);
    const runId = parseNdjson(run.stdout)[0].runId;
    const list = await runCli(['runs', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: runId, graphName: 'tiny', status: 'succeeded' })]);
    const text = await runCli(['runs'], env);
    expect(text.stdout).toMatch(new RegExp(`^${runId} .* succeeded .* tiny`, 'm'));
    const show = await runCli(['runs', 'show', runId], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('[done] n');
    expect(show.stdout).toContain('n.value: {"type":"Metrics","values":{"value":4}}');
    const json = await runCli(['runs', 'show', runId, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: runId, graph: { meta: { name: 'tiny' } } });
    expect((await runCli(['runs', 'show', 'no-such-run'], env)).code).toBe(2);
  });
});

describe('condense', () => {
  it('prints help, and exits 2 on an unknown command', async () => {
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: condense <command>');
    const runHelp = await runCli(['run', '--help'], env);
    expect(runHelp.stdout).toContain('--set node.param=value');
    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

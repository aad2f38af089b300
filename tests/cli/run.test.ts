// `condense run` against the real binary and the test node pack.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliEnv, finished, graphFile, outcomes, parseNdjson, runCli, startCli, tempDir } from './helpers';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = tempDir();
  env = cliEnv(path.join(dir, 'home'));
});

//  a (number 1) --+
//                 +--> sum (add) --> report
//  b (number 2) --+
function chain(): string {
  return graphFile(
    dir,
    'chain',
    [
      { id: 'a', type: 'test.number', params: { value: 1 } },
      { id: 'b', type: 'test.number', params: { value: 2 } },
      { id: 'sum', type: 'test.add' },
      { id: 'report', type: 'test.report' },
    ],
    ['a.value->sum.a', 'b.value->sum.b', 'sum.sum->report.in'],
  );
}

describe('condense run', () => {
  it('prints NDJSON run events in order with --json', async () => {
    const result = await runCli(['run', chain(), '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(events[0].type).toBe('run-started');
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded', counts: { ran: 4, cached: 0 } });
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
    for (const id of ['a', 'b', 'sum', 'report']) {
      const started = events.findIndex((e) => e.type === 'node-started' && e.nodeId === id);
      const done = events.findIndex((e) => e.type === 'node-finished' && e.nodeId === id);
      expect(started).toBeGreaterThan(0);
      expect(done).toBeGreaterThan(started);
    }
    const finishedAt = (id: string) => events.findIndex((e) => e.type === 'node-finished' && e.nodeId === id);
    const startedAt = (id: string) => events.findIndex((e) => e.type === 'node-started' && e.nodeId === id);
    expect(startedAt('sum')).toBeGreaterThan(Math.max(finishedAt('a'), finishedAt('b')));
    expect(startedAt('report')).toBeGreaterThan(finishedAt('sum'));
    const sum = events.find((e) => e.type === 'node-finished' && e.nodeId === 'sum');
    expect(sum).toMatchObject({ outputs: { sum: { values: { value: 3 } } } });
  });

  it('takes everything from the cache on a second run, printed as plain lines', async () => {
    const file = chain();
    const first = await runCli(['run', file], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^\[ok\] a \d+\.\ds$/m);
    expect(first.stdout).toMatch(/^\[ok\] report \d+\.\ds$/m);
    const second = await runCli(['run', file], env);
    expect(second.code).toBe(0);
    for (const id of ['a', 'b', 'sum', 'report']) expect(second.stdout).toMatch(new RegExp(`^\\[cached\\] ${id}$`, 'm'));
    expect(second.stdout).not.toContain('[ok]');
    expect(second.stdout).toMatch(/succeeded in .*: 0 ran, 4 cached, 0 failed, 0 skipped/);
  });

  it('--set re-runs only the changed node and its dependents', async () => {
    const file = chain();
    expect((await runCli(['run', file], env)).code).toBe(0);
    const result = await runCli(['run', file, '--json', '--set', 'b.value=5'], env);
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(outcomes(events)).toEqual({ a: 'cached', b: 'ran', sum: 'ran', report: 'ran' });
    expect(events.find((e) => e.type === 'node-finished' && e.nodeId === 'sum')).toMatchObject({
      outputs: { sum: { values: { value: 6 } } },
    });
    // The file itself is untouched: overrides apply to this run only.
    expect(readFileSync(file, 'utf8')).toContain('"value": 2');
  });

  it('--until runs only what the node needs', async () => {
    const result = await runCli(['run', chain(), '--json', '--until', 'sum'], env);
    expect(result.code).toBe(0);
    expect(outcomes(parseNdjson(result.stdout))).toEqual({ a: 'ran', b: 'ran', sum: 'ran' });
  });

  it('--no-cache runs everything again', async () => {
    const file = chain();
    expect((await runCli(['run', file], env)).code).toBe(0);
    const result = await runCli(['run', file, '--json', '--no-cache'], env);
    expect(outcomes(parseNdjson(result.stdout))).toEqual({ a: 'ran', b: 'ran', sum: 'ran', report: 'ran' });
  });

  //  a (number) --> f (fail "boom") --> after (noop)
  //  c (number)
  it('exits 1 when a node fails, skips its dependents and keeps the rest', async () => {
    const file = graphFile(
      dir,
      'failing',
      [
        { id: 'a', type: 'test.number' },
        { id: 'f', type: 'test.fail', params: { message: 'boom: check the input' } },
        { id: 'after', type: 'test.noop' },
        { id: 'c', type: 'test.number', params: { value: 7 } },
      ],
      ['a.value->f.in', 'f.out->after.a'],
    );
    const result = await runCli(['run', file], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^\[failed\] f: boom: check the input$/m);
    expect(result.stdout).toMatch(/^\[skipped\] after/m);
    expect(result.stdout).toMatch(/^\[ok\] c /m);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/^\s+at /m);
  });

  it('exits 2 on a --set value the node schema refuses, naming node and param', async () => {
    const file = chain();
    const tooBig = await runCli(['run', file, '--set', 'a.value=5000'], env);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/node a param value: .*5000/);
    const wrongType = await runCli(['run', file, '--set', 'a.value=abc'], env);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain('node a param value:');
    const unknownParam = await runCli(['run', file, '--set', 'a.nope=1'], env);
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.stderr).toContain('node a param nope: no such param (params: value)');
    const unknownNode = await runCli(['run', file, '--set', 'zz.value=1'], env);
    expect(unknownNode.code).toBe(2);
    expect(unknownNode.stderr).toContain('node zz param value: the graph has no node "zz"');
    const malformed = await runCli(['run', file, '--set', 'novalue'], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('expected node.param=value');
    for (const result of [tooBig, wrongType, unknownParam, unknownNode, malformed]) expect(result.stdout).toBe('');
  });

  it('exits 2 on an invalid graph and on bad arguments', async () => {
    const file = graphFile(dir, 'missing-input', [{ id: 'sum', type: 'test.add' }]);
    const invalid = await runCli(['run', file], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/node sum port a: /);
    expect((await runCli(['run', chain(), '--until', 'nowhere'], env)).code).toBe(2);
    expect((await runCli(['run', chain(), '--frobnicate'], env)).code).toBe(2);
    expect((await runCli(['run'], env)).code).toBe(2);
  });

  it('cancels cleanly and exits 130 on SIGINT', async () => {
    const file = graphFile(dir, 'slow', [{ id: 'slow', type: 'test.slow', params: { steps: 5000, stepMs: 10 } }]);
    const child = startCli(['run', file, '--json'], env);
    const done = finished(child);
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer | string) => {
        seen += chunk.toString();
        if (seen.includes('"node-progress"')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    const events = parseNdjson(result.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', status: 'cancelled' });
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('--out writes report artifacts, metrics and run.json', async () => {
    const out = path.join(dir, 'out');
    const result = await runCli(['run', chain(), '--out', out], env);
    expect(result.code).toBe(0);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ status: 'succeeded', counts: { ran: 4 }, nodes: { report: { status: 'done' } } });
    expect(JSON.parse(readFileSync(path.join(out, 'sum', 'sum.metrics.json'), 'utf8'))).toMatchObject({ values: { value: 3 } });
    const report = JSON.parse(readFileSync(path.join(out, 'report', 'report.report.json'), 'utf8'));
    expect(report.images[0].file).toBe('report-note.txt');
    expect(readFileSync(path.join(out, 'report', 'report-note.txt'), 'utf8')).toMatch(/^value=3 seed=\d+$/);
  });

  it('lists files the graph reads from outside its folder before running', async () => {
    const graphs = path.join(dir, 'graphs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(graphs);
    writeFileSync(path.join(dir, 'outside.txt'), 'twelve bytes');
    writeFileSync(path.join(graphs, 'inside.txt'), 'in');
    const file = graphFile(graphs, 'sizes', [
      { id: 'outer', type: 'test.file-size', params: { path: '../outside.txt' } },
      { id: 'inner', type: 'test.file-size', params: { path: 'inside.txt' } },
    ]);
    const result = await runCli(['run', file, '--json'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('This graph reads files outside its folder:');
    expect(result.stderr).toContain(`${path.join(dir, 'outside.txt')} (node outer)`);
    expect(result.stderr).not.toContain('inside.txt');
    expect(existsSync(path.join(dir, 'home'))).toBe(true);
  });
});

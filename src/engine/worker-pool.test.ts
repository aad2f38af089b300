import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool';
import { ObjectStore } from './object-store';
import { TEST_NODE_PACK, tempHome } from './test-support';

const pools: WorkerPool[] = [];
function pool(home: string, size = 1, nodeDirs = [TEST_NODE_PACK]) {
  const p = new WorkerPool({ size, home, nodesDir: false, nodeDirs });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const job = (type: string, params: Record<string, unknown> = {}, inputs: Record<string, string> = {}) => ({
  nodeId: 'n',
  type,
  params,
  inputs,
  seed: 1,
  cacheKey: 'c'.repeat(64),
  typeVersion: 1,
  baseDir: '/',
});

describe('WorkerPool', () => {
  it('runs a job in a worker: inputs from the store, outputs into it', async () => {
    const home = tempHome();
    const store = new ObjectStore(home);
    const a = store.putValueSync({ kind: 'metrics', values: { value: 2 }, tables: [] });
    const b = store.putValueSync({ kind: 'metrics', values: { value: 40 }, tables: [] });
    const result = await pool(home).run(job('test.add', {}, { a: a.object, b: b.object }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(await store.readValue(result.outputs.sum.object)).toEqual({ kind: 'metrics', values: { value: 42 }, tables: [] });
    expect(result.outputs.sum.summary).toEqual({ type: 'Metrics', values: { value: 42 } });
    // The worker wrote the cache entry after the outputs.
    expect(JSON.parse(fs.readFileSync(path.join(home, 'cache', 'entries', `${'c'.repeat(64)}.json`), 'utf8')).outputs).toEqual(result.outputs);
  });

  it('never starts more than `size` threads, one job each', async () => {
    const p = pool(tempHome(), 2);
    const threads: number[] = [];
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => p.run(job('test.slow', { steps: 2, stepMs: 20 + i, ignoreAbort: false }), { onStart: () => threads.push(p.threads) })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(Math.max(...threads)).toBe(2);
    expect(p.busy).toBe(0);
  });

  it('cancels a queued job without running it', async () => {
    const p = pool(tempHome(), 1);
    const first = p.run(job('test.slow', { steps: 5, stepMs: 20, ignoreAbort: false }));
    const controller = new AbortController();
    let started = false;
    const second = p.run(job('test.number', { value: 1 }), { onStart: () => (started = true) }, controller.signal);
    controller.abort();
    expect(await second).toEqual({ ok: false, cancelled: true, error: 'cancelled' });
    expect(started).toBe(false);
    expect((await first).ok).toBe(true);
  });

  it('fails every job with the reason when the workers cannot load the nodes', async () => {
    const broken = tempHome('condense-pack-');
    fs.writeFileSync(path.join(broken, 'package.json'), '{ "type": "module" }\n');
    fs.mkdirSync(path.join(broken, 'bad'));
    fs.writeFileSync(path.join(broken, 'bad', 'index.ts'), 'export default 1;\n');
    const result = await pool(tempHome(), 1, [broken]).run(job('test.number'));
    expect(result).toMatchObject({ ok: false, cancelled: false, error: expect.stringContaining('bad: index.ts has no `type`') });
  });
});

describe('hosts', () => {
  // The CLI starts as `node --import tsx`; its worker threads must load the TypeScript nodes too.
  it('runs a graph under node --import tsx', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const script = path.join(tempHome('condense-host-'), 'run.mts');
    fs.writeFileSync(
      script,
      `import { createEngine } from ${JSON.stringify(path.join(root, 'src/engine/index.ts'))};
import { graphOf } from ${JSON.stringify(path.join(root, 'src/engine/graph-builder.ts'))};
const engine = await createEngine({ home: ${JSON.stringify(tempHome())}, nodesDir: false, nodeDirs: [${JSON.stringify(TEST_NODE_PACK)}], workers: 1 });
const graph = graphOf('host', engine.registry).node('a', 'test.number', { value: 20 }).node('s', 'test.add').edge('a.value', 's.a').build();
const result = await engine.run({ graph }).done;
console.log(JSON.stringify({ status: result.status, value: (await engine.readObject(result.outputs.s.sum.object)).values.value }));
await engine.close();
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ status: 'succeeded', value: 20 });
  });
});

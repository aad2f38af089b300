import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events';
import type { Engine } from './types';
import { graphOf } from './graph-builder';
import { outcome, tempHome, testEngine } from './test-support';
import { blockingIssues, bypassOutputs, newRunId } from './run';

const engines: Engine[] = [];
async function engine(options: Parameters<typeof testEngine>[0] = {}): Promise<Engine> {
  const e = await testEngine(options);
  engines.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

async function value(e: Engine, object: string): Promise<unknown> {
  return ((await e.readObject(object)) as { values: { value: number } }).values.value;
}

//   x(2) ──> sum.a
//   y(3) ──> sum.b ──> out (noop)
const sumGraph = (x = 2, y = 3) =>
  graphOf('sum')
    .node('x', 'test.number', { value: x }, { typeVersion: 2 })
    .node('y', 'test.number', { value: y }, { typeVersion: 2 })
    .node('sum', 'test.add')
    .node('out', 'test.noop')
    .edge('x.value', 'sum.a')
    .edge('y.value', 'sum.b')
    .edge('sum.sum', 'out.a')
    .build();

describe('engine.run', () => {
  it('runs a graph, then reads it all from the cache', async () => {
    const e = await engine();
    const first = await e.run({ graph: sumGraph() }).done;
    expect(first.status).toBe('succeeded');
    expect(outcome(first.events)).toEqual({ ran: ['out', 'sum', 'x', 'y'], cached: [], failed: [], skipped: [] });
    expect(await value(e, first.outputs.sum.sum.object)).toBe(5);
    expect(first.events.find((ev) => ev.type === 'node-finished' && ev.nodeId === 'sum')).toMatchObject({
      outputs: { sum: { type: 'Metrics', values: { value: 5 } } },
    });

    const second = await e.run({ graph: sumGraph() }).done;
    expect(outcome(second.events)).toEqual({ ran: [], cached: ['out', 'sum', 'x', 'y'], failed: [], skipped: [] });
    expect(second.outputs).toEqual(first.outputs);
    // Asked for the sink only, the engine reads just that: its inputs are not needed.
    const sinkOnly = await e.run({ graph: sumGraph(), sinks: ['out'] }).done;
    expect(sinkOnly.events[0]).toMatchObject({ type: 'run-started', nodeIds: ['out'], cachedNodeIds: ['out'] });
    expect(outcome(sinkOnly.events).cached).toEqual(['out']);
  });

  it('re-runs only the changed node and its dependents', async () => {
    const e = await engine();
    await e.run({ graph: sumGraph(2, 3) }).done;
    const edited = await e.run({ graph: sumGraph(2, 4) }).done;
    expect(outcome(edited.events)).toEqual({ ran: ['out', 'sum', 'y'], cached: ['x'], failed: [], skipped: [] });
    expect(await value(e, edited.outputs.sum.sum.object)).toBe(6);
  });

  it('keys by params with defaults applied, not by how they are written', async () => {
    const e = await engine();
    const g = (params: Record<string, unknown>) => graphOf().node('n', 'test.number', params, { typeVersion: 2 }).build();
    await e.run({ graph: g({}) }).done;
    expect(outcome((await e.run({ graph: g({ value: 0 }) }).done).events).cached).toEqual(['n']);
  });

  it('still hits the cache after a restart with the same home', async () => {
    const home = tempHome();
    const first = await engine({ home });
    await first.run({ graph: sumGraph() }).done;
    await first.close();
    const second = await engine({ home });
    const result = await second.run({ graph: sumGraph(2, 4) }).done;
    expect(outcome(result.events)).toEqual({ ran: ['out', 'sum', 'y'], cached: ['x'], failed: [], skipped: [] });
  });

  it('runs only what `until` needs', async () => {
    const e = await engine();
    const result = await e.run({ graph: sumGraph(), until: 'x' }).done;
    expect(outcome(result.events).ran).toEqual(['x']);
    expect(Object.keys(result.outputs)).toEqual(['x']);
  });

  it('re-runs everything with noCache and never-cached nodes every time', async () => {
    const e = await engine();
    //   never ──> sum.a ; n ──> sum.b
    const graph = graphOf()
      .node('never', 'test.never')
      .node('n', 'test.number', { value: 1 }, { typeVersion: 2 })
      .node('sum', 'test.add')
      .edge('never.value', 'sum.a')
      .edge('n.value', 'sum.b')
      .build();
    await e.run({ graph }).done;
    const again = await e.run({ graph }).done;
    // A never-cached node makes its dependents' keys new too.
    expect(outcome(again.events)).toEqual({ ran: ['never', 'sum'], cached: ['n'], failed: [], skipped: [] });
    const forced = await e.run({ graph, noCache: true }).done;
    expect(outcome(forced.events).ran).toEqual(['n', 'never', 'sum']);
  });

  //   bad (fail) ──> after (noop) ──> last (noop)
  //   good (number) ──> sum (add)
  it('isolates a failure: dependents skipped, other branches finish', async () => {
    const e = await engine();
    const graph = graphOf()
      .node('bad', 'test.fail', { message: 'the input file is missing' })
      .node('after', 'test.noop')
      .node('last', 'test.noop')
      .node('good', 'test.number', { value: 1 }, { typeVersion: 2 })
      .node('sum', 'test.add')
      .edge('bad.out', 'after.a')
      .edge('after.out', 'last.a')
      .edge('good.value', 'sum.a')
      .build();
    const result = await e.run({ graph }).done;
    expect(result.status).toBe('failed');
    expect(outcome(result.events)).toEqual({ ran: ['good', 'sum'], cached: [], failed: ['bad'], skipped: ['after', 'last'] });
    expect(result.events.find((ev) => ev.type === 'node-failed')).toMatchObject({ nodeId: 'bad', error: 'the input file is missing' });
    expect(result.events.find((ev) => ev.type === 'node-skipped' && ev.nodeId === 'after')).toMatchObject({ reason: 'upstream node "bad" failed' });
    expect(result.events.at(-1)).toMatchObject({ type: 'run-finished', status: 'failed', counts: { ran: 2, cached: 0, failed: 1, skipped: 2 } });
    // A failed node writes nothing to the cache: it fails again.
    expect(outcome((await e.run({ graph }).done).events).failed).toEqual(['bad']);
  });

  it('reports other errors as `Name: message`, with the stack only in the debug log', async () => {
    const e = await engine();
    const graph = graphOf().node('bug', 'test.fail', { crash: true, message: 'x is not a function' }).build();
    const result = await e.run({ graph }).done;
    const failed = result.events.find((ev) => ev.type === 'node-failed');
    expect(failed).toMatchObject({ error: 'TypeError: x is not a function' });
    const log = fs.readFileSync(path.join(e.home, 'logs', 'engine-debug.log'), 'utf8');
    expect(log).toContain('TypeError: x is not a function');
    expect(log).toContain('at ');
  });

  it('emits events in order, streaming progress and metrics', async () => {
    const e = await engine();
    const seen: RunEvent[] = [];
    const graph = graphOf().node('slow', 'test.slow', { steps: 3, stepMs: 60 }).build();
    const result = await e.run({ graph, onEvent: (ev) => seen.push(ev) }).done;
    expect(seen).toEqual(result.events);
    const types = seen.map((ev) => ev.type);
    expect(types[0]).toBe('run-started');
    expect(types[1]).toBe('node-started');
    expect(types.slice(-2)).toEqual(['node-finished', 'run-finished']);
    expect(seen.filter((ev) => ev.type === 'node-metric').map((ev) => (ev as { step: number }).step)).toEqual([0, 1, 2]);
    expect(seen.some((ev) => ev.type === 'node-progress' && ev.fraction === 1)).toBe(true);
    expect(seen.some((ev) => ev.type === 'node-log' && ev.message === 'running 3 steps')).toBe(true);
    const finished = seen.find((ev) => ev.type === 'node-finished') as { ms: number };
    expect(finished.ms).toBeGreaterThanOrEqual(150);
    const at = seen.map((ev) => ev.at);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  //   slow ──> after      quick (independent)
  it('cancels mid-run: nothing cached, the rest skipped', async () => {
    const e = await engine();
    const graph = graphOf()
      .node('slow', 'test.slow', { steps: 1000, stepMs: 10 })
      .node('after', 'test.noop')
      .edge('slow.metrics', 'after.a')
      .build();
    const handle = e.run({
      graph,
      onEvent: (ev) => {
        if (ev.type === 'node-progress') handle.cancel();
      },
    });
    const result = await handle.done;
    expect(result.status).toBe('cancelled');
    expect(outcome(result.events)).toEqual({ ran: [], cached: [], failed: [], skipped: ['after', 'slow'] });
    expect(result.events.at(-1)).toMatchObject({ type: 'run-finished', status: 'cancelled' });
    const again = e.run({ graph, until: 'slow' });
    const events: RunEvent[] = [];
    const timer = setTimeout(() => again.cancel(), 300);
    events.push(...(await again.done).events);
    clearTimeout(timer);
    expect(events[0]).toMatchObject({ type: 'run-started', cachedNodeIds: [] });
  });

  it('terminates a node that ignores the cancel signal', async () => {
    const e = await engine({ workers: 1 });
    const graph = graphOf().node('stubborn', 'test.slow', { steps: 100, stepMs: 100, ignoreAbort: true }).build();
    const handle = e.run({ graph, onEvent: (ev) => ev.type === 'node-started' && handle.cancel() });
    const result = await handle.done;
    expect(result.status).toBe('cancelled');
    expect(result.events.find((ev) => ev.type === 'node-skipped')).toMatchObject({ reason: expect.stringContaining('terminated') });
    // The pool replaces the terminated worker.
    const next = await e.run({ graph: graphOf().node('n', 'test.number', {}, { typeVersion: 2 }).build() }).done;
    expect(next.status).toBe('succeeded');
  });

  it('refuses an invalid graph with structured issues and runs nothing', async () => {
    const e = await engine();
    //   a ──> b ──> a (cycle); lonely add (missing input); n (out of range)
    const graph = graphOf()
      .node('a', 'test.noop')
      .node('b', 'test.noop')
      .node('lonely', 'test.add')
      .node('n', 'test.number', { value: 1e9 }, { typeVersion: 2 })
      .node('r', 'test.report')
      .node('sum2', 'test.add')
      .edge('a.out', 'b.a')
      .edge('b.out', 'a.a')
      .edge('r.report', 'sum2.a')
      .build();
    const handle = e.run({ graph });
    const result = await handle.done;
    expect(result.status).toBe('failed');
    expect(outcome(result.events).ran).toEqual([]);
    // Refused before it starts: the host hears the issues at once, and no empty failed run is recorded.
    expect(handle.refused).toEqual(result.issues);
    expect(result.events).toEqual([]);
    expect(e.listRuns()).toEqual([]);
    expect(result.issues.map((i) => [i.code, i.nodeId])).toEqual([
      ['param', 'n'],
      ['incompatible-ports', 'sum2'],
      ['missing-input', 'lonely'],
      ['cycle', 'a'],
      ['cycle', 'b'],
    ]);
    expect(result.issues[0].message).toBe('value must be at most 1000 (got 1000000000)');
  });

  it('ignores problems on nodes the requested sink does not need', async () => {
    const e = await engine();
    const graph = graphOf().node('ok', 'test.number', {}, { typeVersion: 2 }).node('lonely', 'test.add').build();
    expect((await e.run({ graph }).done).status).toBe('failed');
    expect((await e.run({ graph, until: 'ok' }).done).status).toBe('succeeded');
    expect((await e.run({ graph, until: 'nope' }).done).issues).toEqual([{ code: 'schema', message: 'there is no node "nope" to run' }]);
  });

  //   n(4) ──> skip (add, bypassed) ──> rep (report)
  it('passes inputs through a bypassed node', async () => {
    const e = await engine();
    const graph = graphOf()
      .node('n', 'test.number', { value: 4 }, { typeVersion: 2 })
      .node('skip', 'test.add', {}, { bypass: true })
      .node('rep', 'test.report')
      .edge('n.value', 'skip.a')
      .edge('skip.sum', 'rep.in')
      .build();
    const result = await e.run({ graph }).done;
    expect(result.status).toBe('succeeded');
    expect(result.outputs.skip.sum).toEqual(result.outputs.n.value);
    const report = result.events.find((ev) => ev.type === 'node-finished' && ev.nodeId === 'rep') as unknown as { outputs: { report: { images: { sha256: string; mime: string }[] } } };
    const [image] = report.outputs.report.images;
    expect(image.mime).toBe('text/plain');
    const artifact = await e.readArtifact(image.sha256);
    expect(new TextDecoder().decode(artifact.data)).toMatch(/^value=4 seed=\d+$/);
  });

  it('gives identical nodes the same seed and nodes that differ in params, or in the graph seed, different ones', async () => {
    const e = await engine();
    const build = (seed: number) =>
      graphOf()
        .withSeed(seed)
        .node('r1', 'test.report', { title: 'a' })
        .node('r2', 'test.report', { title: 'b' })
        .node('same-as-r1', 'test.report', { title: 'a' })
        .build();
    const note = async (result: Awaited<ReturnType<Engine['run']>['done']>, id: string) => {
      const ev = result.events.find((x) => x.type === 'node-finished' && x.nodeId === id) as unknown as { outputs: { report: { images: { sha256: string }[] } } };
      return new TextDecoder().decode((await e.readArtifact(ev.outputs.report.images[0].sha256)).data);
    };
    const a = await e.run({ graph: build(1) }).done;
    const b = await e.run({ graph: build(2) }).done;
    expect(await note(a, 'r1')).not.toBe(await note(a, 'r2'));
    // Same type, params and inputs: the same computation, so the same seed and output.
    expect(await note(a, 'same-as-r1')).toBe(await note(a, 'r1'));
    expect(await note(a, 'r1')).not.toBe(await note(b, 'r1'));
    expect(outcome(b.events).ran).toEqual(['r1', 'r2', 'same-as-r1']);
  });

  it('keeps the cache of renamed nodes: ids are not part of the key or the seed', async () => {
    const e = await engine();
    // sumGraph with every node renamed and the edges following.
    const renamed = graphOf('sum')
      .node('first', 'test.number', { value: 2 }, { typeVersion: 2 })
      .node('second', 'test.number', { value: 3 }, { typeVersion: 2 })
      .node('total', 'test.add')
      .node('sink', 'test.noop')
      .edge('first.value', 'total.a')
      .edge('second.value', 'total.b')
      .edge('total.sum', 'sink.a')
      .build();
    const first = await e.run({ graph: sumGraph() }).done;
    const second = await e.run({ graph: renamed }).done;
    expect(outcome(second.events)).toEqual({ ran: [], cached: ['first', 'second', 'sink', 'total'], failed: [], skipped: [] });
    expect(second.outputs.total).toEqual(first.outputs.sum);
  });

  //   n(4) ──> rep (report)           then add a copy:   n(4) ──> rep ; copy-n(4) ──> copy-rep
  it('serves a copied node from the cache of the original', async () => {
    const e = await engine();
    const original = () => graphOf().node('n', 'test.number', { value: 4 }, { typeVersion: 2 }).node('rep', 'test.report').edge('n.value', 'rep.in');
    const withCopy = (value: number) =>
      original().node('copy-n', 'test.number', { value }, { typeVersion: 2 }).node('copy-rep', 'test.report').edge('copy-n.value', 'copy-rep.in').build();
    await e.run({ graph: original().build() }).done;
    const result = await e.run({ graph: withCopy(4) }).done;
    expect(outcome(result.events)).toEqual({ ran: [], cached: ['copy-n', 'copy-rep', 'n', 'rep'], failed: [], skipped: [] });
    expect(result.outputs['copy-rep']).toEqual(result.outputs.rep);
    // A copy that differs in a param is a different computation: it runs, and so does what reads it.
    expect(outcome((await e.run({ graph: withCopy(5) }).done).events)).toEqual({ ran: ['copy-n', 'copy-rep'], cached: ['n', 'rep'], failed: [], skipped: [] });
  });

  it('re-runs everything when the graph seed changes', async () => {
    const e = await engine();
    const seeded = (seed: number) => graphOf().withSeed(seed).node('n', 'test.number', { value: 1 }, { typeVersion: 2 }).node('rep', 'test.report').edge('n.value', 'rep.in').build();
    await e.run({ graph: seeded(1) }).done;
    expect(outcome((await e.run({ graph: seeded(1) }).done).events).cached).toEqual(['n', 'rep']);
    expect(outcome((await e.run({ graph: seeded(2) }).done).events).ran).toEqual(['n', 'rep']);
  });

  it('re-runs a node whose file changed', async () => {
    const e = await engine();
    const dir = tempHome('condense-graph-');
    fs.writeFileSync(path.join(dir, 'data.bin'), 'abc');
    const graph = graphOf().node('size', 'test.file-size', { path: 'data.bin' }).build();
    const graphPath = path.join(dir, 'g.condense.json');
    const first = await e.run({ graph, graphPath }).done;
    expect(await value(e, first.outputs.size.value.object)).toBe(3);
    expect(outcome((await e.run({ graph, graphPath }).done).events).cached).toEqual(['size']);
    fs.writeFileSync(path.join(dir, 'data.bin'), 'abcdef');
    const third = await e.run({ graph, graphPath }).done;
    expect(outcome(third.events).ran).toEqual(['size']);
    expect(await value(e, third.outputs.size.value.object)).toBe(6);
  });

  it('records runs in the runs database, newest first', async () => {
    const e = await engine();
    const a = await e.run({ graph: sumGraph(), graphPath: '/tmp/sum.condense.json' }).done;
    const b = await e.run({ graph: graphOf('slow').node('s', 'test.slow', { steps: 2, stepMs: 1 }).build() }).done;
    expect(e.listRuns().map((r) => r.id)).toEqual([b.runId, a.runId]);
    const record = e.getRun(b.runId)!;
    expect(record).toMatchObject({ graphName: 'slow', status: 'succeeded', counts: { ran: 1, cached: 0, failed: 0, skipped: 0 } });
    expect(record.events).toEqual(b.events);
    expect(record.metrics.map((m) => [m.nodeId, m.name, m.step])).toEqual([
      ['s', 'loss', 0],
      ['s', 'loss', 1],
    ]);
    expect(record.outputs).toEqual([{ nodeId: 's', port: 'metrics', object: b.outputs.s.metrics.object, summary: b.outputs.s.metrics.summary }]);
    expect(e.getRun(a.runId)).toMatchObject({ graphPath: '/tmp/sum.condense.json', graph: sumGraph() });
    expect(e.getRun('missing')).toBeUndefined();
  });

  it('evicts least recently used outputs under a tiny cache cap', async () => {
    const home = tempHome();
    const e = await engine({ home, cacheMaxBytes: 60 });
    const one = (v: number) => graphOf().node('n', 'test.number', { value: v }, { typeVersion: 2 }).build();
    await e.run({ graph: one(1) }).done;
    await e.run({ graph: one(2) }).done;
    // Each output is 53 bytes: the cap holds one, so the older entry and its object go.
    expect(fs.readdirSync(path.join(home, 'cache', 'objects'))).toHaveLength(1);
    expect(fs.readdirSync(path.join(home, 'cache', 'entries'))).toHaveLength(1);
    expect(outcome((await e.run({ graph: one(2) }).done).events).cached).toEqual(['n']);
    expect(outcome((await e.run({ graph: one(1) }).done).events).ran).toEqual(['n']);
  });
});

describe('engine.close', () => {
  it('cancels runs in progress and refuses new ones', async () => {
    const e = await testEngine();
    const handle = e.run({ graph: graphOf().node('slow', 'test.slow', { steps: 1000, stepMs: 10 }).build() });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (e.listRuns()[0]?.status === 'running' && e.getRun(handle.runId)!.events.some((ev) => ev.type === 'node-started')) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    await e.close();
    expect((await handle.done).status).toBe('cancelled');
    expect(() => e.run({ graph: graphOf().build() })).toThrow('the engine is closed');
  });
});

describe('run helpers', () => {
  it('makes run ids that sort by start time', () => {
    expect(newRunId(1000) < newRunId(2000)).toBe(true);
    expect(newRunId(1000)).not.toBe(newRunId(1000));
  });

  it('blocks only on issues of needed nodes and graph-wide ones', () => {
    const issues = [
      { code: 'missing-input' as const, nodeId: 'a', message: '' },
      { code: 'missing-input' as const, nodeId: 'b', message: '' },
      { code: 'schema' as const, message: '' },
    ];
    expect(blockingIssues(issues, new Set(['a']))).toEqual([issues[0], issues[2]]);
  });

  it('bypasses by matching port types', () => {
    const def = {
      inputs: { model: { type: 'Model' as const }, data: { type: 'Dataset' as const } },
      outputs: { data: { type: 'Dataset' as const }, report: { type: 'Report' as const } },
    };
    const stored = { object: 'o', bytes: 1, summary: { type: 'Dataset' } };
    expect(bypassOutputs(def as never, { model: undefined, data: stored })).toEqual({ data: stored });
  });
});

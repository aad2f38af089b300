// `condense serve`: the token guards the API and artifacts; the API works over the WebSocket.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunEvent } from '../../src/shared/events';
import type { WireMessage } from '../../src/shared/api/contract';
import { cliEnv, finished, graphFile, startCli, tempDir, type CliResult } from './helpers';

let dir: string;
let child: ChildProcess;
let exited: Promise<CliResult>;
let base: string;
let token: string;

beforeAll(async () => {
  dir = tempDir();
  child = startCli(['serve', '--port', '0'], cliEnv(path.join(dir, 'home')), dir);
  exited = finished(child);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer | string) => {
      seen += chunk.toString();
      const match = /^Condense editor: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/m.exec(seen);
      if (match) resolve(match[1]);
    });
    void exited.then((result) => reject(new Error(`serve exited early: ${result.stderr}`)));
  });
  const parsed = new URL(url);
  base = parsed.origin;
  token = parsed.searchParams.get('token') ?? '';
});

afterAll(async () => {
  child.kill('SIGINT');
  const result = await exited;
  expect(result.code).toBe(0);
});

type WireReply = Exclude<WireMessage, { event: RunEvent }>;

/** A connected client that answers calls by id and collects broadcast events. */
async function connect(query = `?token=${token}`) {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api${query}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const events: RunEvent[] = [];
  const pending = new Map<number, (message: WireReply) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as WireMessage;
    if ('event' in message) events.push(message.event);
    else pending.get(message.id)?.(message);
  });
  let next = 1;
  const call = (method: string, input: unknown) =>
    new Promise<WireReply>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, input }));
    });
  return { socket, events, call };
}

function upgradeStatus(query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api${query}`);
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      socket.close();
      reject(new Error('connected without a valid token'));
    });
    socket.on('error', () => undefined);
  });
}

describe('condense serve', () => {
  it('refuses the API and artifacts without the session token', async () => {
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(await upgradeStatus('')).toBe(401);
    expect(await upgradeStatus('?token=wrong')).toBe(401);
    const oneCharOff = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    expect(await upgradeStatus(`?token=${oneCharOff}`)).toBe(401);
    expect((await fetch(`${base}/api`)).status).toBe(401);
    expect((await fetch(`${base}/artifacts/${'0'.repeat(64)}`)).status).toBe(401);
    expect((await fetch(`${base}/artifacts/${'0'.repeat(64)}?token=${token}`)).status).toBe(404);
  });

  it('answers API calls over the WebSocket and validates their input', async () => {
    const { socket, call } = await connect();
    const info = await call('app.info', {});
    expect(info).toMatchObject({ ok: true, result: { host: 'browser', home: path.join(dir, 'home') } });
    const nodes = await call('nodes.list', {});
    expect(nodes.ok && (nodes.result as { type: string }[]).map((n) => n.type)).toContain('test.number');
    expect(await call('runs.get', { runId: 42 })).toMatchObject({ ok: false, error: expect.stringContaining('runs.get: runId') });
    expect(await call('no.such.method', {})).toMatchObject({ ok: false, error: 'no.such.method: unknown method' });
    expect(await call('app.info', { extra: true })).toMatchObject({ ok: false });
    const examples = await call('examples.list', {});
    const inspect = (examples as { result: { name: string; path: string; description: string }[] }).result.find((example) =>
      example.path.endsWith(`${path.sep}inspect-fashion-mnist.condense.json`),
    );
    expect(inspect?.name).toBeTruthy();
    expect(inspect?.name).not.toBe('inspect-fashion-mnist');
    socket.close();
  });

  it('runs a graph, broadcasts its events and serves its artifacts', async () => {
    const { socket, events, call } = await connect();
    const file = graphFile(dir, 'served', [{ id: 'n', type: 'test.number', params: { value: 8 } }, { id: 'r', type: 'test.report' }], [
      'n.value->r.in',
    ]);
    const opened = await call('graph.open', { path: file });
    expect(opened).toMatchObject({ ok: true, result: { issues: [], readOnly: false } });
    const graph = (opened as { result: { graph: unknown } }).result.graph;
    const started = await call('run.start', { graph, path: file });
    expect(started.ok).toBe(true);
    const runId = (started as { result: { runId: string } }).result.runId;
    await expect.poll(() => events.some((e) => e.type === 'run-finished' && e.runId === runId), { timeout: 30_000 }).toBe(true);
    expect(events.find((e) => e.type === 'run-finished')).toMatchObject({ status: 'succeeded' });
    const report = events.find((e) => e.type === 'node-finished' && e.nodeId === 'r') as Extract<RunEvent, { type: 'node-finished' }>;
    const image = (report.outputs.report as unknown as { images: { sha256: string }[] }).images[0];
    const response = await fetch(`${base}/artifacts/${image.sha256}?token=${token}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^value=8 seed=\d+$/);
    const viaApi = await call('artifacts.read', { sha256: image.sha256 });
    expect(viaApi).toMatchObject({ ok: true, result: { mime: 'text/plain' } });
    const list = await call('runs.list', {});
    expect((list as { result: { id: string }[] }).result.map((row) => row.id)).toContain(runId);
    const recent = await call('recent.list', {});
    expect(recent).toMatchObject({ ok: true, result: [file] });
    socket.close();
  });

  it('saves a graph atomically and remembers it as recent', async () => {
    const { socket, call } = await connect();
    const parsed = await call('graph.parse', { text: JSON.stringify({ format: 'condense.graph', schemaVersion: 1, nodes: [] }) });
    expect(parsed.ok).toBe(true);
    const target = path.join(dir, 'saved.condense.json');
    const saved = await call('graph.save', { path: target, graph: (parsed as { result: { graph: unknown } }).result.graph });
    expect(saved).toMatchObject({ ok: true, result: { path: target } });
    const recent = await call('recent.list', {});
    expect((recent as { result: string[] }).result[0]).toBe(target);
    socket.close();
  });
});

// `condense serve` trusts only its own page: a foreign Origin or Host is refused (DNS rebinding, other
// sites' pages), the CSP never echoes a request header, and the API lists, opens and saves only inside
// the allowed roots, never over a file that is not a graph.
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine } from '../../src/engine/index';
import type { Engine } from '../../src/engine/types';
import { startEditorServer, type EditorServer } from '../../src/cli/serve';
import type { WireMessage } from '../../src/shared/api/contract';
import { tempDir } from './helpers';

let dir: string;
let outside: string;
let engine: Engine;
let server: EditorServer;
const GRAPH = { format: 'condense.graph', schemaVersion: 1, meta: { name: 'g' }, nodes: [], edges: [] };

function rawRequest(headers: Record<string, string>, rawPath = '/'): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, headers, setHost: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The handshake's HTTP status: 101 when the socket opened. */
function upgradeStatus(options: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, options);
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', () => resolve(0));
  });
}

async function call(method: string, input: unknown): Promise<Exclude<WireMessage, { event: unknown }>> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const reply = await new Promise<Exclude<WireMessage, { event: unknown }>>((resolve) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as WireMessage;
      if (!('event' in message)) resolve(message);
    });
    socket.send(JSON.stringify({ id: 1, method, input }));
  });
  socket.close();
  return reply;
}

beforeAll(async () => {
  dir = tempDir('condense-serve-sec-');
  outside = tempDir('condense-outside-');
  const web = path.join(dir, 'web');
  mkdirSync(web);
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Condense</title>');
  engine = await createEngine({ home: path.join(dir, 'home'), workers: 1, nodesDir: false });
  // The user's home is made the server folder here, so the temp folders around it are outside every root.
  server = await startEditorServer(engine, { port: 0, host: '127.0.0.1', webDir: web, cwd: path.join(dir, 'work'), userHome: path.join(dir, 'work') });
  mkdirSync(path.join(dir, 'work'), { recursive: true });
  writeFileSync(path.join(outside, 'secret.condense.json'), JSON.stringify(GRAPH));
});

afterAll(async () => {
  await server.close();
  await engine.close();
});

describe('condense serve refuses foreign pages', () => {
  it('accepts its own page and loopback hosts', async () => {
    expect((await rawRequest({ Host: `127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await rawRequest({ Host: `localhost:${server.port}` })).status).toBe(200);
    expect(await upgradeStatus({ origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect(await upgradeStatus({ origin: `http://localhost:${server.port}` })).toBe(101);
    // Tools that send no Origin (curl, scripts) still need the token, which they have here.
    expect(await upgradeStatus({})).toBe(101);
  });

  it('refuses a WebSocket from another origin even with the token', async () => {
    expect(await upgradeStatus({ origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus({ origin: 'null' })).toBe(403);
    expect(await upgradeStatus({ origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding) on pages, artifacts and the socket', async () => {
    expect((await rawRequest({ Host: 'evil.example' })).status).toBe(403);
    expect((await rawRequest({ Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await rawRequest({ Host: `evil.example:${server.port}` }, `/artifacts/${'0'.repeat(64)}?token=${server.token}`)).status).toBe(403);
    // No Host at all: Node answers 400 before the handler runs; either way it is not served.
    expect([400, 403]).toContain((await rawRequest({})).status);
    expect(await upgradeStatus({ headers: { Host: `evil.example:${server.port}` } })).toBe(403);
  });

  it('builds the CSP from the bound address, never from the Host header', async () => {
    const injected = await rawRequest({ Host: `127.0.0.1:${server.port}; report-uri http://evil.example/r` });
    expect(injected.status).toBe(403);
    const page = await rawRequest({ Host: `127.0.0.1:${server.port}` });
    const csp = String(page.headers['content-security-policy']);
    expect(csp).not.toContain('evil');
    expect(csp).not.toContain('report-uri');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
  });
});

describe('condense serve keeps files inside its roots', () => {
  it('lists inside the roots and refuses system folders and other folders', async () => {
    expect(await call('files.list', { dir: path.join(dir, 'work') })).toMatchObject({ ok: true });
    for (const target of ['/etc', '/proc', '/sys', '/dev', outside, path.join(dir, 'work', '..', '..')]) {
      const reply = await call('files.list', { dir: target });
      expect(reply, target).toMatchObject({ ok: false, error: expect.stringMatching(/refused/) });
    }
    const refused = await call('files.list', { dir: outside });
    expect(refused.ok ? '' : refused.error).toContain(path.join(dir, 'work'));
    expect(refused.ok ? '' : refused.error).toContain('--allow');
  });

  it('does not follow a symlink out of a root', async () => {
    symlinkSync(outside, path.join(dir, 'work', 'link'));
    expect(await call('files.list', { dir: path.join(dir, 'work', 'link') })).toMatchObject({ ok: false });
    expect(await call('graph.open', { path: path.join(dir, 'work', 'link', 'secret.condense.json') })).toMatchObject({ ok: false });
  });

  it('opens only graph files, even inside the roots', async () => {
    const key = path.join(dir, 'work', 'id_rsa');
    writeFileSync(key, '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    const reply = await call('graph.open', { path: key });
    expect(reply).toMatchObject({ ok: false, error: expect.stringContaining('a graph is a .condense.json file') });
    expect(JSON.stringify(reply)).not.toContain('BEGIN');
  });

  it('opens only inside the roots (no first character of /etc/passwd)', async () => {
    for (const target of ['/etc/passwd', '../../../../etc/passwd', path.join(outside, 'secret.condense.json'), '/proc/self/environ']) {
      const reply = await call('graph.open', { path: target });
      expect(reply, target).toMatchObject({ ok: false, error: expect.stringMatching(/refused/) });
    }
  });

  it('saves only *.condense.json inside the roots and never over a file that is not a graph', async () => {
    const work = path.join(dir, 'work');
    const victim = path.join(work, 'victim.sh');
    writeFileSync(victim, '#!/bin/sh\necho hi\n');
    chmodSync(victim, 0o755);
    expect(await call('graph.save', { path: victim, graph: GRAPH })).toMatchObject({ ok: false, error: expect.stringContaining('.condense.json') });
    expect(readFileSync(victim, 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(victim).mode & 0o777).toBe(0o755);

    const notAGraph = path.join(work, 'config.condense.json');
    writeFileSync(notAGraph, '{"format":"something else"}');
    expect(await call('graph.save', { path: notAGraph, graph: GRAPH })).toMatchObject({ ok: false, error: expect.stringContaining('not a Condense graph') });
    expect(readFileSync(notAGraph, 'utf8')).toBe('{"format":"something else"}');

    for (const target of [path.join(outside, 'x.condense.json'), '/proc/nope.condense.json', '/etc/x.condense.json', path.join(work, '..', '..', 'x.condense.json')]) {
      const reply = await call('graph.save', { path: target, graph: GRAPH });
      expect(reply, target).toMatchObject({ ok: false, error: expect.stringMatching(/refused/) });
    }
    const saved = await call('graph.save', { path: path.join(work, 'sub', 'ok.condense.json'), graph: GRAPH });
    expect(saved).toMatchObject({ ok: true });
    // Saving over a graph is fine.
    expect(await call('graph.save', { path: path.join(work, 'sub', 'ok.condense.json'), graph: GRAPH })).toMatchObject({ ok: true });
  });
});

// The static side of the browser host: the built editor is served without the token (it holds no user
// data), with a Content-Security-Policy, never outside its folder, and with a how-to-build page when missing.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index';
import type { Engine } from '../../src/engine/types';
import { startEditorServer, type EditorServer } from '../../src/cli/serve';
import { tempDir } from './helpers';

let engine: Engine;
let built: EditorServer;
let unbuilt: EditorServer;
let secret: string;

function rawGet(server: EditorServer, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: rawPath }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  const dir = tempDir();
  const web = path.join(dir, 'site', 'web');
  mkdirSync(path.join(web, 'assets'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Condense</title>');
  writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log(1)');
  secret = path.join(dir, 'site', 'secret.txt');
  writeFileSync(secret, 'not for the browser');
  engine = await createEngine({ home: path.join(dir, 'home'), workers: 1 });
  built = await startEditorServer(engine, { port: 0, host: '127.0.0.1', webDir: web });
  unbuilt = await startEditorServer(engine, { port: 0, host: '127.0.0.1', webDir: path.join(dir, 'missing') });
});

afterAll(async () => {
  await built.close();
  await unbuilt.close();
  await engine.close();
});

describe('editor server static files', () => {
  it('serves the app without the token, with a strict CSP on the page', async () => {
    const page = await fetch(`http://127.0.0.1:${built.port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Condense</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self';/);
    const script = await fetch(`http://127.0.0.1:${built.port}/assets/app.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    // Client-side routes fall back to the app; missing assets do not.
    expect((await fetch(`http://127.0.0.1:${built.port}/runs/recent`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${built.port}/assets/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside the build folder', async () => {
    for (const attempt of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await rawGet(built, attempt);
      expect(response.body, attempt).not.toContain('not for the browser');
    }
  });

  it('says how to build the editor when it is missing', async () => {
    const response = await fetch(`http://127.0.0.1:${unbuilt.port}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:web');
  });

  it('prints a page URL that carries a fresh token per server', () => {
    expect(built.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    expect(built.token).not.toBe(unbuilt.token);
  });
});

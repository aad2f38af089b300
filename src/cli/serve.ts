// The browser host: static files of the built renderer plus the API over a WebSocket at /api.
// The API and artifacts need the per-session token; static files do not (they hold no user data).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import type { Engine } from '../engine/types';
import { ApiInputError, parseApiInput, type ApiHandlers, type WireMessage } from '../shared/api/contract';
import type { RunEvent } from '../shared/events';
import { createApiHandlers } from './api-handlers';
import { EXAMPLES_DIR } from './examples';
import { defaultRoots, type PathRoots } from './path-roots';

export interface EditorServerOptions {
  port: number;
  host: string;
  /** The built renderer (`npm run build:web` writes out/web). */
  webDir: string;
  /** Relative paths sent by the page resolve against this folder. */
  cwd?: string;
  /** Folders the page may use besides the defaults (`condense serve --allow DIR`). */
  allow?: string[];
  /** Where the example graphs are (default: resources/examples). */
  examplesDir?: string;
  /** The user's home folder, a root (default: os.homedir()). */
  userHome?: string;
}

export interface EditorServer {
  /** The page URL, token included. */
  url: string;
  port: number;
  token: string;
  /** The folders the page may list, open and save in. */
  roots: string[];
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Large enough for a graph with embedded notes; a WebSocket frame above it is refused by ws. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export function newSessionToken(): string {
  return randomBytes(24).toString('base64url');
}

function tokenMatches(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The CSP of the page, built once from the address the server is bound to. Never from a request header:
 * a Host header is whatever the client wrote, and copying it let a request inject its own directives.
 */
export function contentSecurityPolicy(hosts: string[]): string {
  const sockets = hosts.map((host) => ` ws://${host}`).join('');
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React Flow positions nodes with inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function hostLiteral(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * The `host:port` values a request may carry in its Host header: loopback names and, when bound to
 * another address, that address (all of this machine's addresses for 0.0.0.0 or ::). Names other than
 * localhost are refused, which is what stops DNS rebinding: a page of evil.example whose name now points
 * at 127.0.0.1 still sends `Host: evil.example`.
 */
export function allowedHostsOf(boundHost: string, port: number): string[] {
  const names = new Set(LOOPBACK_NAMES);
  if (boundHost === '0.0.0.0' || boundHost === '::') {
    for (const list of Object.values(os.networkInterfaces())) for (const entry of list ?? []) names.add(hostLiteral(entry.address));
  } else if (boundHost !== 'localhost') {
    names.add(hostLiteral(boundHost));
  }
  return [...names].map((name) => `${name}:${port}`.toLowerCase());
}

/** Why a request is refused for its Host or Origin header, or undefined when both are the server's own. */
export function foreignRequestReason(headers: http.IncomingHttpHeaders, allowedHosts: string[]): string | undefined {
  const host = headers.host?.toLowerCase();
  if (host === undefined || !allowedHosts.includes(host)) return 'the Host header is not this server';
  const origin = headers.origin;
  // Browsers send Origin on WebSocket handshakes and cross-origin requests; tools such as curl send none.
  if (origin !== undefined && !allowedHosts.some((allowed) => origin.toLowerCase() === `http://${allowed}`)) {
    return 'the request comes from another site (Origin header)';
  }
  return undefined;
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

export function buildMissingMessage(webDir: string): string {
  return `The editor is not built (no ${path.join(webDir, 'index.html')}). Build it with \`npm run build:web\`, then run \`condense serve\` again.`;
}

async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, webDir: string, pathname: string, csp: string): Promise<void> {
  if (!existsSync(path.join(webDir, 'index.html'))) {
    send(res, 503, `${buildMissingMessage(webDir)}\n`);
    return;
  }
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    send(res, 400, 'Bad path\n');
    return;
  }
  let file = path.resolve(webDir, `.${path.posix.normalize(relative)}`);
  if (file !== webDir && !file.startsWith(`${webDir}${path.sep}`)) {
    send(res, 403, 'Forbidden\n');
    return;
  }
  const isFile = await stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!isFile) {
    // Client-side routes fall back to the app; a missing asset (with an extension) is a real 404.
    if (path.extname(relative) !== '') {
      send(res, 404, 'Not found\n');
      return;
    }
    file = path.join(webDir, 'index.html');
  }
  const body = await readFile(file);
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: http.OutgoingHttpHeaders = { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' };
  if (type.startsWith('text/html')) {
    headers['Content-Security-Policy'] = csp;
    headers['Cache-Control'] = 'no-store';
    headers['Referrer-Policy'] = 'no-referrer';
  } else if (relative.startsWith('/assets/')) {
    headers['Cache-Control'] = 'public, max-age=31536000, immutable';
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function serveArtifact(res: http.ServerResponse, engine: Engine, sha: string): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(sha)) {
    send(res, 400, 'An artifact is addressed by its sha256 (64 lowercase hex digits).\n');
    return;
  }
  let artifact: { mime: string; data: Uint8Array };
  try {
    artifact = await engine.readArtifact(sha);
  } catch {
    send(res, 404, 'No such artifact\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': artifact.mime,
    'Content-Length': artifact.data.byteLength,
    'Cache-Control': 'private, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(Buffer.from(artifact.data.buffer, artifact.data.byteOffset, artifact.data.byteLength));
}

function errorMessage(error: unknown): string {
  if (error instanceof ApiInputError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Answers one WebSocket message: a WireRequest in, a WireMessage out (never throws). */
export async function answerWireMessage(handlers: ApiHandlers, raw: string): Promise<WireMessage> {
  let request: unknown;
  try {
    request = JSON.parse(raw);
  } catch {
    return { id: 0, ok: false, error: 'request is not JSON' };
  }
  const { id, method, input } = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isFinite(id)) return { id: 0, ok: false, error: 'request needs a numeric id' };
  if (typeof method !== 'string') return { id, ok: false, error: 'request needs a method name' };
  try {
    const parsed = parseApiInput(method, input);
    const handler = handlers[parsed.method] as (value: unknown) => Promise<unknown>;
    const result = await handler(parsed.input);
    return { id, ok: true, result };
  } catch (error) {
    return { id, ok: false, error: errorMessage(error) };
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is in use; pass --port 0 to pick a free one`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new Error(`cannot bind ${host}: not an address of this machine`));
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function startEditorServer(engine: Engine, options: EditorServerOptions): Promise<EditorServer> {
  const token = newSessionToken();
  const webDir = path.resolve(options.webDir);
  const clients = new Set<WebSocket>();
  const broadcast = (event: RunEvent) => {
    const text = JSON.stringify({ event } satisfies WireMessage);
    for (const client of clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  };
  const cwd = options.cwd ?? process.cwd();
  const examplesDir = options.examplesDir ?? EXAMPLES_DIR;
  const roots: PathRoots = defaultRoots({ cwd, condenseHome: engine.home, examplesDir, allow: options.allow, userHome: options.userHome });
  const handlers = createApiHandlers(engine, { kind: 'browser', emit: broadcast, cwd, examplesDir, roots });
  // Known once the server listens (port 0 picks one); no request is answered before that.
  let allowedHosts: string[] = [];
  let csp = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const foreign = foreignRequestReason(req.headers, allowedHosts);
    if (foreign) {
      send(res, 403, `Refused: ${foreign}.\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed\n');
      return;
    }
    const respond = async () => {
      if (url.pathname === '/api') {
        send(res, tokenMatches(token, url.searchParams.get('token')) ? 426 : 401, 'The API is a WebSocket and needs the session token.\n');
      } else if (url.pathname.startsWith('/artifacts/')) {
        if (!tokenMatches(token, url.searchParams.get('token'))) send(res, 401, 'The session token is missing or wrong.\n');
        else await serveArtifact(res, engine, url.pathname.slice('/artifacts/'.length));
      } else {
        await serveStatic(req, res, webDir, url.pathname, csp);
      }
    };
    respond().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `${errorMessage(error)}\n`);
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    // A client that drops mid-handshake must not take the server down.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (foreignRequestReason(req.headers, allowedHosts)) return refuse('403 Forbidden');
    if (url.pathname !== '/api') return refuse('404 Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          ws.send(JSON.stringify({ id: 0, ok: false, error: 'requests are JSON text' } satisfies WireMessage));
          return;
        }
        void answerWireMessage(handlers, data.toString()).then((reply) => {
          if (ws.readyState !== WebSocket.OPEN) return;
          let text: string;
          try {
            text = JSON.stringify(reply);
          } catch (error) {
            text = JSON.stringify({ id: 'id' in reply ? reply.id : 0, ok: false, error: `the result could not be sent: ${errorMessage(error)}` });
          }
          ws.send(text);
        });
      });
    });
  });

  await listen(server, options.port, options.host);
  const port = (server.address() as AddressInfo).port;
  allowedHosts = allowedHostsOf(options.host, port);
  csp = contentSecurityPolicy(allowedHosts);
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    roots: roots.list(),
    close: async () => {
      await handlers.stopAll();
      for (const client of clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

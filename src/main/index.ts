// Electron main process: a thin shell around the engine. It owns windows, the menu, native dialogs and the
// IPC handlers; the API itself is `createApiHandlers`, shared with `condense serve`.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { createApiHandlers, type HostApiHandlers } from '../cli/api-handlers';
import { extraNodeDirs } from '../cli/node-dirs';
import { listExamples } from '../cli/examples';
import { listRecent } from '../cli/settings';
import type { Engine } from '../engine/types';
import { resolveHome } from '../engine/home';
import { importTs } from '../engine/import-ts';
import { parseApiInput } from '../shared/api/contract';
import { CHANNELS, type CallReply, type MenuCommand } from '../preload/bridge';
import { buildAppMenu, chooseSavePath } from './menu';
import { APP_HOST, APP_SCHEME, APP_URL, contentSecurityPolicy, decodeAppPath, isAppUrl, lockDownSession, lockDownWebContents } from './security';
import { defaultRoots, type PathRoots } from '../cli/path-roots';

const devServer = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appRoot = app.getAppPath();
// Packaged, the bundles live in app.asar (checked by the ASAR integrity fuse); the engine, the nodes and
// the examples load from source at run time, through tsx and worker threads, so they ship unpacked.
const sourceRoot = app.isPackaged ? appRoot.replace(/app\.asar$/, 'app.asar.unpacked') : appRoot;
const rendererDir = path.join(appRoot, 'out', 'renderer');
const preloadFile = path.join(appRoot, 'out', 'preload', 'index.cjs');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let engine: Engine | undefined;
let handlers: HostApiHandlers | undefined;
/** Folders the page may use; a folder the user picks in a native dialog becomes one. */
let roots: PathRoots | undefined;

/** A path the user chose in a native dialog (or gave on the command line): its folder becomes a root. */
function allowChosen(file: string | undefined): string | undefined {
  if (file !== undefined) {
    try {
      roots?.add(path.dirname(file));
    } catch {
      // A system folder stays refused; the API call that follows says so.
    }
  }
  return file;
}

function broadcast(channel: string, payload: unknown): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(channel, payload);
}

async function refreshMenu(): Promise<void> {
  if (!engine) return;
  const home = engine.home;
  Menu.setApplicationMenu(await buildAppMenu({ recent: () => listRecent(home), examples: () => listExamples(), chosen: (file) => allowChosen(file) }, devServer !== undefined));
}

/** Serves the built renderer and `/artifacts/<sha256>` (the same path the browser host uses), always with the CSP. */
async function serveApp(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const csp = contentSecurityPolicy();
  if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
  const artifact = /^\/artifacts\/([0-9a-f]{64})$/.exec(url.pathname);
  if (artifact) {
    if (!engine) return new Response('Not ready', { status: 503 });
    try {
      const { mime, data } = await engine.readArtifact(artifact[1]);
      return new Response(Buffer.from(data), { headers: { 'content-type': mime, 'content-security-policy': csp } });
    } catch {
      return new Response('No such artifact', { status: 404 });
    }
  }
  const decoded = decodeAppPath(url.pathname);
  if (decoded === undefined) return new Response('Bad path', { status: 400 });
  let file = path.resolve(rendererDir, `.${path.posix.normalize(decoded)}`);
  if (file !== rendererDir && !file.startsWith(`${rendererDir}${path.sep}`)) return new Response('Forbidden', { status: 403 });
  const isFile = await stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!isFile) file = path.join(rendererDir, 'index.html');
  const body = await readFile(file);
  return new Response(body, {
    headers: { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': csp },
  });
}

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url, devServer);
}

function registerIpc(api: HostApiHandlers): void {
  ipcMain.handle(CHANNELS.call, async (event, method: unknown, input: unknown): Promise<CallReply> => {
    if (!isTrustedSender(event)) return { ok: false, error: 'refused: the request did not come from the app' };
    try {
      const parsed = parseApiInput(typeof method === 'string' ? method : String(method), input);
      const handler = api[parsed.method] as (value: unknown) => Promise<unknown>;
      const result = await handler(parsed.input);
      if (parsed.method === 'graph.open' || parsed.method === 'graph.save') void refreshMenu();
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  });
  ipcMain.handle(CHANNELS.chooseSavePath, async (event, suggestedName: unknown) => {
    if (!isTrustedSender(event)) return undefined;
    const window = BrowserWindow.fromWebContents(event.sender) ?? undefined;
    return allowChosen(await chooseSavePath(window, typeof suggestedName === 'string' ? suggestedName : undefined));
  });
}

function createWindow(openPath?: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#16181d',
    title: 'Condense',
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  if (openPath) {
    window.webContents.once('did-finish-load', () => {
      window.webContents.send(CHANNELS.menu, { command: 'open', path: openPath } satisfies MenuCommand);
    });
  }
  void window.loadURL(devServer ?? APP_URL);
  return window;
}

/** A graph file given on the command line (`condense-app path/to/graph.condense.json`). */
function graphArgument(argv: string[]): string | undefined {
  const file = argv.slice(1).find((arg) => arg.endsWith('.condense.json'));
  return file ? path.resolve(file) : undefined;
}

async function start(): Promise<void> {
  lockDownWebContents(devServer);
  lockDownSession(session.defaultSession);
  if (devServer) {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(devServer)] } });
    });
  }
  protocol.handle(APP_SCHEME, serveApp);

  // The engine loads from source with its node folders and worker entry beside it, as under the CLI.
  const { createEngine } = (await importTs(path.join(sourceRoot, 'src', 'engine', 'index.ts'))) as typeof import('../engine/index');
  engine = await createEngine({ home: resolveHome(), nodeDirs: extraNodeDirs(process.env, process.cwd()) });
  const examplesDir = path.join(sourceRoot, 'resources', 'examples');
  roots = defaultRoots({ cwd: app.getPath('documents'), condenseHome: engine.home, examplesDir });
  for (const file of await listRecent(engine.home).catch(() => [])) allowChosen(file);
  handlers = createApiHandlers(engine, {
    kind: 'electron',
    emit: (event) => broadcast(CHANNELS.event, event),
    cwd: app.getPath('documents'),
    examplesDir,
    roots,
  });
  registerIpc(handlers);
  await refreshMenu();
  createWindow(allowChosen(graphArgument(process.argv)));
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let closing = false;
app.on('before-quit', (event) => {
  if (closing || !engine) return;
  // Runs are cancelled and the runs database closed before the process goes away.
  event.preventDefault();
  closing = true;
  const current = engine;
  void (handlers?.stopAll() ?? Promise.resolve())
    .then(() => current.close())
    .finally(() => app.quit());
});

app
  .whenReady()
  .then(start)
  .catch((error: unknown) => {
    console.error(`Condense could not start: ${error instanceof Error ? error.message : String(error)}`);
    app.exit(1);
  });

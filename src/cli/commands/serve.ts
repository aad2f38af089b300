// `condense serve`: the editor in a browser tab, with this machine's engine behind it.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseCommandArgs, stringArg } from '../args';
import { openEngine } from '../engine';
import { EXIT_OK, UsageError, println, type CliIo } from '../io';
import { systemFolderOf } from '../path-roots';
import { buildMissingMessage, startEditorServer } from '../serve';
import { APP_ROOT } from '../version';

export const DEFAULT_PORT = 5217;
export const WEB_DIR = path.join(APP_ROOT, 'out', 'web');

function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`condense serve: --port ${raw}: expected a number from 0 to 65535`);
  return port;
}

/** Opens the URL in the default browser; where that is not possible the printed URL is all there is. */
function openBrowser(url: string, io: CliIo): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const fallback = () => println(io.stderr, 'Could not open a browser here; open the URL above.');
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', fallback);
    child.on('exit', (code) => {
      if (code !== 0) fallback();
    });
    child.unref();
  } catch {
    fallback();
  }
}

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    open: { type: 'boolean' },
    allow: { type: 'string', multiple: true },
  });
  if (positionals.length > 0) throw new UsageError(`condense serve: unexpected argument "${positionals[0]}".`);
  const port = parsePort(stringArg(values, 'port'));
  const host = stringArg(values, 'host') ?? '127.0.0.1';
  const cwd = io.cwd ?? process.cwd();
  const allow = ((values.allow as string[] | undefined) ?? []).map((dir) => path.resolve(cwd, dir));
  for (const dir of allow) {
    if (!isDirectory(dir)) throw new UsageError(`condense serve: --allow ${dir}: not a folder`);
    const system = systemFolderOf(dir);
    if (system) throw new UsageError(`condense serve: --allow ${dir}: ${system} is a system folder and is never served`);
  }
  if (!existsSync(path.join(WEB_DIR, 'index.html'))) println(io.stderr, buildMissingMessage(WEB_DIR));
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    println(io.stderr, `Listening on ${host}: anyone who can reach it and has the token can run graphs and read files here.`);
  }

  const engine = await openEngine(io);
  try {
    const server = await startEditorServer(engine, { port, host, webDir: WEB_DIR, cwd, allow });
    println(io.stdout, `Condense editor: ${server.url}`);
    println(io.stdout, `Folders the editor may open and save in: ${server.roots.join(', ')} (add one with --allow DIR)`);
    if (values.open) openBrowser(server.url, io);
    await new Promise<void>((resolve) => {
      if (!io.signal) return;
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return EXIT_OK;
  } finally {
    await engine.close();
  }
}

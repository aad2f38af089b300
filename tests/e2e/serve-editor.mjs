// Starts `condense serve` on a free port with its own CONDENSE_HOME and hands back the printed editor URL.
// Plain JavaScript so both the Playwright global setup and scripts/screenshot.mjs can use it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** @param {string} dir @returns {number} */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds out/web when it is missing or older than the renderer or shared sources. */
export function buildWebIfNeeded() {
  const index = path.join(ROOT, 'out', 'web', 'index.html');
  const newest = Math.max(...[path.join(ROOT, 'src', 'renderer'), path.join(ROOT, 'src', 'shared')].map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  const result = spawnSync('npm', ['run', 'build:web', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build:web failed');
}

/**
 * @param {NodeJS.ProcessEnv} [env] extra environment (e.g. CONDENSE_EXTRA_NODES)
 * @param {{ home?: string }} [options] an existing CONDENSE_HOME to serve (kept on stop), e.g. to restart on it
 * @returns {Promise<{ url: string; home: string; stop(): Promise<void>; kill(): Promise<void> }>}
 */
export async function serveEditor(env = {}, options = {}) {
  const home = options.home ?? mkdtempSync(path.join(os.tmpdir(), 'condense-e2e-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'condense.mjs'), 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ...env, CONDENSE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  /** @type {string} */
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`condense serve printed no URL within 60 s:\n${output}`)), 60_000);
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /Condense editor: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`condense serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    home,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        // A second signal means "now" to the CLI, in case a run is still being cancelled.
        const force = setTimeout(() => child.kill('SIGTERM'), 5000);
        await exited;
        clearTimeout(force);
      }
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
    /** SIGKILL: the server dies as in a crash, with no chance to clean up; the home stays. */
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

#!/usr/bin/env node
// `postinstall`: downloads the Electron binary where the machine can reach Electron's downloads, so
// `npm ci && npm start` opens the desktop window. package.json's `allowScripts` keeps the electron
// package's own install script from running, because where the download is impossible (offline, or
// a registry-only network) that script fails and takes `npm ci` down with it. Here a failed or
// skipped download is one line and `npm start` serves the same editor in a browser instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const say = (line) => console.log(`condense: ${line}`);

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  say('ELECTRON_SKIP_BINARY_DOWNLOAD is set, so the Electron binary was not downloaded; `npm start` will serve the editor in your browser.');
  process.exit(0);
}

let installer;
try {
  installer = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
} catch {
  // A production install without dev dependencies has no electron package: nothing to do.
  process.exit(0);
}
if (!existsSync(installer)) process.exit(0);

// The installer exits at once when the binary is already there, so a reinstall costs nothing.
const result = spawnSync(process.execPath, [installer], { encoding: 'utf8', timeout: 10 * 60_000, env: process.env });
if (result.status === 0) {
  say('the Electron binary is installed; `npm start` opens the desktop app.');
  process.exit(0);
}
const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
const reason = (result.error?.message ?? output.split('\n').find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONN|timed out|status/i.test(l)) ?? `exit ${result.status}`).trim();
say(`the Electron binary could not be downloaded (${reason.slice(0, 200)}); \`npm start\` will serve the editor in your browser instead.`);
process.exit(0);

// `npm start`: the desktop app when the Electron binary is installed, otherwise the same editor in a browser
// tab served by `condense serve`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const extraArgs = process.argv.slice(2);

function electronBinary() {
  try {
    // The electron package's main export is the binary's path; it throws when the download was skipped.
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

function binOf(pkg, name) {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  return path.join(path.dirname(manifestPath), bin);
}

let current;

/** Runs a child in the foreground: Ctrl-C reaches it through the terminal, and its exit code becomes ours. */
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    current = child;
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    child.on('error', (error) => {
      console.error(error.message);
      resolve(1);
    });
  });
}

// The terminal sends Ctrl-C to the whole process group; the child decides how to stop, we wait for it.
process.on('SIGINT', () => {});
// A process manager stops only us: pass it on so the child closes cleanly too.
process.on('SIGTERM', () => current?.kill('SIGTERM'));

let code;
if (electronBinary()) {
  code = await run([binOf('electron-vite', 'electron-vite'), 'preview', ...extraArgs]);
} else {
  console.log('The Electron binary is not installed, so the same editor is being served in your browser instead.');
  code = await run([binOf('vite', 'vite'), 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn']);
  if (code === 0) code = await run([path.join(root, 'bin', 'condense.mjs'), 'serve', '--open', ...extraArgs]);
}
process.exit(code);

#!/usr/bin/env node
// Runs the TypeScript CLI straight from source: tsx's loader is registered in-process (no re-exec, no build
// step), so `npx condense ...` works right after `npm ci`.
import { writeSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');

/** After the first Ctrl-C or SIGTERM the command gets this long to cancel cleanly before it is ended. */
const FORCE_EXIT_MS = Number(process.env.CONDENSE_FORCE_EXIT_MS) > 0 ? Number(process.env.CONDENSE_FORCE_EXIT_MS) : 5000;

/** Ends the process now, saying why on stderr (synchronously: nothing queued would be written any more). */
function exitNow(reason) {
  try {
    writeSync(2, `\ncondense: ${reason}; stopped.\n`);
  } catch {
    // stderr is gone or full; the exit code still says it.
  }
  process.exit(130);
}

const controller = new AbortController();
let interrupts = 0;
const onInterrupt = (signal) => {
  interrupts += 1;
  // A second signal means "now", whatever the command is doing.
  if (interrupts > 1) exitNow(`second ${signal}`);
  // The first cancels the run cleanly; a command that does not end on its own (a node ignoring its cancel
  // signal, a stuck write) is ended anyway. unref: a command that finishes sooner exits at once.
  controller.abort();
  setTimeout(() => exitNow(`${signal} and not finished ${FORCE_EXIT_MS / 1000} s later`), FORCE_EXIT_MS).unref();
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);
// The live run display hides the cursor; give it back however the process ends.
if (process.stdout.isTTY) process.on('exit', () => process.stdout.write('\u001b[?25h'));

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Worker threads or open handles of the engine must not keep a finished command alive, but everything
// written must reach its reader first: both streams, since a pipe that is read slowly holds back either.
const flushed = (stream) =>
  new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

#!/usr/bin/env node
// Runs the TypeScript CLI straight from source: tsx's loader is registered in-process (no re-exec, no build
// step), so `npx condense ...` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');

const controller = new AbortController();
let interrupts = 0;
const onInterrupt = () => {
  interrupts += 1;
  // First Ctrl-C cancels the run cleanly; a second one means "now".
  if (interrupts > 1) process.exit(130);
  controller.abort();
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
// Worker threads or open handles of the engine must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));

// Signals always stop `condense`: the first cancels the run, a second one ends the process at once, and
// a command still going some seconds after the first is ended anyway. Special paths that used to make
// it spin (Node's recursive mkdir on /proc) are refused up front. Everything written reaches a slow pipe.
// These need the real process: signals, exit codes and pipes are the point.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, cliEnv, finished, graphFile, runCli, startCli, tempDir } from './helpers';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = tempDir('condense-signals-');
  env = cliEnv(path.join(dir, 'home'));
});

/** Starts a run of a node that never checks its cancel signal, resolved once the node is running. */
async function startStuckRun(extraEnv: NodeJS.ProcessEnv = {}) {
  const file = graphFile(dir, `stuck-${Math.random().toString(36).slice(2)}`, [
    { id: 'stuck', type: 'test.slow', params: { steps: 100, stepMs: 10_000, ignoreAbort: true } },
  ]);
  const child = startCli(['run', file, '--json'], { ...env, ...extraEnv });
  const done = finished(child);
  await new Promise<void>((resolve) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer | string) => {
      seen += chunk.toString();
      if (seen.includes('"node-started"')) resolve();
    });
  });
  return { child, done };
}

describe('signals', () => {
  it('a second signal ends the command at once, whatever it is doing', async () => {
    const { child, done } = await startStuckRun();
    const sentAt = Date.now();
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(1500);
    expect(result.stderr).toContain('second SIGTERM; stopped.');
  }, 30_000);

  it('a command still going after the first signal is ended when the grace time is up', async () => {
    // 600 ms instead of the default 5 s keeps the test short; the node ignores its cancel signal, and the
    // engine would only terminate its worker after 2 s.
    const { child, done } = await startStuckRun({ CONDENSE_FORCE_EXIT_MS: '600' });
    const sentAt = Date.now();
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(1800);
    expect(result.stderr).toContain('SIGINT and not finished 0.6 s later; stopped.');
  }, 30_000);

  it('--out on /proc, /sys or /dev is refused at once instead of spinning', async () => {
    const file = graphFile(dir, 'one', [{ id: 'n', type: 'test.number', params: { value: 1 } }]);
    for (const out of ['/proc/nope', '/sys/nope', '/dev/nope']) {
      const startedAt = Date.now();
      const result = await runCli(['run', file, '--out', out], env);
      expect(result.code, out).toBe(2);
      expect(result.stderr, out).toContain(`--out ${out}: cannot write here because /${out.split('/')[1]} is a system folder`);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    }
  }, 60_000);
});

describe('output through pipes', () => {
  it('stderr reaches a slow reader in full, summary line included', async () => {
    const nodes = Array.from({ length: 1500 }, (_, i) => ({ id: `n${i}`, type: `no.such.type${i}` }));
    const file = graphFile(dir, 'many-issues', nodes);
    // The reader waits before reading, so the pipe fills and the writes queue up in the process.
    const child = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" validate "${file}" 2>&1 | (sleep 1; cat)`], { cwd: ROOT, env });
    const result = await finished(child);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(1501);
    expect(lines.at(-1)).toBe('many-issues.condense.json: 1500 problems');
    expect(result.stdout.length).toBeGreaterThan(150_000);
  }, 60_000);
});

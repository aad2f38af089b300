// What the CLI prints stays short and plain whatever the graph file holds: user strings are quoted at
// most a few hundred characters, and a cancelled node says "cancelled", not an AbortError.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';
import { NODE_PACK, graphFile, tempDir } from './helpers';

let dir: string;

function captureIo(signal?: AbortSignal): CliIo & { out: () => string } {
  let text = '';
  const sink = { write: (chunk: string) => ((text += chunk), true) };
  return { stdout: sink, stderr: sink, isTTY: false, env: { CONDENSE_HOME: path.join(dir, 'home'), CONDENSE_EXTRA_NODES: NODE_PACK }, cwd: dir, signal, out: () => text };
}

beforeAll(() => {
  dir = tempDir('condense-messages-');
});

describe('bounded messages', () => {
  it('a 10 MB node type, id, param or port is quoted short', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const variants = {
      type: [{ id: 'a', type: huge, typeVersion: 1, params: {} }],
      id: [{ id: huge, type: 'test.number', typeVersion: 2, params: {} }],
      param: [{ id: 'n', type: 'test.number', typeVersion: 2, params: { [huge]: 1 } }],
      port: [
        { id: 'n', type: 'test.number', typeVersion: 2, params: {} },
        { id: 'r', type: 'test.report', typeVersion: 1, params: {} },
      ],
    };
    for (const [name, nodes] of Object.entries(variants)) {
      const edges = name === 'port' ? [{ id: 'e', from: { node: 'n', port: huge }, to: { node: 'r', port: 'in' } }] : [];
      writeFileSync(path.join(dir, `${name}.condense.json`), JSON.stringify({ format: 'condense.graph', schemaVersion: 1, meta: { name }, nodes, edges }));
      const io = captureIo();
      expect(await main(['validate', `${name}.condense.json`], io), name).toBe(2);
      for (const line of io.out().trimEnd().split('\n')) expect(line.length, `${name}: ${line.slice(0, 200)}`).toBeLessThan(1000);
      expect(io.out(), name).toMatch(/x{60}… \(1048\d{4} characters\)/);
    }
  });

  it('--until and --set echo a long argument short', async () => {
    const file = graphFile(dir, 'small', [{ id: 'n', type: 'test.number', params: { value: 1 } }]);
    const io = captureIo();
    expect(await main(['run', file, '--until', 'u'.repeat(100_000)], io)).toBe(2);
    expect(io.out().length).toBeLessThan(1000);
    const set = captureIo();
    expect(await main(['run', file, '--set', `${'s'.repeat(100_000)}`], set)).toBe(2);
    expect(set.out().length).toBeLessThan(1000);
    const unknown = captureIo();
    expect(await main(['c'.repeat(100_000)], unknown)).toBe(2);
    expect(unknown.out().length).toBeLessThan(1000);
  });
});

describe('cancelled nodes', () => {
  it('Ctrl-C reports the running node as cancelled, not as an AbortError', async () => {
    const file = graphFile(dir, 'slow', [{ id: 'train', type: 'test.slow', params: { steps: 5000, stepMs: 10 } }]);
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    const running = main(['run', file], io);
    await expect.poll(() => io.out().includes('[started] train') || io.out().includes('train'), { timeout: 20_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    expect(await running).toBe(130);
    expect(io.out()).toContain('[skipped] train: run cancelled');
    expect(io.out()).not.toMatch(/AbortError|This operation was aborted/);
  }, 30_000);
});

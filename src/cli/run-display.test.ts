import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events';
import { createRunDisplay, formatDuration } from './run-display';
import type { CliIo } from './io';

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    isTTY: false,
    env: {},
    out: () => out,
    err: () => err,
  };
}

const runId = 'r1';
const events: RunEvent[] = [
  { type: 'run-started', runId, at: 0, nodeIds: ['data', 'train', 'after'], cachedNodeIds: ['data'] },
  { type: 'node-cached', runId, nodeId: 'data', at: 1, outputs: {} },
  { type: 'node-started', runId, nodeId: 'train', at: 2 },
  { type: 'node-progress', runId, nodeId: 'train', at: 3, fraction: 0.5, message: 'epoch 1/2' },
  { type: 'node-metric', runId, nodeId: 'train', at: 4, name: 'loss', value: 0.25, step: 1 },
  { type: 'node-log', runId, nodeId: 'train', at: 5, level: 'warn', message: 'learning rate is high' },
  { type: 'node-finished', runId, nodeId: 'train', at: 1200, ms: 1198, outputs: {} },
  { type: 'node-failed', runId, nodeId: 'after', at: 1300, ms: 100, error: 'no model' },
  { type: 'run-finished', runId, at: 1301, ms: 1301, status: 'failed', counts: { ran: 1, cached: 1, failed: 1, skipped: 0 } },
];

describe('run display', () => {
  it('formats durations', () => {
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(65_000)).toBe('1m05s');
  });

  it('prints one plain line per outcome', () => {
    const io = capture();
    const display = createRunDisplay('plain', io, ['data', 'train', 'after']);
    for (const event of events) display.onEvent(event);
    display.finish();
    expect(io.out().split('\n')).toEqual([
      '[cached] data',
      '[warn] train: learning rate is high',
      '[ok] train 1.2s loss=0.2500',
      '[failed] after: no model',
      'run r1 failed in 1.3s: 1 ran, 1 cached, 1 failed, 0 skipped',
      '',
    ]);
  });

  it('prints NDJSON events exactly as given', () => {
    const io = capture();
    const display = createRunDisplay('json', io, []);
    for (const event of events) display.onEvent(event);
    expect(io.out().trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(events);
  });

  it('redraws one line per node in place on a terminal', () => {
    const io = capture();
    const display = createRunDisplay('tty', { ...io, isTTY: true }, ['data', 'train', 'after']);
    for (const event of events) display.onEvent(event);
    display.finish();
    const out = io.out();
    // Cursor moved back up over the three node lines before each redraw.
    expect(out).toContain('\u001b[3A');
    const lastFrame = out.slice(out.lastIndexOf('\u001b[3A'));
    expect(lastFrame).toMatch(/✓ train .*done .*100% +1\.2s +loss=0\.2500/);
    expect(lastFrame).toMatch(/≡ data .*cached/);
    expect(lastFrame).toMatch(/✗ after .*failed .*no model/);
    expect(out).toContain('run r1 failed in 1.3s');
    expect(io.err()).toContain('[failed] after: no model');
  });
});

import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events';
import { applyRunEvent, beginRun, idleRunState } from './run-state';

const at = 1_700_000_000_000;
const report = { type: 'Report', images: [] };

function fold(events: RunEvent[]) {
  return events.reduce(applyRunEvent, beginRun('r1'));
}

describe('run state', () => {
  it('follows a node from queued to done and a cached node straight to cached', () => {
    const s = fold([
      { type: 'run-started', runId: 'r1', at, nodeIds: ['a', 'b'], cachedNodeIds: ['c'] },
      { type: 'node-started', runId: 'r1', nodeId: 'a', at },
      { type: 'node-progress', runId: 'r1', nodeId: 'a', at, fraction: 0.5, message: 'epoch 1' },
    ]);
    expect(s.nodes).toEqual({ a: { status: 'running', fraction: 0.5, message: 'epoch 1', startedAt: at }, b: { status: 'queued' }, c: { status: 'cached' } });
    const t = [
      { type: 'node-metric', runId: 'r1', nodeId: 'a', at, name: 'loss', value: 0.25, step: 3 },
      { type: 'node-finished', runId: 'r1', nodeId: 'a', at, ms: 1234, outputs: { report } },
      { type: 'node-failed', runId: 'r1', nodeId: 'b', at, ms: 5, error: 'no such file' },
      { type: 'run-finished', runId: 'r1', at, ms: 2000, status: 'failed', counts: { ran: 1, cached: 1, failed: 1, skipped: 0 } },
    ].reduce((acc, e) => applyRunEvent(acc, e as RunEvent), s);
    expect(t.nodes.a).toMatchObject({ status: 'done', ms: 1234, metric: { name: 'loss', value: 0.25, step: 3 }, outputs: { report } });
    expect(t.nodes.a.series).toEqual({ loss: [{ step: 3, value: 0.25 }] });
    expect(t.nodes.b).toMatchObject({ status: 'failed', error: 'no such file' });
    expect(t).toMatchObject({ phase: 'finished', result: 'failed' });
  });

  it('marks unfinished nodes cancelled when the run is cancelled', () => {
    const s = fold([
      { type: 'run-started', runId: 'r1', at, nodeIds: ['a', 'b'], cachedNodeIds: [] },
      { type: 'node-started', runId: 'r1', nodeId: 'a', at },
      { type: 'run-finished', runId: 'r1', at, ms: 10, status: 'cancelled', counts: { ran: 0, cached: 0, failed: 0, skipped: 0 } },
    ]);
    expect(s.nodes.a.status).toBe('cancelled');
    expect(s.nodes.b.status).toBe('cancelled');
  });

  it('shows nodes that Stop ended as cancelled, and nodes after a failure as skipped', () => {
    const s = fold([
      { type: 'run-started', runId: 'r1', at, nodeIds: ['train', 'eval', 'after'], cachedNodeIds: [] },
      { type: 'node-started', runId: 'r1', nodeId: 'train', at },
      { type: 'node-skipped', runId: 'r1', nodeId: 'eval', at, reason: 'run cancelled' },
      { type: 'node-skipped', runId: 'r1', nodeId: 'train', at, reason: 'run cancelled (the node did not stop within 2 s; its worker was replaced)' },
      { type: 'node-skipped', runId: 'r1', nodeId: 'after', at, reason: 'upstream node "broken" failed' },
    ]);
    expect(s.nodes.eval).toMatchObject({ status: 'cancelled', message: undefined });
    expect(s.nodes.train).toMatchObject({ status: 'cancelled', message: 'the node did not stop within 2 s; its worker was replaced' });
    expect(s.nodes.after).toMatchObject({ status: 'skipped', message: 'upstream node "broken" failed' });
    expect(s.log.map((l) => l.text).slice(-3)).toEqual(['cancelled', 'cancelled (the node did not stop within 2 s; its worker was replaced)', 'skipped: upstream node "broken" failed']);
  });

  it('ignores events of other runs and folds bursts of progress into one log line', () => {
    const s = fold([
      { type: 'run-started', runId: 'r1', at, nodeIds: ['a'], cachedNodeIds: [] },
      { type: 'node-started', runId: 'other', nodeId: 'a', at },
      ...[0.1, 0.2, 0.3].map((fraction) => ({ type: 'node-progress', runId: 'r1', nodeId: 'a', at, fraction }) as RunEvent),
    ]);
    expect(s.nodes.a.status).toBe('running');
    expect(s.log.map((l) => l.text)).toEqual(['run started: 1 to run, 0 cached', '30%']);
    expect(applyRunEvent(idleRunState, { type: 'node-started', runId: 'x', nodeId: 'a', at }).nodes.a.status).toBe('running');
  });
});

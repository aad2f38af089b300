import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../shared/events';
import { useRun } from './run-store';

const at = 1;
const started: RunEvent = { type: 'run-started', runId: 'r2', at, nodeIds: ['a'], cachedNodeIds: ['b'] };

beforeEach(() => {
  vi.useFakeTimers();
  useRun.getState().clear();
});
afterEach(() => vi.useRealTimers());

describe('run store', () => {
  it('replays events that arrived before run.start answered with the run id', () => {
    useRun.getState().setStarting(true);
    useRun.getState().receive(started);
    useRun.getState().receive({ type: 'node-started', runId: 'r2', nodeId: 'a', at });
    useRun.getState().begin('r2');
    expect(useRun.getState()).toMatchObject({ runId: 'r2', phase: 'running', starting: false });
    expect(useRun.getState().nodes).toEqual({ a: { status: 'running', fraction: 0, message: undefined, startedAt: at }, b: { status: 'cached' } });
  });

  it('folds a burst of events into one update and ignores other runs', () => {
    useRun.getState().begin('r2');
    const updates = vi.fn();
    const unsubscribe = useRun.subscribe(updates);
    useRun.getState().receive(started);
    for (let i = 1; i <= 50; i++) useRun.getState().receive({ type: 'node-progress', runId: 'r2', nodeId: 'a', at, fraction: i / 50 });
    useRun.getState().receive({ type: 'node-failed', runId: 'other', nodeId: 'a', at, ms: 1, error: 'x' });
    expect(updates).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(updates).toHaveBeenCalledTimes(1);
    expect(useRun.getState().nodes.a).toMatchObject({ status: 'running', fraction: 1 });
    unsubscribe();
  });

  it('forgets a finished run result when the next run begins', () => {
    useRun.getState().begin('r1');
    useRun.getState().receive({ type: 'run-finished', runId: 'r1', at, ms: 5, status: 'failed', counts: { ran: 0, cached: 0, failed: 1, skipped: 0 } });
    vi.advanceTimersByTime(100);
    expect(useRun.getState().result).toBe('failed');
    useRun.getState().begin('r2');
    expect(useRun.getState().result).toBeUndefined();
  });
});

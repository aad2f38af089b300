import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events';
import { RunsDb } from './runs';
import { graphOf } from './graph-builder';
import { tempHome } from './test-support';

describe('RunsDb', () => {
  it('records a run and reads it back after reopening', () => {
    const file = path.join(tempHome(), 'runs.sqlite');
    const db = new RunsDb(file);
    const graph = graphOf('g').node('n', 'test.number').build();
    db.startRun({ id: 'r1', graph, graphPath: '/x/g.condense.json', startedAt: 100 });
    expect(db.listRuns()).toEqual([{ id: 'r1', graphName: 'g', graphPath: '/x/g.condense.json', startedAt: 100, status: 'running', counts: { ran: 0, cached: 0, failed: 0, skipped: 0 } }]);
    const events: RunEvent[] = [
      { type: 'run-started', runId: 'r1', at: 101, nodeIds: ['n'], cachedNodeIds: [] },
      { type: 'node-started', runId: 'r1', nodeId: 'n', at: 102 },
      { type: 'node-metric', runId: 'r1', nodeId: 'n', at: 103, name: 'loss', value: 0.5, step: 1 },
      { type: 'node-finished', runId: 'r1', nodeId: 'n', at: 104, ms: 2, outputs: { value: { type: 'Metrics' } } },
      { type: 'run-finished', runId: 'r1', at: 105, ms: 5, status: 'succeeded', counts: { ran: 1, cached: 0, failed: 0, skipped: 0 } },
    ];
    for (const event of events) {
      db.record(event, event.type === 'node-finished' ? { value: { object: 'o'.repeat(64), summary: { type: 'Metrics' } } } : undefined);
    }
    db.close();
    const reopened = new RunsDb(file);
    expect(reopened.getRun('r1')).toEqual({
      id: 'r1',
      graphName: 'g',
      graphPath: '/x/g.condense.json',
      startedAt: 100,
      finishedAt: 105,
      status: 'succeeded',
      counts: { ran: 1, cached: 0, failed: 0, skipped: 0 },
      graph,
      events,
      metrics: [{ nodeId: 'n', name: 'loss', step: 1, value: 0.5 }],
      outputs: [{ nodeId: 'n', port: 'value', object: 'o'.repeat(64), summary: { type: 'Metrics' } }],
    });
    reopened.close();
  });

  it('lists newest first and sees buffered events before they are flushed', () => {
    const db = new RunsDb(path.join(tempHome(), 'runs.sqlite'));
    const graph = graphOf('g').build();
    db.startRun({ id: 'old', graph, startedAt: 1 });
    db.startRun({ id: 'new', graph, startedAt: 2 });
    expect(db.listRuns().map((r) => r.id)).toEqual(['new', 'old']);
    db.record({ type: 'node-started', runId: 'new', nodeId: 'n', at: 3 });
    expect(db.getRun('new')!.events).toHaveLength(1);
    expect(db.getRun('nope')).toBeUndefined();
    db.close();
  });
});

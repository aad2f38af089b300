// After kill -9: runs left "running" by a process that is gone read as interrupted, and temp files of
// writers that were killed mid-write are swept when the next engine opens the home.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RunsDb } from './runs';
import { graphOf } from './graph-builder';
import { tempHome, testEngine } from './test-support';

/** A process id that is certainly not running: above Linux's pid_max. */
const DEAD_PID = 999_999_999;

describe('runs of processes that are gone', () => {
  it('are marked interrupted, ending at their last event; live ones stay running', () => {
    const file = path.join(tempHome(), 'runs.sqlite');
    const db = new RunsDb(file);
    const graph = graphOf('g').node('n', 'test.number').build();
    db.startRun({ id: 'killed', graph, startedAt: 100 });
    db.record({ type: 'run-started', runId: 'killed', at: 101, nodeIds: ['n'], cachedNodeIds: [] });
    db.record({ type: 'node-started', runId: 'killed', nodeId: 'n', at: 150 });
    db.startRun({ id: 'mine', graph, startedAt: 200 });
    db.flush();
    // The first run's process was killed: only its pid in the database says whose it was.
    const raw = new Database(file);
    raw.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(DEAD_PID, 'killed');
    raw.close();

    const rows = db.listRuns();
    expect(rows.find((r) => r.id === 'killed')).toMatchObject({ status: 'cancelled', interrupted: true, finishedAt: 150 });
    expect(rows.find((r) => r.id === 'mine')).toMatchObject({ status: 'running' });
    expect(rows.find((r) => r.id === 'mine')).not.toHaveProperty('interrupted');
    expect(db.getRun('killed')).toMatchObject({ interrupted: true });
    db.close();
  });

  it('a database from before the pid column opens and keeps its runs', () => {
    const file = path.join(tempHome(), 'runs.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, graph_name TEXT NOT NULL, graph_path TEXT, started_at INTEGER NOT NULL,
      finished_at INTEGER, status TEXT NOT NULL, counts TEXT NOT NULL, graph TEXT NOT NULL)`);
    old.prepare("INSERT INTO runs VALUES ('r', 'g', NULL, 1, 2, 'succeeded', '{\"ran\":1,\"cached\":0,\"failed\":0,\"skipped\":0}', '{}')").run();
    old.close();
    const db = new RunsDb(file);
    expect(db.listRuns()).toMatchObject([{ id: 'r', status: 'succeeded' }]);
    db.close();
  });
});

describe('temp files of killed writers', () => {
  it('are removed when an engine opens the home; a live writer\'s are kept', async () => {
    const home = tempHome();
    const objects = path.join(home, 'cache', 'objects');
    const entries = path.join(home, 'cache', 'entries');
    fs.mkdirSync(objects, { recursive: true });
    fs.mkdirSync(entries, { recursive: true });
    fs.mkdirSync(path.join(home, 'artifacts'), { recursive: true });
    const sha = 'a'.repeat(64);
    const dead = [
      path.join(objects, `${sha}.${DEAD_PID}-1-0.tmp`),
      path.join(entries, `${sha}.json.${DEAD_PID}-0-3.tmp`),
      path.join(home, 'artifacts', `${sha}.${DEAD_PID}-2-a.tmp`),
      path.join(home, `.settings.json.${DEAD_PID}.0f0f0f.tmp`),
    ];
    const live = path.join(objects, `${sha}.${process.pid}-1-0.tmp`);
    for (const file of [...dead, live]) fs.writeFileSync(file, 'half written');
    const engine = await testEngine({ home });
    try {
      for (const file of dead) expect(fs.existsSync(file), file).toBe(false);
      expect(fs.existsSync(live)).toBe(true);
    } finally {
      await engine.close();
    }
  });
});

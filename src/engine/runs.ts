// The run record: one SQLite file ($home/runs.sqlite, WAL) holding every run's graph snapshot, events,
// metric points and output references, so runs can be listed, reopened and compared after a restart.
// Events arrive fast (a metric per training step); they are buffered and written in one transaction
// per flush instead of one commit per event.
import os from 'node:os';
import Database from 'better-sqlite3';
import { isProcessAlive } from '../compute/storage/temp-files';
import type { RunEvent } from '../shared/events';
import type { Graph } from '../shared/graph/schema';
import type { RunRecord, RunSummaryRow } from '../shared/api/contract';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  graph_name TEXT NOT NULL,
  graph_path TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL,
  counts TEXT NOT NULL,
  graph TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at DESC);
CREATE TABLE IF NOT EXISTS events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE IF NOT EXISTS metrics (run_id TEXT NOT NULL, node_id TEXT NOT NULL, name TEXT NOT NULL, step REAL NOT NULL, value REAL NOT NULL);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
CREATE TABLE IF NOT EXISTS outputs (run_id TEXT NOT NULL, node_id TEXT NOT NULL, port TEXT NOT NULL, object TEXT NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (run_id, node_id, port));
`;

interface RunRow {
  id: string;
  graph_name: string;
  graph_path: string | null;
  started_at: number;
  finished_at: number | null;
  status: RunSummaryRow['status'];
  counts: string;
  graph?: string;
  interrupted?: number | null;
}

/**
 * A run whose process died without finishing it (kill -9, a crash, a power cut). The contract's statuses
 * have no word for it, so it reads as cancelled with `interrupted: true`, which `condense runs` prints.
 */
export type RecordedRunRow = RunSummaryRow & { interrupted?: true };

function toSummary(row: RunRow): RecordedRunRow {
  return {
    ...(row.interrupted ? { interrupted: true as const } : {}),
    id: row.id,
    graphName: row.graph_name,
    ...(row.graph_path ? { graphPath: row.graph_path } : {}),
    startedAt: row.started_at,
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    status: row.status,
    counts: JSON.parse(row.counts) as RunSummaryRow['counts'],
  };
}

const FLUSH_MS = 200;

export class RunsDb {
  private db: Database.Database;
  private pending: RunEvent[] = [];
  private pendingOutputs: { runId: string; nodeId: string; port: string; object: string; summary: Record<string, unknown> }[] = [];
  private seq = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private statements;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Added after the first release: which process records a run, so a run left "running" by a process
    // that is gone can be told from one still going in another process.
    const columns = new Set((this.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('pid')) this.db.exec('ALTER TABLE runs ADD COLUMN pid INTEGER');
    if (!columns.has('host')) this.db.exec('ALTER TABLE runs ADD COLUMN host TEXT');
    if (!columns.has('interrupted')) this.db.exec('ALTER TABLE runs ADD COLUMN interrupted INTEGER');
    this.statements = {
      insertRun: this.db.prepare(
        'INSERT INTO runs (id, graph_name, graph_path, started_at, status, counts, graph, pid, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      running: this.db.prepare("SELECT id, pid, host, started_at FROM runs WHERE status = 'running'"),
      lastEventAt: this.db.prepare('SELECT event FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1'),
      markInterrupted: this.db.prepare(
        "UPDATE runs SET status = 'cancelled', interrupted = 1, finished_at = ? WHERE id = ? AND status = 'running'",
      ),
      finishRun: this.db.prepare('UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?'),
      insertEvent: this.db.prepare('INSERT INTO events (run_id, seq, event) VALUES (?, ?, ?)'),
      insertMetric: this.db.prepare('INSERT INTO metrics (run_id, node_id, name, step, value) VALUES (?, ?, ?, ?, ?)'),
      insertOutput: this.db.prepare(
        'INSERT OR REPLACE INTO outputs (run_id, node_id, port, object, summary) VALUES (?, ?, ?, ?, ?)',
      ),
      list: this.db.prepare(
        'SELECT id, graph_name, graph_path, started_at, finished_at, status, counts, interrupted FROM runs ORDER BY started_at DESC, rowid DESC',
      ),
      get: this.db.prepare('SELECT * FROM runs WHERE id = ?'),
      events: this.db.prepare('SELECT event FROM events WHERE run_id = ? ORDER BY seq'),
      metrics: this.db.prepare('SELECT node_id, name, step, value FROM metrics WHERE run_id = ? ORDER BY rowid'),
      outputs: this.db.prepare('SELECT node_id, port, object, summary FROM outputs WHERE run_id = ? ORDER BY rowid'),
    };
  }

  startRun(run: { id: string; graph: Graph; graphPath?: string; startedAt: number }): void {
    this.statements.insertRun.run(
      run.id,
      run.graph.meta.name,
      run.graphPath ?? null,
      run.startedAt,
      'running',
      JSON.stringify({ ran: 0, cached: 0, failed: 0, skipped: 0 }),
      JSON.stringify(run.graph),
      process.pid,
      os.hostname(),
    );
  }

  /**
   * Marks runs left "running" by processes of this machine that no longer exist as interrupted, ending at
   * their last recorded event. Runs of other machines sharing the home (and of this process) are left
   * alone: their processes cannot be checked from here. Returns the ids marked.
   */
  markInterruptedRuns(): string[] {
    const host = os.hostname();
    const marked: string[] = [];
    for (const row of this.statements.running.all() as { id: string; pid: number | null; host: string | null; started_at: number }[]) {
      if (row.pid === null || row.host !== host || row.pid === process.pid || isProcessAlive(row.pid)) continue;
      const last = this.statements.lastEventAt.get(row.id) as { event: string } | undefined;
      let endedAt = row.started_at;
      try {
        if (last) endedAt = Math.max(endedAt, (JSON.parse(last.event) as { at?: number }).at ?? endedAt);
      } catch {
        // A damaged event row only loses the end time.
      }
      this.statements.markInterrupted.run(endedAt, row.id);
      marked.push(row.id);
    }
    return marked;
  }

  /** Buffers an event; `outputs` of finished/cached nodes are recorded once per port, by object id. */
  record(event: RunEvent, outputs?: Record<string, { object: string; summary: Record<string, unknown> }>): void {
    this.pending.push(event);
    if (outputs && 'nodeId' in event) {
      this.pendingOutputs.push(...Object.entries(outputs).map(([port, o]) => ({ runId: event.runId, nodeId: event.nodeId, port, ...o })));
    }
    if (event.type === 'run-finished') {
      this.flush();
      this.statements.finishRun.run(event.at, event.status, JSON.stringify(event.counts), event.runId);
      this.seq.delete(event.runId);
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      // close() flushes what is left; the timer alone must not hold a CLI process open.
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length && !this.pendingOutputs.length) return;
    const events = this.pending;
    const outputs = this.pendingOutputs;
    this.pending = [];
    this.pendingOutputs = [];
    this.db.transaction(() => {
      for (const event of events) {
        const seq = this.seq.get(event.runId) ?? 0;
        this.seq.set(event.runId, seq + 1);
        this.statements.insertEvent.run(event.runId, seq, JSON.stringify(event));
        if (event.type === 'node-metric') {
          this.statements.insertMetric.run(event.runId, event.nodeId, event.name, event.step, event.value);
        }
      }
      for (const o of outputs) this.statements.insertOutput.run(o.runId, o.nodeId, o.port, o.object, JSON.stringify(o.summary));
    })();
  }

  listRuns(): RecordedRunRow[] {
    this.flush();
    this.markInterruptedRuns();
    return (this.statements.list.all() as RunRow[]).map(toSummary);
  }

  getRun(id: string): (RunRecord & { interrupted?: true }) | undefined {
    this.flush();
    this.markInterruptedRuns();
    const row = this.statements.get.get(id) as RunRow | undefined;
    if (!row) return undefined;
    return {
      ...toSummary(row),
      graph: JSON.parse(row.graph!) as Graph,
      events: (this.statements.events.all(id) as { event: string }[]).map((r) => JSON.parse(r.event) as RunEvent),
      metrics: (this.statements.metrics.all(id) as { node_id: string; name: string; step: number; value: number }[]).map((m) => ({
        nodeId: m.node_id,
        name: m.name,
        step: m.step,
        value: m.value,
      })),
      outputs: (this.statements.outputs.all(id) as { node_id: string; port: string; object: string; summary: string }[]).map((o) => ({
        nodeId: o.node_id,
        port: o.port,
        object: o.object,
        summary: JSON.parse(o.summary) as Record<string, unknown>,
      })),
    };
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}

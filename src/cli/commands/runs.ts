// `condense runs` and `condense runs show <id>`: the run history kept in $CONDENSE_HOME.
import { parseCommandArgs } from '../args';
import { withEngine } from '../engine';
import { EXIT_INVALID, EXIT_OK, UsageError, println, type CliIo } from '../io';
import { formatDuration } from '../run-display';
import type { RunRecord, RunSummaryRow } from '../../shared/api/contract';

function countsText(counts: RunSummaryRow['counts']): string {
  return `${counts.ran} ran, ${counts.cached} cached, ${counts.failed} failed, ${counts.skipped} skipped`;
}

function when(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function rowLine(row: RunSummaryRow & { interrupted?: true }): string {
  const took = row.finishedAt !== undefined ? formatDuration(row.finishedAt - row.startedAt) : '-';
  // A run whose process was killed is recorded as cancelled; say what happened.
  const status = row.interrupted ? 'interrupted' : row.status;
  return `${row.id}  ${when(row.startedAt)}  ${status.padEnd(11)}  ${took.padStart(7)}  ${row.graphName}  (${countsText(row.counts)})`;
}

/** Final state of each node and its last value per metric, replayed from the recorded events. */
export function nodeStates(record: RunRecord): { nodeId: string; status: string; detail: string }[] {
  const states = new Map<string, { status: string; detail: string }>();
  for (const event of record.events) {
    if (!('nodeId' in event)) continue;
    const state = states.get(event.nodeId) ?? { status: 'queued', detail: '' };
    if (event.type === 'node-started') state.status = 'running';
    else if (event.type === 'node-cached') state.status = 'cached';
    else if (event.type === 'node-finished') Object.assign(state, { status: 'done', detail: formatDuration(event.ms) });
    else if (event.type === 'node-failed') Object.assign(state, { status: 'failed', detail: event.error });
    else if (event.type === 'node-skipped') Object.assign(state, { status: 'skipped', detail: event.reason });
    states.set(event.nodeId, state);
  }
  return [...states].map(([nodeId, state]) => ({ nodeId, ...state }));
}

function showRecord(record: RunRecord & { interrupted?: true }, io: CliIo): void {
  println(io.stdout, rowLine(record));
  if (record.graphPath) println(io.stdout, `graph: ${record.graphPath}`);
  println(io.stdout, 'nodes:');
  for (const state of nodeStates(record)) {
    println(io.stdout, `  [${state.status}] ${state.nodeId}${state.detail ? `  ${state.detail}` : ''}`);
  }
  const last = new Map<string, { step: number; value: number }>();
  for (const point of record.metrics) last.set(`${point.nodeId}.${point.name}`, point);
  if (last.size > 0) {
    println(io.stdout, 'metrics (last value):');
    for (const [name, point] of last) println(io.stdout, `  ${name} = ${point.value} (step ${point.step})`);
  }
  if (record.outputs.length > 0) {
    println(io.stdout, 'outputs:');
    for (const output of record.outputs) {
      println(io.stdout, `  ${output.nodeId}.${output.port}: ${JSON.stringify(output.summary)}`);
    }
  }
}

export async function runsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('runs', argv, { json: { type: 'boolean' } });
  const [sub, id, ...extra] = positionals;
  if (sub !== undefined && sub !== 'show') throw new UsageError(`condense runs: unknown subcommand "${sub}". Use \`condense runs show <id>\`.`);
  if (sub === 'show' && (id === undefined || extra.length > 0)) throw new UsageError('condense runs show: give exactly one run id.');
  return withEngine(io, async (engine) => {
    if (sub === 'show') {
      const record = engine.getRun(id);
      if (!record) {
        println(io.stderr, `condense runs show: no run with id "${id}". \`condense runs\` lists them.`);
        return EXIT_INVALID;
      }
      if (values.json) println(io.stdout, JSON.stringify(record, null, 2));
      else showRecord(record, io);
      return EXIT_OK;
    }
    const rows = engine.listRuns();
    if (values.json) println(io.stdout, JSON.stringify(rows, null, 2));
    else if (rows.length === 0) println(io.stdout, 'No runs yet. `condense run <graph>` records one.');
    else for (const row of rows) println(io.stdout, rowLine(row));
    return EXIT_OK;
  });
}

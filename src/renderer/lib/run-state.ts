// Run state on the renderer side: folds the engine's RunEvent stream into a status per node and a short log.
// Kept apart from the document: a run never changes the graph, and run status never enters undo history.
import type { NodeStatus, RunEvent } from '../../shared/events';
import type { OutputSummary } from '../../shared/values';
import { appendPoint, type NodeSeries } from './metric-series';

export interface NodeRunState {
  status: NodeStatus;
  fraction?: number;
  message?: string;
  ms?: number;
  /** Host time the node started, so the canvas can tick its elapsed time while it runs. */
  startedAt?: number;
  error?: string;
  metric?: { name: string; value: number; step: number };
  /** Every streamed metric of this run as a curve, for the charts. */
  series?: NodeSeries;
  outputs?: Record<string, OutputSummary>;
}

export interface LogEntry {
  at: number;
  type: RunEvent['type'];
  nodeId?: string;
  text: string;
  level: 'info' | 'warn' | 'error';
}

export interface RunState {
  runId?: string;
  phase: 'idle' | 'running' | 'finished';
  result?: 'succeeded' | 'failed' | 'cancelled';
  ms?: number;
  counts?: { ran: number; cached: number; failed: number; skipped: number };
  nodes: Record<string, NodeRunState>;
  log: LogEntry[];
}

export const idleRunState: RunState = { phase: 'idle', nodes: {}, log: [] };

/** The log panel is for a person to read; a long training run must not grow it without bound. */
const LOG_LIMIT = 400;

function patchNode(state: RunState, nodeId: string, patch: Partial<NodeRunState>): Record<string, NodeRunState> {
  const prev = state.nodes[nodeId] ?? { status: 'queued' as const };
  return { ...state.nodes, [nodeId]: { ...prev, ...patch } };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export { formatMs };

function logLine(event: RunEvent): LogEntry {
  const nodeId = 'nodeId' in event ? event.nodeId : undefined;
  const base = { at: event.at, type: event.type, nodeId, level: 'info' as LogEntry['level'] };
  switch (event.type) {
    case 'run-started':
      return { ...base, text: `run started: ${event.nodeIds.length} to run, ${event.cachedNodeIds.length} cached` };
    case 'node-started':
      return { ...base, text: 'started' };
    case 'node-progress':
      return { ...base, text: `${Math.round(event.fraction * 100)}%${event.message ? ` ${event.message}` : ''}` };
    case 'node-metric':
      return { ...base, text: `${event.name} = ${formatNumber(event.value)} (step ${event.step})` };
    case 'node-log':
      return { ...base, level: event.level, text: event.message };
    case 'node-cached':
      return { ...base, text: 'cached' };
    case 'node-finished':
      return { ...base, text: `done in ${formatMs(event.ms)}` };
    case 'node-failed':
      return { ...base, level: 'error', text: `failed: ${event.error}` };
    case 'node-skipped':
      return { ...base, level: 'warn', text: isCancellation(event.reason) ? event.reason.replace(/^run cancelled/, 'cancelled') : `skipped: ${event.reason}` };
    case 'run-finished':
      return {
        ...base,
        level: event.status === 'succeeded' ? 'info' : event.status === 'failed' ? 'error' : 'warn',
        text: `run ${event.status} in ${formatMs(event.ms)}: ${event.counts.ran} ran, ${event.counts.cached} cached, ${event.counts.failed} failed, ${event.counts.skipped} skipped`,
      };
  }
}

/** The engine's reason for a node that Stop ended: `run cancelled`, or `run cancelled (...)` with why. */
function isCancellation(reason: string): boolean {
  return reason === 'run cancelled' || reason.startsWith('run cancelled (');
}

/** What a cancellation reason adds to "cancelled", if anything. */
function cancelDetail(reason: string): string | undefined {
  const detail = reason.slice('run cancelled'.length).trim().replace(/^\((.*)\)$/, '$1');
  return detail || undefined;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3) : value.toPrecision(4).replace(/\.?0+$/, '');
}

/** Progress and metric events come many per second: the log keeps only the latest one per node in a row. */
function appendLog(log: LogEntry[], entry: LogEntry): LogEntry[] {
  const last = log[log.length - 1];
  const chatty = entry.type === 'node-progress' || entry.type === 'node-metric';
  const next = chatty && last && last.type === entry.type && last.nodeId === entry.nodeId ? [...log.slice(0, -1), entry] : [...log, entry];
  return next.length > LOG_LIMIT ? next.slice(next.length - LOG_LIMIT) : next;
}

/** Marks a new run as started before its first event, so the toolbar shows it at once. */
export function beginRun(runId: string): RunState {
  return { runId, phase: 'running', result: undefined, ms: undefined, counts: undefined, nodes: {}, log: [] };
}

export function applyRunEvent(state: RunState, event: RunEvent): RunState {
  if (state.runId !== undefined && event.runId !== state.runId) return state;
  const log = appendLog(state.log, logLine(event));
  switch (event.type) {
    case 'run-started': {
      const nodes: Record<string, NodeRunState> = {};
      for (const id of event.nodeIds) nodes[id] = { status: 'queued' };
      for (const id of event.cachedNodeIds) nodes[id] = { status: 'cached' };
      return { ...beginRun(event.runId), nodes, log };
    }
    case 'node-started':
      return { ...state, log, nodes: patchNode(state, event.nodeId, { status: 'running', fraction: 0, message: undefined, startedAt: event.at }) };
    case 'node-progress':
      return { ...state, log, nodes: patchNode(state, event.nodeId, { status: 'running', fraction: event.fraction, message: event.message }) };
    case 'node-metric': {
      const series = state.nodes[event.nodeId]?.series ?? {};
      const point = { step: event.step, value: event.value };
      return {
        ...state,
        log,
        nodes: patchNode(state, event.nodeId, {
          metric: { name: event.name, value: event.value, step: event.step },
          series: { ...series, [event.name]: appendPoint(series[event.name], point) },
        }),
      };
    }
    case 'node-log':
      return { ...state, log };
    case 'node-cached':
      return { ...state, log, nodes: patchNode(state, event.nodeId, { status: 'cached', outputs: event.outputs, fraction: undefined }) };
    case 'node-finished':
      return {
        ...state,
        log,
        nodes: patchNode(state, event.nodeId, { status: 'done', ms: event.ms, outputs: event.outputs, fraction: undefined, message: undefined }),
      };
    case 'node-failed':
      return { ...state, log, nodes: patchNode(state, event.nodeId, { status: 'failed', ms: event.ms, error: event.error, fraction: undefined }) };
    case 'node-skipped':
      // Stop skips what was running or waiting with "run cancelled" (maybe with why it took long): such a
      // node was cancelled, not skipped over because something upstream failed.
      return {
        ...state,
        log,
        nodes: patchNode(state, event.nodeId, isCancellation(event.reason) ? { status: 'cancelled', message: cancelDetail(event.reason), fraction: undefined } : { status: 'skipped', message: event.reason }),
      };
    case 'run-finished': {
      const nodes = { ...state.nodes };
      // A cancelled run leaves queued and running nodes behind; they did not finish, so say so.
      for (const [id, node] of Object.entries(nodes)) {
        if (node.status === 'queued' || node.status === 'running') nodes[id] = { ...node, status: 'cancelled', fraction: undefined };
      }
      return { ...state, log, nodes, phase: 'finished', result: event.status, ms: event.ms, counts: event.counts };
    }
  }
}

// How `condense run` shows a run: NDJSON events, plain lines (logs, CI) or a live display on a terminal.
import type { RunEvent } from '../shared/events';
import { println, type CliIo } from './io';

export type DisplayMode = 'json' | 'plain' | 'tty';

export interface RunDisplay {
  onEvent(event: RunEvent): void;
  /** Stops redrawing; called once after the run has finished. */
  finish(): void;
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

function formatMetric(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 || Math.abs(value) < 0.001 ? value.toExponential(3) : value.toPrecision(4);
}

interface NodeState {
  status: 'queued' | 'running' | 'cached' | 'done' | 'failed' | 'skipped' | 'cancelled';
  fraction?: number;
  message?: string;
  startedAt?: number;
  ms?: number;
  metrics: Map<string, number>;
  error?: string;
}

function metricsText(state: NodeState): string {
  return [...state.metrics].map(([name, value]) => `${name}=${formatMetric(value)}`).join(' ');
}

function summaryLine(event: Extract<RunEvent, { type: 'run-finished' }>): string {
  const { ran, cached, failed, skipped } = event.counts;
  return `run ${event.runId} ${event.status} in ${formatDuration(event.ms)}: ${ran} ran, ${cached} cached, ${failed} failed, ${skipped} skipped`;
}

/** Tracks per-node state from the event stream; both human displays read it. */
class RunState {
  readonly nodes = new Map<string, NodeState>();
  order: string[] = [];
  finished?: Extract<RunEvent, { type: 'run-finished' }>;

  constructor(private readonly graphOrder: string[]) {}

  node(id: string): NodeState {
    let state = this.nodes.get(id);
    if (!state) {
      state = { status: 'queued', metrics: new Map() };
      this.nodes.set(id, state);
      if (!this.order.includes(id)) this.order.push(id);
    }
    return state;
  }

  apply(event: RunEvent): void {
    switch (event.type) {
      case 'run-started': {
        const planned = new Set([...event.nodeIds, ...event.cachedNodeIds]);
        this.order = [...this.graphOrder.filter((id) => planned.has(id)), ...[...planned].filter((id) => !this.graphOrder.includes(id))];
        for (const id of this.order) this.node(id);
        break;
      }
      case 'node-started':
        Object.assign(this.node(event.nodeId), { status: 'running', startedAt: event.at, fraction: 0 });
        break;
      case 'node-progress':
        Object.assign(this.node(event.nodeId), { fraction: event.fraction, message: event.message });
        break;
      case 'node-metric':
        this.node(event.nodeId).metrics.set(event.name, event.value);
        break;
      case 'node-cached':
        Object.assign(this.node(event.nodeId), { status: 'cached', fraction: 1 });
        break;
      case 'node-finished':
        Object.assign(this.node(event.nodeId), { status: 'done', fraction: 1, ms: event.ms, message: undefined });
        break;
      case 'node-failed':
        Object.assign(this.node(event.nodeId), { status: 'failed', ms: event.ms, error: event.error });
        break;
      case 'node-skipped':
        Object.assign(this.node(event.nodeId), { status: 'skipped', error: event.reason });
        break;
      case 'run-finished':
        this.finished = event;
        if (event.status === 'cancelled') {
          for (const state of this.nodes.values()) if (state.status === 'running' || state.status === 'queued') state.status = 'cancelled';
        }
        break;
      case 'node-log':
        break;
    }
  }
}

class JsonDisplay implements RunDisplay {
  constructor(private readonly io: CliIo) {}
  onEvent(event: RunEvent): void {
    this.io.stdout.write(`${JSON.stringify(event)}\n`);
  }
  finish(): void {}
}

class PlainDisplay implements RunDisplay {
  private readonly state: RunState;
  constructor(
    private readonly io: CliIo,
    graphOrder: string[],
  ) {
    this.state = new RunState(graphOrder);
  }

  onEvent(event: RunEvent): void {
    this.state.apply(event);
    const out = this.io.stdout;
    switch (event.type) {
      case 'node-cached':
        println(out, `[cached] ${event.nodeId}`);
        break;
      case 'node-finished': {
        const metrics = metricsText(this.state.node(event.nodeId));
        println(out, `[ok] ${event.nodeId} ${formatDuration(event.ms)}${metrics ? ` ${metrics}` : ''}`);
        break;
      }
      case 'node-failed':
        println(out, `[failed] ${event.nodeId}: ${event.error}`);
        break;
      case 'node-skipped':
        println(out, `[skipped] ${event.nodeId}: ${event.reason}`);
        break;
      case 'node-log':
        println(out, `[${event.level === 'warn' ? 'warn' : 'log'}] ${event.nodeId}: ${event.message}`);
        break;
      case 'run-finished':
        println(out, summaryLine(event));
        break;
      default:
        break;
    }
  }

  finish(): void {}
}

const ESC = '\u001b[';
const COLORS: Record<NodeState['status'], string> = {
  queued: '2',
  running: '33',
  cached: '36',
  done: '32',
  failed: '31',
  skipped: '2',
  cancelled: '35',
};
const SYMBOLS: Record<NodeState['status'], string> = {
  queued: '·',
  running: '▸',
  cached: '≡',
  done: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '■',
};
const BAR_WIDTH = 20;
const REDRAW_MS = 100;

/** One line per node, redrawn in place with ANSI cursor moves at most every REDRAW_MS. */
class TtyDisplay implements RunDisplay {
  private readonly state: RunState;
  private drawnLines = 0;
  private lastDraw = 0;
  private pending?: ReturnType<typeof setTimeout>;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly notes: string[] = [];

  constructor(
    private readonly io: CliIo,
    graphOrder: string[],
    private readonly columns: number,
  ) {
    this.state = new RunState(graphOrder);
    io.stdout.write(`${ESC}?25l`);
    // Elapsed times keep moving even when a node reports nothing.
    this.ticker = setInterval(() => this.schedule(), 500);
    this.ticker.unref?.();
  }

  onEvent(event: RunEvent): void {
    this.state.apply(event);
    if (event.type === 'node-log' && event.level === 'warn') this.notes.push(`[warn] ${event.nodeId}: ${event.message}`);
    if (event.type === 'node-failed') this.notes.push(`[failed] ${event.nodeId}: ${event.error}`);
    const immediate = event.type === 'run-started' || event.type === 'node-finished' || event.type === 'node-failed';
    if (immediate) this.draw();
    else this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, wait);
  }

  private line(id: string, width: number, now: number): string {
    const state = this.state.node(id);
    const fraction = Math.max(0, Math.min(1, state.fraction ?? 0));
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = state.status === 'queued' || state.status === 'skipped' ? ' '.repeat(BAR_WIDTH) : '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
    const elapsed =
      state.ms !== undefined ? formatDuration(state.ms) : state.startedAt !== undefined ? formatDuration(Math.max(0, now - state.startedAt)) : '';
    const detail = state.error ?? ([metricsText(state), state.message].filter(Boolean).join('  ') || '');
    const plain = `${SYMBOLS[state.status]} ${id.padEnd(width)}  ${state.status.padEnd(9)} ${bar} ${`${Math.round(fraction * 100)}%`.padStart(4)} ${elapsed.padStart(7)}  ${detail}`;
    const clipped = plain.length > this.columns - 1 ? `${plain.slice(0, this.columns - 2)}…` : plain;
    return `${ESC}${COLORS[state.status]}m${clipped}${ESC}0m`;
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const ids = this.state.order;
    const width = Math.max(4, ...ids.map((id) => id.length));
    let text = this.drawnLines > 0 ? `${ESC}${this.drawnLines}A\r` : '';
    for (const id of ids) text += `${ESC}2K${this.line(id, width, this.lastDraw)}\n`;
    this.drawnLines = ids.length;
    this.io.stdout.write(text);
  }

  finish(): void {
    clearInterval(this.ticker);
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.draw();
    this.io.stdout.write(`${ESC}?25h`);
    for (const note of this.notes) println(this.io.stderr, note);
    if (this.state.finished) println(this.io.stdout, summaryLine(this.state.finished));
  }
}

export function createRunDisplay(mode: DisplayMode, io: CliIo, graphOrder: string[]): RunDisplay {
  if (mode === 'json') return new JsonDisplay(io);
  if (mode === 'tty') {
    // A pseudo-terminal without a size reports 0 columns; fall back to a common width.
    const columns = (io.stdout as { columns?: number }).columns ?? 0;
    return new TtyDisplay(io, graphOrder, columns >= 40 ? columns : 100);
  }
  return new PlainDisplay(io, graphOrder);
}

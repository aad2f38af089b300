// One typed stream of run events, shared by Electron IPC, the WebSocket API and the CLI's NDJSON.
import type { OutputSummary } from './values';

export interface ValidationIssue {
  nodeId?: string;
  edgeId?: string;
  port?: string;
  param?: string;
  /** Which check produced it, so tools can group issues. */
  code:
    | 'schema'
    | 'unknown-type'
    | 'missing-input'
    | 'incompatible-ports'
    | 'unknown-port'
    | 'cycle'
    | 'param'
    | 'duplicate-id'
    | 'dangling-edge'
    | 'input-taken'
    | 'newer-file';
  message: string;
}

export type NodeStatus = 'queued' | 'running' | 'cached' | 'done' | 'failed' | 'skipped' | 'cancelled';

export type RunEvent =
  | { type: 'run-started'; runId: string; at: number; nodeIds: string[]; cachedNodeIds: string[] }
  | { type: 'node-started'; runId: string; nodeId: string; at: number }
  | { type: 'node-progress'; runId: string; nodeId: string; at: number; fraction: number; message?: string }
  | { type: 'node-metric'; runId: string; nodeId: string; at: number; name: string; value: number; step: number }
  | { type: 'node-log'; runId: string; nodeId: string; at: number; level: 'info' | 'warn'; message: string }
  | { type: 'node-cached'; runId: string; nodeId: string; at: number; outputs: Record<string, OutputSummary> }
  | {
      type: 'node-finished';
      runId: string;
      nodeId: string;
      at: number;
      ms: number;
      outputs: Record<string, OutputSummary>;
    }
  | { type: 'node-failed'; runId: string; nodeId: string; at: number; ms: number; error: string }
  | { type: 'node-skipped'; runId: string; nodeId: string; at: number; reason: string }
  | {
      type: 'run-finished';
      runId: string;
      at: number;
      ms: number;
      status: 'succeeded' | 'failed' | 'cancelled';
      counts: { ran: number; cached: number; failed: number; skipped: number };
    };

export type RunEventType = RunEvent['type'];

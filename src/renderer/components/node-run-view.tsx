// The run feedback drawn inside a node beyond its status: elapsed time ticking while it runs, a sparkline
// of each streamed metric, and the tables of its Metrics outputs. Each part reads the run store for its
// own node only, so a metric event for one node redraws that node's chart and nothing else.
import { memo, useEffect, useState } from 'react';
import type { Badge, Table } from '../../shared/values';
import { formatMs, formatNumber } from '../lib/run-state';
import { useRun } from '../store/run-store';
import { Sparkline } from './line-chart';

/** Re-renders every `ms` while `active`; the clock of the running node only. */
function useNow(active: boolean, ms = 200): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return now;
}

export const NodeElapsed = memo(function NodeElapsed({ nodeId }: { nodeId: string }) {
  const status = useRun((s) => s.nodes[nodeId]?.status);
  const startedAt = useRun((s) => s.nodes[nodeId]?.startedAt);
  const ms = useRun((s) => s.nodes[nodeId]?.ms);
  const now = useNow(status === 'running' && startedAt !== undefined);
  // A finished node's badge already says how long it took; a failed one's does not.
  const elapsed = status === 'running' && startedAt !== undefined ? Math.max(0, now - startedAt) : status === 'failed' ? ms : undefined;
  if (elapsed === undefined) return null;
  return (
    <span className="node-elapsed" data-testid={`node-elapsed-${nodeId}`} title="Time this node has run">
      {formatMs(elapsed)}
    </span>
  );
});

export const NodeCachedMarker = memo(function NodeCachedMarker({ nodeId }: { nodeId: string }) {
  const cached = useRun((s) => s.nodes[nodeId]?.status === 'cached');
  if (!cached) return null;
  return (
    <span className="node-cached" title="Outputs reused from the cache: nothing that determines them changed" data-testid={`node-cached-${nodeId}`}>
      ↺ cached
    </span>
  );
});

export const NodeSparklines = memo(function NodeSparklines({ nodeId }: { nodeId: string }) {
  const series = useRun((s) => s.nodes[nodeId]?.series);
  if (!series) return null;
  return (
    // The latest value of each metric beside its curve; the first three metrics a node streams.
    <div className="node-sparklines" data-testid={`node-metric-${nodeId}`}>
      {Object.entries(series)
        .slice(0, 3)
        .map(([name, points]) => (
          <div key={name} className="node-sparkline-row">
            <span className="node-sparkline-name">{name}</span>
            <Sparkline points={points} testId={`node-chart-${nodeId}-${name}`} />
            <span className="node-sparkline-value">{points.length > 0 ? formatNumber(points[points.length - 1].value) : ''}</span>
          </div>
        ))}
    </div>
  );
});

/** The items of one list field (`tables`, `badges`) over a node's output summaries of one port type. */
function listOf<T>(outputs: Record<string, { type: string } & Record<string, unknown>> | undefined, type: string, field: string): T[] {
  return Object.values(outputs ?? {}).flatMap((summary) => (summary.type === type && Array.isArray(summary[field]) ? (summary[field] as T[]) : []));
}

const TABLE_ROWS = 6;

export const NodeMetricTables = memo(function NodeMetricTables({ nodeId }: { nodeId: string }) {
  const outputs = useRun((s) => s.nodes[nodeId]?.outputs);
  const tables = listOf<Table>(outputs, 'Metrics', 'tables');
  if (tables.length === 0) return null;
  return (
    // Folded into one line by default: tables can be long, and open ones would push the node over its neighbours.
    <details className="node-tables" data-testid={`node-tables-${nodeId}`}>
      <summary>{tables.length === 1 ? tables[0].title || '1 table' : `${tables.length} tables`}</summary>
      {tables.map((table, t) => (
        <table key={t} className="data-table compact">
          {table.title ? <caption>{table.title}</caption> : null}
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.slice(0, TABLE_ROWS).map((row, r) => (
              <tr key={r}>
                {row.map((v, c) => (
                  <td key={c}>{typeof v === 'number' ? formatNumber(v) : (v ?? '–')}</td>
                ))}
              </tr>
            ))}
            {table.rows.length > TABLE_ROWS ? (
              <tr>
                <td colSpan={table.columns.length} className="muted">
                  and {table.rows.length - TABLE_ROWS} more rows
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ))}
    </details>
  );
});


/** Pass/fail verdicts of a Report (deployment budgets), one chip each; the detail says by how much. */
export const NodeBadges = memo(function NodeBadges({ nodeId }: { nodeId: string }) {
  const outputs = useRun((s) => s.nodes[nodeId]?.outputs);
  const badges = listOf<Badge>(outputs, 'Report', 'badges');
  if (badges.length === 0) return null;
  return (
    <div className="node-badges" data-testid={`node-badges-${nodeId}`}>
      {badges.map((b) => (
        <span key={b.label} className={`node-badge ${b.ok ? 'pass' : 'fail'}`} title={b.detail} data-testid={`node-badge-${nodeId}-${b.label}`}>
          {b.ok ? '✓' : '✗'} {b.label}
        </span>
      ))}
    </div>
  );
});

// Past runs from the host's run records: a list, one run opened (its metrics and outputs), or two runs
// compared side by side (param differences per node, last metric values, curves overlaid).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { RunRecord, RunSummaryRow } from '../../shared/api/contract';
import type { OutputSummary } from '../../shared/values';
import { useApi } from '../api/api-context';
import { seriesOfRecord } from '../lib/metric-series';
import { imagesOf, outputFactsOf } from '../lib/output-images';
import { metricDiffsOf, paramDiffsOf } from '../lib/run-compare';
import { formatMs, formatNumber } from '../lib/run-state';
import { SERIES_COLORS } from '../lib/chart-geometry';
import { useRun } from '../store/run-store';
import { ArtifactImage } from './artifact-image';
import { LineChart, type Curve } from './line-chart';

function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { hour12: false, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function shortId(runId: string): string {
  return runId.length > 10 ? runId.slice(0, 8) : runId;
}

export function HistoryPanel() {
  const api = useApi();
  const [rows, setRows] = useState<RunSummaryRow[]>([]);
  const [error, setError] = useState<string>();
  const [picked, setPicked] = useState<string[]>([]);
  const [view, setView] = useState<{ kind: 'one'; record: RunRecord } | { kind: 'compare'; a: RunRecord; b: RunRecord }>();
  // The list is read again whenever a run of this editor ends, so the newest run is on top.
  const finishedRun = useRun((s) => (s.phase === 'finished' ? s.runId : undefined));

  const refresh = useCallback(() => {
    api.call('runs.list', {}).then(
      (list) => (setRows(list), setError(undefined)),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [api]);
  useEffect(refresh, [refresh, finishedRun]);

  const open = async (runId: string) => setView({ kind: 'one', record: await api.call('runs.get', { runId }) });
  const compare = async () => {
    const [a, b] = await Promise.all(picked.map((runId) => api.call('runs.get', { runId })));
    // Older run on the left, so a difference reads as "what changed since".
    setView(a.startedAt <= b.startedAt ? { kind: 'compare', a, b } : { kind: 'compare', a: b, b: a });
  };
  const toggle = (runId: string) => setPicked((p) => (p.includes(runId) ? p.filter((id) => id !== runId) : [...p.slice(-1), runId]));

  return (
    <div className="history-panel" data-testid="history-panel">
      <div className="history-list">
        <div className="history-actions">
          <button type="button" onClick={refresh} data-testid="history-refresh">
            Refresh
          </button>
          <button type="button" disabled={picked.length !== 2} onClick={() => void compare()} data-testid="history-compare">
            Compare {picked.length}/2
          </button>
        </div>
        {error ? <p className="error-text">{error}</p> : null}
        {rows.length === 0 && !error ? <p className="muted">No runs recorded yet.</p> : null}
        <ul data-testid="history-rows">
          {rows.map((row) => (
            <li key={row.id} className={view?.kind === 'one' && view.record.id === row.id ? 'active' : ''} data-testid={`history-row-${row.id}`}>
              <input
                type="checkbox"
                checked={picked.includes(row.id)}
                onChange={() => toggle(row.id)}
                aria-label={`Pick run ${row.id} to compare`}
                data-testid={`history-pick-${row.id}`}
              />
              <button type="button" className="history-open" onClick={() => void open(row.id)} data-testid={`history-open-${row.id}`}>
                <span className={`history-status result-${row.status}`}>{row.status}</span>
                <span className="history-name">{row.graphName}</span>
                <span className="muted">
                  {when(row.startedAt)}
                  {row.finishedAt ? ` · ${formatMs(row.finishedAt - row.startedAt)}` : ''} · {row.counts.ran} ran, {row.counts.cached} cached
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="history-detail">
        {view?.kind === 'one' ? <RunDetail record={view.record} /> : null}
        {view?.kind === 'compare' ? <RunComparison a={view.a} b={view.b} /> : null}
        {!view ? <p className="muted">Open a run to see its metrics and outputs, or tick two runs and compare them.</p> : null}
      </div>
    </div>
  );
}

function RunDetail({ record }: { record: RunRecord }) {
  const series = useMemo(() => seriesOfRecord(record.metrics), [record]);
  const byNode = useMemo(() => {
    // The record's summaries are the same OutputSummary objects the run events carried.
    const out = new Map<string, Record<string, OutputSummary>>();
    for (const o of record.outputs) out.set(o.nodeId, { ...(out.get(o.nodeId) ?? {}), [o.port]: o.summary as OutputSummary });
    return out;
  }, [record]);
  return (
    <div className="run-detail" data-testid="history-detail">
      <h3>
        {record.graphName} <span className="muted">{shortId(record.id)}</span> <span className={`history-status result-${record.status}`}>{record.status}</span>
      </h3>
      {Object.entries(series).map(([nodeId, curves]) => (
        <LineChart
          key={nodeId}
          title={nodeId}
          curves={Object.entries(curves).map(([name, points]) => ({ label: name, points }))}
          testId={`history-chart-${nodeId}`}
        />
      ))}
      <table className="data-table" data-testid="history-outputs">
        <thead>
          <tr>
            <th>Node</th>
            <th>Outputs</th>
          </tr>
        </thead>
        <tbody>
          {[...byNode.entries()].map(([nodeId, outputs]) => (
            <tr key={nodeId}>
              <td>{nodeId}</td>
              <td>
                {outputFactsOf(outputs, 8).join(' · ') || Object.values(outputs).map((o) => o.type).join(', ')}
                {imagesOf(outputs)
                  .slice(0, 2)
                  .map((ref) => (
                    <ArtifactImage key={ref.sha256} artifact={ref} className="history-image" />
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cell(value: number | undefined): string {
  return value === undefined ? '–' : formatNumber(value);
}

function RunComparison({ a, b }: { a: RunRecord; b: RunRecord }) {
  const params = useMemo(() => paramDiffsOf(a.graph, b.graph), [a, b]);
  const metrics = useMemo(() => metricDiffsOf(a.metrics, b.metrics), [a, b]);
  const charts = useMemo(() => {
    const sa = seriesOfRecord(a.metrics);
    const sb = seriesOfRecord(b.metrics);
    const keys = [...new Set([...Object.keys(sa), ...Object.keys(sb)])].sort();
    return keys.map((nodeId) => {
      const names = [...new Set([...Object.keys(sa[nodeId] ?? {}), ...Object.keys(sb[nodeId] ?? {})])].sort();
      const curves: Curve[] = [];
      names.forEach((name, i) => {
        const color = SERIES_COLORS[i % SERIES_COLORS.length];
        if (sa[nodeId]?.[name]) curves.push({ label: `${name} · A`, points: sa[nodeId][name], color });
        if (sb[nodeId]?.[name]) curves.push({ label: `${name} · B`, points: sb[nodeId][name], color, dashed: true });
      });
      return { nodeId, curves };
    });
  }, [a, b]);
  return (
    <div className="run-compare" data-testid="history-compare-view">
      <h3>
        A <span className="muted">{shortId(a.id)} · {when(a.startedAt)}</span> vs B <span className="muted">{shortId(b.id)} · {when(b.startedAt)}</span>
      </h3>
      <h4>Params</h4>
      {params.length === 0 ? <p className="muted">Same params in both runs.</p> : null}
      {params.length > 0 ? (
        <table className="data-table" data-testid="compare-params">
          <thead>
            <tr>
              <th>Node</th>
              <th>Param</th>
              <th>A</th>
              <th>B</th>
            </tr>
          </thead>
          <tbody>
            {params.map((d) => (
              <tr key={`${d.nodeId}/${d.param}`} data-testid={`compare-param-${d.nodeId}-${d.param}`}>
                <td>{d.nodeId}</td>
                <td>{d.param}</td>
                <td>{d.a ?? '–'}</td>
                <td>{d.b ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h4>Metrics (last value)</h4>
      {metrics.length === 0 ? <p className="muted">Neither run streamed metrics.</p> : null}
      {metrics.length > 0 ? (
        <table className="data-table" data-testid="compare-metrics">
          <thead>
            <tr>
              <th>Node</th>
              <th>Metric</th>
              <th>A</th>
              <th>B</th>
              <th>B − A</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((d) => (
              <tr key={`${d.nodeId}/${d.name}`} data-testid={`compare-metric-${d.nodeId}-${d.name}`}>
                <td>{d.nodeId}</td>
                <td>{d.name}</td>
                <td>{cell(d.a)}</td>
                <td>{cell(d.b)}</td>
                <td className={d.delta === undefined || d.delta === 0 ? '' : d.delta < 0 ? 'delta-down' : 'delta-up'}>{cell(d.delta)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {charts.map(({ nodeId, curves }) => (
        <LineChart key={nodeId} title={`${nodeId} (A solid, B dashed)`} curves={curves} testId={`compare-chart-${nodeId}`} />
      ))}
    </div>
  );
}

// The panel under the canvas: the run log, the live charts of the current run, and the history of past runs.
import { useState } from 'react';
import { useRun } from '../store/run-store';
import { ChartsPanel } from './charts-panel';
import { HistoryPanel } from './history-panel';
import { RunLog } from './run-log';

type Tab = 'log' | 'charts' | 'history';

const TABS: { id: Tab; label: string }[] = [
  { id: 'log', label: 'Run log' },
  { id: 'charts', label: 'Charts' },
  { id: 'history', label: 'History' },
];

export function BottomPanel() {
  const [tab, setTab] = useState<Tab>('log');
  const [open, setOpen] = useState(true);
  const runId = useRun((s) => s.runId);
  const events = useRun((s) => s.log.length);
  return (
    <section className={`bottom-panel ${open ? 'open' : 'closed'} tab-${tab}`} data-testid="bottom-panel">
      <div className="bottom-tabs" role="tablist">
        <button type="button" className="bottom-toggle" onClick={() => setOpen((o) => !o)} aria-expanded={open} title={open ? 'Hide the panel' : 'Show the panel'} data-testid="bottom-toggle">
          {open ? '▾' : '▸'}
        </button>
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`bottom-tab${tab === t.id ? ' active' : ''}`}
            onClick={() => (setTab(t.id), setOpen(true))}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
        <span className="bottom-info muted">
          {runId ? `${runId} · ` : ''}
          {events} events
        </span>
      </div>
      {open ? (
        <div className="bottom-body">
          {tab === 'log' ? <RunLog /> : null}
          {tab === 'charts' ? <ChartsPanel /> : null}
          {tab === 'history' ? <HistoryPanel /> : null}
        </div>
      ) : null}
    </section>
  );
}

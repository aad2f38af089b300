// The run log: the events of the current run, newest at the bottom, folding bursts of progress.
import { useEffect, useRef } from 'react';
import { useRun } from '../store/run-store';
import { useUi } from '../store/ui-store';

function clock(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour12: false });
}

export function RunLog() {
  const log = useRun((s) => s.log);
  const select = useUi((s) => s.select);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);
  return (
    <ol className="run-log-list" ref={list} data-testid="run-log">
      {log.length === 0 ? <li className="muted">No run yet. Press Run to execute the graph.</li> : null}
      {log.map((entry, i) => (
        <li key={i} className={`log-${entry.level}`} data-event={entry.type}>
          <span className="log-time">{clock(entry.at)}</span>
          {entry.nodeId ? (
            <button type="button" className="log-node" onClick={() => select(entry.nodeId)}>
              {entry.nodeId}
            </button>
          ) : (
            <span className="log-node" />
          )}
          <span className="log-text">{entry.text}</span>
        </li>
      ))}
    </ol>
  );
}

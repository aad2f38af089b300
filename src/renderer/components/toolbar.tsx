// File and run commands, the graph's name and whether it has unsaved changes.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ValidationIssue } from '../../shared/events';
import { describeIssue, problemCount, useActions } from '../editor-actions';
import { runBlockers } from '../lib/run-blockers';
import { useCatalog } from '../store/catalog-store';
import { useDocument } from '../store/document-store';
import { useRun } from '../store/run-store';
import { renameGraph } from '../lib/graph-edit';
import { formatMs } from '../lib/run-state';
import type { ConnectionState } from '../api/api-client';
import { useApi } from '../api/api-context';
import { EditingTools } from './editing-tools';
import { useUi } from '../store/ui-store';
import { useGallery } from './examples-gallery';
import { ThemeToggle } from './theme-toggle';

/** The example's file name without `.condense.json`: stable even when its display name changes. */
function exampleIdOf(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.condense\.json$/, '');
}

function OpenMenu({ onClose }: { onClose: () => void }) {
  const actions = useActions();
  const examples = useCatalog((s) => s.examples);
  const [recent, setRecent] = useState<string[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void actions.recent().then(setRecent);
  }, [actions]);
  return (
    <div className="menu" role="menu" data-testid="open-menu">
      <button
        type="button"
        role="menuitem"
        className="menu-item"
        onClick={() => fileInput.current?.click()}
        data-testid="open-file"
      >
        Open file…
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".json,.condense.json,application/json"
        hidden
        data-testid="open-file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          onClose();
          if (file) void actions.openFile(file);
        }}
      />
      {recent.length > 0 ? <div className="menu-heading">Recent</div> : null}
      {recent.map((path) => (
        <button key={path} type="button" role="menuitem" className="menu-item" title={path} onClick={() => (onClose(), void actions.openPath(path))}>
          {path.split(/[\\/]/).pop()}
        </button>
      ))}
      <button
        type="button"
        role="menuitem"
        className="menu-item"
        onClick={() => (onClose(), useGallery.getState().setOpen(true))}
        data-testid="open-gallery"
      >
        Browse examples…
      </button>
      <div className="menu-heading">Examples</div>
      {examples.length === 0 ? <div className="menu-empty">No examples</div> : null}
      {examples.map((example) => (
        <button
          key={example.path}
          type="button"
          role="menuitem"
          className="menu-item"
          title={example.description}
          onClick={() => (onClose(), void actions.openExample(example))}
          data-testid={`example-${exampleIdOf(example.path)}`}
        >
          <span>{example.name}</span>
          <span className="menu-item-desc">{example.description}</span>
        </button>
      ))}
    </div>
  );
}

function GraphName() {
  const name = useDocument((s) => s.graph.meta.name);
  const edit = useDocument((s) => s.edit);
  const [text, setText] = useState(name);
  useEffect(() => setText(name), [name]);
  const commit = () => {
    const next = text.trim() || name;
    setText(next);
    if (next !== name) edit((g) => renameGraph(g, next));
  };
  return (
    <input
      className="graph-name"
      value={text}
      size={Math.max(8, text.length + 1)}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
      aria-label="Graph name"
      data-testid="graph-name"
    />
  );
}

function RunSummary() {
  const phase = useRun((s) => s.phase);
  const starting = useRun((s) => s.starting);
  const result = useRun((s) => s.result);
  const ms = useRun((s) => s.ms);
  const counts = useRun((s) => s.counts);
  if (starting) return <span className="run-summary">starting…</span>;
  if (phase === 'running') return <span className="run-summary running" data-testid="run-phase">running…</span>;
  if (phase === 'finished' && result) {
    const text =
      `${result} ${ms !== undefined ? `in ${formatMs(ms)}` : ''}` +
      (counts ? ` · ${counts.ran} ran, ${counts.cached} cached${counts.failed ? `, ${counts.failed} failed` : ''}` : '');
    return (
      <span className={`run-summary result-${result}`} data-testid="run-phase" data-result={result} title={text}>
        {text}
      </span>
    );
  }
  return null;
}

/**
 * Why Run is disabled: the count of problems beside it, opening the list; each entry names its node and
 * param and selects that node, where the same problem is shown on the canvas and in the inspector.
 */
function RunProblems({ problems }: { problems: ValidationIssue[] }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [open]);
  if (problems.length === 0) return null;
  return (
    <div className="menu-anchor" ref={ref}>
      <button
        type="button"
        className="run-problems-toggle"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        title="The graph cannot run until these are fixed"
        data-testid="run-problems-toggle"
      >
        ⚠ {problemCount(problems.length)}
      </button>
      {open ? (
        <div className="menu run-problems" role="menu" data-testid="run-problems">
          <div className="menu-heading">Fix these to run</div>
          {problems.map((issue, i) => (
            <button
              key={i}
              type="button"
              role="menuitem"
              className="menu-item"
              onClick={() => {
                if (issue.nodeId) useUi.getState().select(issue.nodeId);
                setOpen(false);
              }}
              data-testid="run-problem"
            >
              {describeIssue(issue)}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

export function Toolbar({ connection }: { connection: ConnectionState }) {
  const actions = useActions();
  const host = useApi().host;
  const dirty = useDocument((s) => s.dirty);
  const readOnly = useDocument((s) => s.readOnly);
  const exampleCopy = useDocument((s) => s.path !== undefined && s.saveTarget === undefined && !s.readOnly);
  const hasNodes = useDocument((s) => s.graph.nodes.length > 0);
  const running = useRun((s) => s.phase === 'running' || s.starting);
  const selected = useUi((s) => s.selectedNodeId);
  const graph = useDocument((s) => s.graph);
  const issues = useDocument((s) => s.issues);
  // The engine refuses an invalid graph; the buttons say so before anyone presses them.
  const problems = useMemo(() => runBlockers(graph, issues), [graph, issues]);
  const untilProblems = useMemo(() => (selected ? runBlockers(graph, issues, selected) : []), [graph, issues, selected]);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!menuOpen) return;
    const close = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node)) setMenuOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [menuOpen]);

  return (
    <header className="toolbar" data-testid="toolbar">
      <span className="brand">Condense</span>
      <div className="toolbar-group">
        <button type="button" onClick={() => actions.newDocument()} data-testid="new">
          New
        </button>
        <div className="menu-anchor" ref={menuRef}>
          <button type="button" onClick={() => setMenuOpen((o) => !o)} aria-expanded={menuOpen} data-testid="open">
            Open ▾
          </button>
          {menuOpen ? <OpenMenu onClose={() => setMenuOpen(false)} /> : null}
        </div>
        <button
          type="button"
          onClick={() => void actions.save()}
          data-testid="save"
          title={host === 'browser' ? 'Download the graph file (Ctrl+S)' : 'Save the graph file (Ctrl+S)'}
        >
          Save
        </button>
        <button type="button" onClick={() => void actions.saveAsDialog()} data-testid="save-as" title="Save the graph under a new name">
          Save As…
        </button>
      </div>
      <EditingTools />
      <div className="toolbar-title">
        <GraphName />
        {dirty ? (
          <span className="dirty-marker" title="Unsaved changes" data-testid="dirty-marker">
            ●
          </span>
        ) : null}
        {readOnly ? <span className="read-only">read-only</span> : null}
        {exampleCopy ? (
          <span className="example-copy" title="Opened from the examples as a copy: Save writes a new file, never the example" data-testid="example-copy">
            example copy
          </span>
        ) : null}
      </div>
      <div className="toolbar-group run-group">
        <button
          type="button"
          className="primary"
          onClick={() => void actions.run()}
          disabled={running || !hasNodes || problems.length > 0}
          title={problems.length > 0 ? `Fix ${problemCount(problems.length)} first: ${describeIssue(problems[0])}` : 'Run the graph'}
          data-testid="run"
        >
          ▶ Run
        </button>
        <button
          type="button"
          onClick={() => selected && void actions.run(selected)}
          disabled={running || !selected || untilProblems.length > 0}
          title={
            !selected
              ? 'Select a node to run up to it'
              : untilProblems.length > 0
                ? `Fix ${problemCount(untilProblems.length)} first: ${describeIssue(untilProblems[0])}`
                : `Run ${selected} and only the nodes it needs`
          }
          data-testid="run-until"
        >
          ▶ Run to selected
        </button>
        <button type="button" onClick={() => void actions.stop()} disabled={!running} data-testid="stop">
          ■ Stop
        </button>
        <RunProblems problems={problems} />
        <RunSummary />
      </div>
      <ThemeToggle />
      <span className={`connection connection-${connection}`} data-testid="connection" title={`Host connection: ${connection}`}>
        {connection === 'open' ? 'connected' : connection === 'connecting' ? 'connecting…' : 'reconnecting…'}
      </span>
    </header>
  );
}

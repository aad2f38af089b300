// The right-hand panel: the selected node's params as a form, its problems and its docs; with nothing
// selected, the graph itself.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PORT_STYLE } from '../../shared/port-types';
import { setParam } from '../lib/graph-edit';
import { paramFieldsOf, splitByCondition } from '../lib/param-fields';
import { imagesOf } from '../lib/output-images';
import { writtenFilesOf } from '../lib/output-files';
import { formatMs } from '../lib/run-state';
import { useCatalog } from '../store/catalog-store';
import { useRun } from '../store/run-store';
import { useDocument } from '../store/document-store';
import { useUi } from '../store/ui-store';
import { ArtifactImage } from './artifact-image';
import { useImageViewer } from './image-viewer';
import { MarkdownView } from './markdown-view';
import { ParamInput } from './param-input';

/** The last part of a path, POSIX or Windows. */
function fileNameOf(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function GraphPanel() {
  const meta = useDocument((s) => s.graph.meta);
  const counts = useDocument(useShallow((s) => [s.graph.nodes.length, s.graph.edges.length]));
  const path = useDocument((s) => s.path);
  const saveTarget = useDocument((s) => s.saveTarget);
  const readOnly = useDocument((s) => s.readOnly);
  const issues = useDocument(useShallow((s) => s.issues.filter((i) => !i.nodeId)));
  // An example opens as a copy: it keeps the example's folder for relative paths, but it is not that file.
  const exampleCopy = path !== undefined && saveTarget === undefined && !readOnly;
  return (
    <div className="inspector-body" data-testid="inspector-graph">
      <h2>{meta.name}</h2>
      {meta.description ? <p>{meta.description}</p> : null}
      <dl className="facts">
        <dt>Nodes</dt>
        <dd>{counts[0]}</dd>
        <dt>Wires</dt>
        <dd>{counts[1]}</dd>
        <dt>File</dt>
        {exampleCopy ? (
          <dd data-testid="graph-file">Not saved yet: a copy of the example {fileNameOf(path)}; Save writes a file of your own</dd>
        ) : path ? (
          <dd className="path" data-testid="graph-file">
            {path}
          </dd>
        ) : (
          <dd data-testid="graph-file">Not saved yet</dd>
        )}
      </dl>
      {issues.length > 0 ? (
        <ul className="issues">
          {issues.map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
        </ul>
      ) : null}
      <p className="muted">Select a node to edit its settings.</p>
    </div>
  );
}

/** What the last run made of this node: its status line and every image its outputs point at. */
function NodeOutputs({ nodeId }: { nodeId: string }) {
  const run = useRun((s) => s.nodes[nodeId]);
  const stale = useRun((s) => s.stale.has(nodeId));
  const images = useMemo(() => imagesOf(run?.outputs), [run?.outputs]);
  const files = useMemo(() => writtenFilesOf(run?.outputs), [run?.outputs]);
  if (!run || (images.length === 0 && files.length === 0 && !run.error)) return null;
  return (
    <section className={`node-outputs${stale ? ' stale' : ''}`} data-testid="inspector-outputs">
      <h3>
        Last run: {run.status}
        {run.ms !== undefined ? ` in ${formatMs(run.ms)}` : ''}
        {stale ? ' (out of date: the settings changed since)' : ''}
      </h3>
      {run.error ? <p className="field-error">{run.error}</p> : null}
      {files.length > 0 ? (
        <ul className="written-files" data-testid="inspector-files">
          {files.map((file) => (
            <li key={file.path}>
              {file.kind === 'folder' ? 'Wrote the folder ' : 'Wrote '}
              <code className="path">{file.path}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {images.map((ref) => (
        <figure key={ref.sha256}>
          <button type="button" className="output-image-button" title="Open the full view" onClick={() => useImageViewer.getState().show(ref)}>
            <ArtifactImage artifact={ref} className="output-image" />
          </button>
          <figcaption>{ref.name}</figcaption>
        </figure>
      ))}
    </section>
  );
}

function NodePanel({ nodeId }: { nodeId: string }) {
  const node = useDocument((s) => s.graph.nodes.find((n) => n.id === nodeId));
  const readOnly = useDocument((s) => s.readOnly);
  const edit = useDocument((s) => s.edit);
  const issues = useDocument(useShallow((s) => s.issues.filter((i) => i.nodeId === nodeId)));
  const descriptor = useCatalog((s) => (node ? s.byType.get(node.type) : undefined));
  const fields = useMemo(() => (descriptor ? paramFieldsOf(descriptor.paramsSchema) : []), [descriptor]);
  // Params that do not apply to the current settings are hidden, their values kept in the graph.
  const { shown, hidden } = useMemo(() => splitByCondition(fields, node?.params ?? {}, descriptor?.defaults), [fields, node?.params, descriptor]);
  if (!node) return null;
  // A problem with a hidden param is listed with the node's own, so it is never out of sight.
  const nodeIssues = issues.filter((i) => !i.param || !shown.some((f) => f.key === i.param));
  return (
    <div className="inspector-body" data-testid="inspector-node">
      <h2>{descriptor?.title ?? node.type}</h2>
      <div className="inspector-type">
        <code>{node.id}</code> · <code>{node.type}</code> v{node.typeVersion}
      </div>
      {descriptor ? <p className="inspector-desc">{descriptor.description}</p> : <p className="field-error">This node type is not installed; the node is kept as it is.</p>}
      {nodeIssues.length > 0 ? (
        <ul className="issues" data-testid="inspector-issues">
          {nodeIssues.map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
        </ul>
      ) : null}
      {descriptor ? (
        <div className="ports-summary">
          {[...Object.entries(descriptor.inputs).map(([n, p]) => ['in', n, p] as const), ...Object.entries(descriptor.outputs).map(([n, p]) => ['out', n, p] as const)].map(
            ([side, name, spec]) => (
              <span key={`${side}-${name}`} className="port-chip" style={{ borderColor: PORT_STYLE[spec.type].color }} title={spec.description}>
                {side === 'in' ? '→ ' : ''}
                {name}: {spec.type}
                {side === 'out' ? ' →' : ''}
              </span>
            ),
          )}
        </div>
      ) : null}
      {fields.length > 0 ? <h3>Settings</h3> : null}
      <form className="param-form" onSubmit={(e) => e.preventDefault()} data-testid="param-form">
        {shown.map((field) => (
          <ParamInput
            key={`${nodeId}/${field.key}`}
            nodeId={nodeId}
            field={field}
            value={node.params[field.key]}
            readOnly={readOnly}
            hostMessages={issues.filter((i) => i.param === field.key).map((i) => i.message)}
            onChange={(value) => edit((g) => setParam(g, nodeId, field.key, value))}
          />
        ))}
      </form>
      {hidden.length > 0 ? (
        <p className="muted hidden-params" data-testid="hidden-params">
          Not used with these settings: {hidden.map((f) => f.label).join(', ')}
        </p>
      ) : null}
      <NodeOutputs nodeId={nodeId} />
      {descriptor?.docs ? (
        <details className="docs" open>
          <summary>About this node</summary>
          <MarkdownView source={descriptor.docs} />
        </details>
      ) : null}
    </div>
  );
}

export function Inspector() {
  const selected = useUi((s) => s.selectedNodeId);
  const exists = useDocument((s) => (selected ? s.graph.nodes.some((n) => n.id === selected) : false));
  return (
    <aside className="inspector" data-testid="inspector">
      {selected && exists ? <NodePanel nodeId={selected} /> : <GraphPanel />}
    </aside>
  );
}

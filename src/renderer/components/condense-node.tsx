// One node on the canvas: its ports as typed handles, its run status, its latest metric and the images its
// outputs point at. It reads the document, catalogue and run stores by id, so a progress event redraws only
// the node it concerns.
import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { PORT_STYLE, type PortSpec } from '../../shared/port-types';
import { formatMs, type NodeRunState } from '../lib/run-state';
import { imagesOf, outputFactsOf } from '../lib/output-images';
import { writtenFilesOf } from '../lib/output-files';
import { useCatalog } from '../store/catalog-store';
import { useDocument } from '../store/document-store';
import { useRun } from '../store/run-store';
import type { FlowNode } from './flow-nodes';
import { ArtifactImage } from './artifact-image';
import { useImageViewer } from './image-viewer';
import { NodeBadges, NodeCachedMarker, NodeElapsed, NodeMetricTables, NodeSparklines } from './node-run-view';

function PortRow({ nodeId, name, spec, side }: { nodeId: string; name: string; spec: PortSpec; side: 'in' | 'out' }) {
  const style = PORT_STYLE[spec.type] ?? PORT_STYLE.Any;
  const title = [`${name}: ${spec.type}`, ...Object.entries(spec.constraints ?? {}).map(([k, v]) => `${k} = ${String(v)}`), spec.description]
    .filter(Boolean)
    .join('\n');
  return (
    <div className={`port-row port-${side}`} title={title}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={name}
        className={`port-handle shape-${style.shape}`}
        style={{ background: style.color, borderColor: style.color }}
        data-testid={`handle-${nodeId}-${side}-${name}`}
        data-port-type={spec.type}
      />
      <span className="port-name">
        {name}
        {side === 'in' && spec.required ? <span className="port-required">*</span> : null}
      </span>
      <span className="port-type" style={{ color: style.color }}>
        {spec.type}
      </span>
    </div>
  );
}

function statusText(run: NodeRunState): string {
  switch (run.status) {
    case 'running':
      return run.fraction !== undefined ? `running ${Math.round(run.fraction * 100)}%` : 'running';
    case 'done':
      return run.ms !== undefined ? `done ${formatMs(run.ms)}` : 'done';
    default:
      return run.status;
  }
}

function StatusBadge({ nodeId, run }: { nodeId: string; run: NodeRunState | undefined }) {
  if (!run) return null;
  return (
    <span className={`status-badge status-${run.status}`} data-testid={`node-status-${nodeId}`} data-status={run.status}>
      {statusText(run)}
    </span>
  );
}

/** Ports of an unknown node type, recovered from its wires so they still draw. */
function placeholderPorts(nodeId: string, edges: { from: { node: string; port: string }; to: { node: string; port: string } }[]) {
  const inputs: Record<string, PortSpec> = {};
  const outputs: Record<string, PortSpec> = {};
  for (const e of edges) {
    if (e.to.node === nodeId) inputs[e.to.port] = { type: 'Any' };
    if (e.from.node === nodeId) outputs[e.from.port] = { type: 'Any' };
  }
  return { inputs, outputs };
}

function NodeBody({ id, descriptor, type }: { id: string; descriptor: NodeDescriptor | undefined; type: string }) {
  const edges = useDocument((s) => s.graph.edges);
  const ports = descriptor ?? placeholderPorts(id, edges);
  const inputs = Object.entries(ports.inputs);
  const outputs = Object.entries(ports.outputs);
  return (
    <div className="node-ports">
      {descriptor ? null : <div className="node-unknown">Unknown node type {type}</div>}
      {inputs.map(([name, spec]) => (
        <PortRow key={`in-${name}`} nodeId={id} name={name} spec={spec} side="in" />
      ))}
      {outputs.map(([name, spec]) => (
        <PortRow key={`out-${name}`} nodeId={id} name={name} spec={spec} side="out" />
      ))}
    </div>
  );
}

function RunDetails({ id, run }: { id: string; run: NodeRunState | undefined }) {
  if (!run) return null;
  // The first image (an inspect node's sample grid) is enough on the canvas; the inspector shows them all.
  const images = imagesOf(run.outputs).slice(0, 1);
  const facts = outputFactsOf(run.outputs);
  const files = writtenFilesOf(run.outputs);
  return (
    <div className="node-run">
      {run.status === 'running' ? (
        <div className="progress" data-testid={`node-progress-${id}`}>
          <div className="progress-bar" style={{ width: `${Math.round((run.fraction ?? 0) * 100)}%` }} />
        </div>
      ) : null}
      {run.status === 'running' && run.message ? <div className="node-message">{run.message}</div> : null}
      {run.status === 'failed' && run.error ? (
        <div className="node-error" data-testid={`node-error-${id}`}>
          {run.error}
        </div>
      ) : null}
      {(run.status === 'skipped' || run.status === 'cancelled') && run.message ? <div className="node-message">{run.message}</div> : null}
      <NodeSparklines nodeId={id} />
      {facts.length > 0 ? (
        <ul className="node-facts" data-testid={`node-facts-${id}`}>
          {facts.map((fact) => (
            <li key={fact}>{fact}</li>
          ))}
        </ul>
      ) : null}
      {files.length > 0 ? (
        <ul className="node-files" data-testid={`node-files-${id}`} aria-label="Files written">
          {files.map((file) => (
            <li key={file.path} title={file.path}>
              {file.kind === 'folder' ? 'wrote folder ' : 'wrote '}
              <code>{file.path}</code>
            </li>
          ))}
        </ul>
      ) : null}
      <NodeBadges nodeId={id} />
      <NodeMetricTables nodeId={id} />
      {images.map((ref) => (
        <button
          key={ref.sha256}
          type="button"
          className="node-image-button nodrag"
          title={`${ref.name}: click for the full view`}
          onClick={() => useImageViewer.getState().show(ref)}
          data-testid={`node-image-open-${id}`}
        >
          <ArtifactImage artifact={ref} className="node-image" testId={`node-image-${id}`} />
        </button>
      ))}
    </div>
  );
}

function CondenseNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const descriptor = useCatalog((s) => s.byType.get(data.type));
  const label = useDocument((s) => s.graph.ui.labels?.[id]);
  const bypass = useDocument((s) => s.graph.nodes.find((n) => n.id === id)?.bypass === true);
  const issues = useDocument(useShallow((s) => s.issues.filter((i) => i.nodeId === id)));
  const run = useRun((s) => s.nodes[id]);
  const stale = useRun((s) => s.stale.has(id)) && run !== undefined;
  const classes = ['condense-node', selected ? 'selected' : '', run ? `run-${run.status}` : '', stale ? 'stale' : '', issues.length > 0 ? 'has-issues' : '', descriptor ? '' : 'unknown', bypass ? 'bypassed' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes} data-testid={`node-${id}`} data-node-type={data.type}>
      <div className="node-header">
        <div className="node-titles">
          <div className="node-title">{label ?? descriptor?.title ?? data.type}</div>
          <div className="node-id">{id}</div>
        </div>
        <div className="node-header-status">
          <StatusBadge nodeId={id} run={run} />
          {stale ? (
            <span className="node-stale" data-testid={`node-stale-${id}`} title="Its settings or an upstream node changed since this run; run again to update">
              out of date
            </span>
          ) : null}
          <NodeCachedMarker nodeId={id} />
          <NodeElapsed nodeId={id} />
        </div>
      </div>
      <NodeBody id={id} descriptor={descriptor} type={data.type} />
      <RunDetails id={id} run={run} />
      {issues.length > 0 ? (
        <ul className="node-issues" data-testid={`node-issues-${id}`}>
          {issues.slice(0, 3).map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
          {issues.length > 3 ? <li>and {issues.length - 3} more</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

export const CondenseNode = memo(CondenseNodeView);

// Output summaries: the few facts about a value that events, the run record and the canvas show, so the
// renderer never needs the value itself. Pure.
import type { PortTypeName } from '../shared/port-types';
import type { OutputSummary } from '../shared/values';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object';

export function summarizeOutput(value: unknown, portType: PortTypeName): OutputSummary {
  if (isObj(value) && value.kind === 'dataset') {
    const source = isObj(value.source) ? value.source : {};
    return {
      type: 'Dataset',
      name: value.name,
      task: value.task,
      count: value.count,
      shape: value.shape,
      classes: Array.isArray(value.classes) ? value.classes.length : 0,
      ...(typeof source.note === 'string' ? { source: source.note } : typeof source.kind === 'string' ? { source: source.kind } : {}),
    };
  }
  if (isObj(value) && value.kind === 'report') {
    return {
      type: 'Report',
      title: value.title,
      images: Array.isArray(value.images) ? value.images : [],
      tables: Array.isArray(value.tables) ? value.tables : [],
      ...(typeof value.text === 'string' ? { text: value.text.length > 2000 ? `${value.text.slice(0, 2000)}...` : value.text } : {}),
      ...(Array.isArray(value.badges) ? { badges: value.badges } : {}),
    };
  }
  if (isObj(value) && value.kind === 'metrics') {
    return {
      type: 'Metrics',
      values: value.values,
      ...(Array.isArray(value.tables) && value.tables.length ? { tables: value.tables } : {}),
    };
  }
  if (isObj(value) && value.kind === 'model' && isObj(value.meta)) {
    const meta = isObj(value.meta) ? value.meta : {};
    const arch = isObj(value.architecture) ? value.architecture : {};
    const params = isObj(value.params) ? Object.values(value.params) : [];
    const lineage = Array.isArray(meta.lineage) ? meta.lineage : [];
    return {
      type: 'Model',
      name: value.name,
      architecture: arch.kind === 'zoo' ? arch.name : 'onnx',
      task: meta.task,
      inputShape: meta.inputShape,
      classes: Array.isArray(meta.classes) ? meta.classes.length : 0,
      parameters: params.reduce((n: number, p) => n + (ArrayBuffer.isView(p) ? (p as Float32Array).length : 0), 0),
      stages: lineage.map((s) => (isObj(s) ? s.node : undefined)),
    };
  }
  if (isObj(value) && value.kind === 'deploy-package') {
    const files = Array.isArray(value.files) ? value.files.filter(isObj) : [];
    return {
      type: 'DeployPackage',
      target: value.target,
      precision: value.precision,
      folder: value.folder,
      files: files.length,
      bytes: files.reduce((n: number, f) => n + (typeof f.bytes === 'number' ? f.bytes : 0), 0),
    };
  }
  if (isObj(value) && typeof value.summary === 'object' && value.summary !== null) {
    // Values without a dedicated summary (models, packages) may carry their own small `summary` object.
    return { type: portType, ...(value.summary as Obj) };
  }
  if (value === undefined || value === null) return { type: portType, empty: true };
  if (typeof value !== 'object') return { type: portType, value };
  return { type: portType };
}

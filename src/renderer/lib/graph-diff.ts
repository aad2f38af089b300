// Record-level diffs of the document graph, the unit the undo history keeps. Nodes, edges, groups and notes are
// records keyed by id; positions and labels are keyed by node id; the rest (meta, seed, assets) are whole
// fields. The viewport is left out on purpose: panning is not an edit and undo never moves the view.
import type { Graph, GraphUi } from '../../shared/graph/schema';

export interface RecordChange<T> {
  id: string;
  /** Absent when the record was added. */
  before?: T;
  /** Absent when the record was removed. */
  after?: T;
}

export interface ListDiff<T> {
  changes: RecordChange<T>[];
  /** The id order on both sides, kept only when it changed (adds, removes, reorders). */
  order?: { before: string[]; after: string[] };
}

type Group = GraphUi['groups'][number];
type Note = GraphUi['notes'][number];
type Xy = [number, number];

/** Whole fields compared by reference: edits replace what they change, so an untouched field is the same object. */
const FIELDS = ['meta', 'seed', 'assets'] as const;
type Field = (typeof FIELDS)[number];

export interface GraphDiff {
  nodes?: ListDiff<Graph['nodes'][number]>;
  edges?: ListDiff<Graph['edges'][number]>;
  groups?: ListDiff<Group>;
  notes?: ListDiff<Note>;
  positions?: RecordChange<Xy>[];
  /** `ui.labels` is optional in the file, so it is one field: an absent map and an empty one save differently. */
  labels?: { before: GraphUi['labels']; after: GraphUi['labels'] };
  fields?: { key: Field; before: unknown; after: unknown }[];
}

function sameIds(a: readonly { id: string }[], b: readonly { id: string }[]): boolean {
  return a.length === b.length && a.every((r, i) => r.id === b[i].id);
}

function diffList<T extends { id: string }>(before: readonly T[], after: readonly T[]): ListDiff<T> | undefined {
  if (before === after) return undefined;
  const old = new Map(before.map((r) => [r.id, r]));
  const now = new Map(after.map((r) => [r.id, r]));
  const changes: RecordChange<T>[] = [];
  for (const [id, r] of old) {
    const next = now.get(id);
    if (next === undefined) changes.push({ id, before: r });
    else if (next !== r && JSON.stringify(next) !== JSON.stringify(r)) changes.push({ id, before: r, after: next });
  }
  for (const [id, r] of now) if (!old.has(id)) changes.push({ id, after: r });
  const reordered = !sameIds(before, after);
  if (changes.length === 0 && !reordered) return undefined;
  return {
    changes,
    ...(reordered ? { order: { before: before.map((r) => r.id), after: after.map((r) => r.id) } } : {}),
  };
}

function diffMap<T>(before: Record<string, T>, after: Record<string, T>): RecordChange<T>[] | undefined {
  if (before === after) return undefined;
  const changes: RecordChange<T>[] = [];
  for (const [id, v] of Object.entries(before)) {
    if (!(id in after)) changes.push({ id, before: v });
    else if (JSON.stringify(after[id]) !== JSON.stringify(v)) changes.push({ id, before: v, after: after[id] });
  }
  for (const [id, v] of Object.entries(after)) if (!(id in before)) changes.push({ id, after: v });
  return changes.length > 0 ? changes : undefined;
}

/** What changed from `before` to `after`, or undefined when nothing the history keeps did. */
export function diffGraphs(before: Graph, after: Graph): GraphDiff | undefined {
  if (before === after) return undefined;
  const diff: GraphDiff = {};
  const nodes = diffList(before.nodes, after.nodes);
  const edges = diffList(before.edges, after.edges);
  const groups = diffList(before.ui.groups, after.ui.groups);
  const notes = diffList(before.ui.notes, after.ui.notes);
  const positions = diffMap(before.ui.positions, after.ui.positions);
  if (nodes) diff.nodes = nodes;
  if (edges) diff.edges = edges;
  if (groups) diff.groups = groups;
  if (notes) diff.notes = notes;
  if (positions) diff.positions = positions;
  if (JSON.stringify(before.ui.labels) !== JSON.stringify(after.ui.labels)) {
    diff.labels = { before: before.ui.labels, after: after.ui.labels };
  }
  const fields = FIELDS.filter((key) => before[key] !== after[key] && JSON.stringify(before[key]) !== JSON.stringify(after[key])).map(
    (key) => ({ key, before: before[key], after: after[key] }),
  );
  if (fields.length > 0) diff.fields = fields;
  return Object.keys(diff).length > 0 ? diff : undefined;
}

function applyList<T extends { id: string }>(list: T[], diff: ListDiff<T> | undefined, forward: boolean): T[] {
  if (!diff) return list;
  const byId = new Map(list.map((r) => [r.id, r]));
  for (const c of diff.changes) {
    const target = forward ? c.after : c.before;
    if (target === undefined) byId.delete(c.id);
    else byId.set(c.id, target);
  }
  if (diff.order) {
    const order = forward ? diff.order.after : diff.order.before;
    return order.map((id) => byId.get(id)).filter((r): r is T => r !== undefined);
  }
  return list.map((r) => byId.get(r.id)).filter((r): r is T => r !== undefined);
}

function applyMap<T>(map: Record<string, T>, changes: RecordChange<T>[] | undefined, forward: boolean): Record<string, T> {
  if (!changes) return map;
  const next = { ...map };
  for (const c of changes) {
    const target = forward ? c.after : c.before;
    if (target === undefined) delete next[c.id];
    else next[c.id] = target;
  }
  return next;
}

/** Applies a diff forward (redo) or backward (undo); the viewport of `graph` is kept as it is. */
export function applyDiff(graph: Graph, diff: GraphDiff, direction: 'forward' | 'backward'): Graph {
  const forward = direction === 'forward';
  const ui: GraphUi = {
    ...graph.ui,
    positions: applyMap(graph.ui.positions, diff.positions, forward),
    groups: applyList(graph.ui.groups, diff.groups, forward),
    notes: applyList(graph.ui.notes, diff.notes, forward),
  };
  if (diff.labels) {
    const labels = forward ? diff.labels.after : diff.labels.before;
    if (labels === undefined) delete ui.labels;
    else ui.labels = labels;
  }
  const next: Graph = { ...graph, nodes: applyList(graph.nodes, diff.nodes, forward), edges: applyList(graph.edges, diff.edges, forward), ui };
  for (const f of diff.fields ?? []) {
    const value = forward ? f.after : f.before;
    if (value === undefined) delete (next as Partial<Graph>)[f.key];
    else (next as Record<Field, unknown>)[f.key] = value;
  }
  return next;
}

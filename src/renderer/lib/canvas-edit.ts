// Pure edits of what the canvas adds around the nodes: groups (titled, coloured frames around their member
// nodes), notes (markdown text on the canvas) and bypass. Like graph-edit, they never mutate their input.
import type { Graph, GraphUi } from '../../shared/graph/schema';
import { moveNodes } from './graph-edit';

type Group = GraphUi['groups'][number];
type Note = GraphUi['notes'][number];

/** Frame colours offered in the group menu; the first is the default. */
export const GROUP_COLORS = ['#4f7cff', '#2fa36b', '#e0a100', '#d9534f', '#8e5bd6', '#7a8699'];

function nextId(taken: Iterable<string>, prefix: string): string {
  const set = new Set(taken);
  for (let i = 1; ; i++) if (!set.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

export function createGroup(graph: Graph, nodeIds: string[], title = 'Group', color = GROUP_COLORS[0]): { graph: Graph; groupId: string } {
  const present = new Set(graph.nodes.map((n) => n.id));
  const members = nodeIds.filter((id) => present.has(id));
  const groupId = nextId(
    graph.ui.groups.map((g) => g.id),
    'group-',
  );
  // A node belongs to one group at a time: taking it into a new frame takes it out of its old one.
  const others = graph.ui.groups.map((g) => (g.nodeIds.some((id) => members.includes(id)) ? { ...g, nodeIds: g.nodeIds.filter((id) => !members.includes(id)) } : g));
  const group: Group = { id: groupId, title, color, nodeIds: members };
  return { groupId, graph: { ...graph, ui: { ...graph.ui, groups: [...others, group] } } };
}

function updateGroup(graph: Graph, groupId: string, change: (g: Group) => Group): Graph {
  const groups = graph.ui.groups.map((g) => (g.id === groupId ? change(g) : g));
  return { ...graph, ui: { ...graph.ui, groups } };
}

export function renameGroup(graph: Graph, groupId: string, title: string): Graph {
  return updateGroup(graph, groupId, (g) => ({ ...g, title }));
}

export function recolorGroup(graph: Graph, groupId: string, color: string): Graph {
  return updateGroup(graph, groupId, (g) => ({ ...g, color }));
}

/** Removes the frame; its nodes stay where they are. */
export function ungroup(graph: Graph, groupId: string): Graph {
  return { ...graph, ui: { ...graph.ui, groups: graph.ui.groups.filter((g) => g.id !== groupId) } };
}

/** Moves every member node of the group by (dx, dy), and the stored frame with them when it has one. */
export function moveGroup(graph: Graph, groupId: string, dx: number, dy: number): Graph {
  const group = graph.ui.groups.find((g) => g.id === groupId);
  if (!group || (dx === 0 && dy === 0)) return graph;
  const moved: Record<string, { x: number; y: number }> = {};
  for (const id of group.nodeIds) {
    const p = graph.ui.positions[id];
    if (p) moved[id] = { x: p[0] + dx, y: p[1] + dy };
  }
  const next = moveNodes(graph, moved);
  if (!group.rect) return next;
  const [x, y, w, h] = group.rect;
  return updateGroup(next, groupId, (g) => ({ ...g, rect: [Math.round(x + dx), Math.round(y + dy), w, h] }));
}

/** Drops groups left without nodes (their nodes were deleted): a frame around nothing is not drawn. */
export function dropEmptyGroups(graph: Graph): Graph {
  if (graph.ui.groups.every((g) => g.nodeIds.length > 0)) return graph;
  return { ...graph, ui: { ...graph.ui, groups: graph.ui.groups.filter((g) => g.nodeIds.length > 0) } };
}

export function addNote(graph: Graph, position: { x: number; y: number }, text = ''): { graph: Graph; noteId: string } {
  const noteId = nextId(
    graph.ui.notes.map((n) => n.id),
    'note-',
  );
  const note: Note = { id: noteId, text, position: [Math.round(position.x), Math.round(position.y)] };
  return { noteId, graph: { ...graph, ui: { ...graph.ui, notes: [...graph.ui.notes, note] } } };
}

function updateNote(graph: Graph, noteId: string, change: (n: Note) => Note): Graph {
  const note = graph.ui.notes.find((n) => n.id === noteId);
  if (!note) return graph;
  const next = change(note);
  if (JSON.stringify(next) === JSON.stringify(note)) return graph;
  return { ...graph, ui: { ...graph.ui, notes: graph.ui.notes.map((n) => (n.id === noteId ? next : n)) } };
}

export function setNoteText(graph: Graph, noteId: string, text: string): Graph {
  return updateNote(graph, noteId, (n) => ({ ...n, text }));
}

export function moveNote(graph: Graph, noteId: string, position: { x: number; y: number }): Graph {
  return updateNote(graph, noteId, (n) => ({ ...n, position: [Math.round(position.x), Math.round(position.y)] }));
}

export function removeNotes(graph: Graph, noteIds: Iterable<string>): Graph {
  const gone = new Set(noteIds);
  if (gone.size === 0) return graph;
  return { ...graph, ui: { ...graph.ui, notes: graph.ui.notes.filter((n) => !gone.has(n.id)) } };
}

/** Sets or clears `bypass`; a node that is not bypassed carries no key, so files stay as they were. */
export function setBypass(graph: Graph, nodeIds: Iterable<string>, bypass: boolean): Graph {
  const ids = new Set(nodeIds);
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    if (!ids.has(n.id) || (n.bypass === true) === bypass) return n;
    changed = true;
    if (bypass) return { ...n, bypass: true };
    const { bypass: _dropped, ...rest } = n;
    return rest;
  });
  return changed ? { ...graph, nodes } : graph;
}

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../shared/graph/schema';
import { emptyGraph, serializeGraph } from '../../shared/graph/serialize';
import { addNote, createGroup, dropEmptyGroups, moveGroup, moveNote, recolorGroup, removeNotes, renameGroup, setBypass, setNoteText, ungroup } from './canvas-edit';

function graphOf(): Graph {
  const g = emptyGraph();
  return {
    ...g,
    nodes: ['a', 'b', 'c'].map((id) => ({ id, type: 't', typeVersion: 1, params: {} })),
    ui: { ...g.ui, positions: { a: [0, 0], b: [100, 50], c: [400, 400] } },
  };
}

describe('groups', () => {
  it('creates a group from a selection and moves its member nodes by the same offset', () => {
    const { graph, groupId } = createGroup(graphOf(), ['a', 'b', 'missing'], 'Data');
    expect(graph.ui.groups).toEqual([{ id: 'group-1', title: 'Data', color: '#4f7cff', nodeIds: ['a', 'b'] }]);
    const moved = moveGroup(graph, groupId, 30, -20);
    expect(moved.ui.positions).toEqual({ a: [30, -20], b: [130, 30], c: [400, 400] });
  });

  it('moves a stored frame with its nodes', () => {
    const { graph, groupId } = createGroup(graphOf(), ['a']);
    const framed = { ...graph, ui: { ...graph.ui, groups: [{ ...graph.ui.groups[0], rect: [0, 0, 10, 10] as [number, number, number, number] }] } };
    expect(moveGroup(framed, groupId, 5, 5).ui.groups[0].rect).toEqual([5, 5, 10, 10]);
  });

  it('takes nodes out of their old group when they join a new one', () => {
    const first = createGroup(graphOf(), ['a', 'b']).graph;
    const second = createGroup(first, ['b', 'c']);
    expect(second.groupId).toBe('group-2');
    expect(second.graph.ui.groups.map((g) => g.nodeIds)).toEqual([['a'], ['b', 'c']]);
  });

  it('drops a group whose nodes are all gone', () => {
    const { graph } = createGroup(graphOf(), ['a']);
    const emptied = { ...graph, ui: { ...graph.ui, groups: [{ ...graph.ui.groups[0], nodeIds: [] }] } };
    expect(dropEmptyGroups(emptied).ui.groups).toEqual([]);
    expect(dropEmptyGroups(graph)).toBe(graph);
  });

  it('renames, recolours and ungroups without touching the nodes', () => {
    const { graph, groupId } = createGroup(graphOf(), ['a']);
    const edited = recolorGroup(renameGroup(graph, groupId, 'Renamed'), groupId, '#d9534f');
    expect(edited.ui.groups[0]).toMatchObject({ title: 'Renamed', color: '#d9534f' });
    const gone = ungroup(edited, groupId);
    expect(gone.ui.groups).toEqual([]);
    expect(gone.ui.positions).toEqual(graphOf().ui.positions);
  });
});

describe('notes', () => {
  it('adds, edits, moves and removes a note', () => {
    const { graph, noteId } = addNote(graphOf(), { x: 10.4, y: 20.6 }, 'hello');
    expect(graph.ui.notes).toEqual([{ id: 'note-1', text: 'hello', position: [10, 21] }]);
    const edited = moveNote(setNoteText(graph, noteId, '# Title'), noteId, { x: 1, y: 2 });
    expect(edited.ui.notes[0]).toEqual({ id: 'note-1', text: '# Title', position: [1, 2] });
    expect(setNoteText(edited, noteId, '# Title')).toBe(edited);
    expect(removeNotes(edited, [noteId]).ui.notes).toEqual([]);
  });
});

describe('bypass', () => {
  it('sets the flag, and clearing it gives back the same file text', () => {
    const g = graphOf();
    const on = setBypass(g, ['b'], true);
    expect(on.nodes.find((n) => n.id === 'b')!.bypass).toBe(true);
    expect(setBypass(on, ['b'], true)).toBe(on);
    const off = setBypass(on, ['b'], false);
    expect('bypass' in off.nodes.find((n) => n.id === 'b')!).toBe(false);
    expect(serializeGraph(off)).toBe(serializeGraph(g));
  });
});

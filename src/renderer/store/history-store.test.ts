import { beforeEach, describe, expect, it } from 'vitest';
import { emptyGraph } from '../../shared/graph/serialize';
import { renameGraph, setParam } from '../lib/graph-edit';
import { useDocument } from './document-store';
import { useHistory } from './history-store';

function start(): void {
  const g = emptyGraph('start');
  useDocument.getState().replace({ ...g, nodes: [{ id: 'a', type: 't', typeVersion: 1, params: { x: 1 } }] });
}

describe('history store', () => {
  beforeEach(start);

  it('records document edits and undoes and redoes them', () => {
    const doc = () => useDocument.getState();
    doc().edit((g) => renameGraph(g, 'one'));
    doc().edit((g) => setParam(g, 'a', 'x', 2));
    expect(useHistory.getState().canUndo).toBe(true);
    useHistory.getState().undo();
    expect(doc().graph.nodes[0].params).toEqual({ x: 1 });
    expect(doc().graph.meta.name).toBe('one');
    useHistory.getState().undo();
    expect(doc().graph.meta.name).toBe('start');
    expect(useHistory.getState().canUndo).toBe(false);
    useHistory.getState().redo();
    useHistory.getState().redo();
    expect(doc().graph.nodes[0].params).toEqual({ x: 2 });
    expect(useHistory.getState().canRedo).toBe(false);
  });

  it('makes one step of a gesture and none of issues or saving', () => {
    const doc = () => useDocument.getState();
    useHistory.getState().beginGesture();
    doc().edit((g) => setParam(g, 'a', 'x', 2));
    doc().edit((g) => setParam(g, 'a', 'x', 3));
    useHistory.getState().endGesture();
    doc().setIssues([{ nodeId: 'a', message: 'bad' }], doc().revision);
    doc().markSaved();
    expect(useHistory.getState().history.undos).toHaveLength(1);
    useHistory.getState().undo();
    expect(doc().graph.nodes[0].params).toEqual({ x: 1 });
  });

  it('clears the unsaved marker when undo comes back to the saved graph', () => {
    const doc = () => useDocument.getState();
    doc().edit((g) => renameGraph(g, 'one'));
    doc().markSaved();
    doc().edit((g) => renameGraph(g, 'two'));
    expect(doc().dirty).toBe(true);
    useHistory.getState().undo();
    expect(doc().dirty).toBe(false);
    useHistory.getState().undo();
    expect(doc().dirty).toBe(true);
  });

  it('starts afresh when another graph is opened', () => {
    useDocument.getState().edit((g) => renameGraph(g, 'one'));
    start();
    expect(useHistory.getState().canUndo).toBe(false);
    expect(useHistory.getState().canRedo).toBe(false);
  });
});

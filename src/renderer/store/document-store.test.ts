import { beforeEach, describe, expect, it } from 'vitest';
import { emptyGraph } from '../../shared/graph/serialize';
import { moveNodes, renameGraph } from '../lib/graph-edit';
import { useDocument } from './document-store';

beforeEach(() => useDocument.getState().replace(emptyGraph('t')));

describe('document store', () => {
  it('marks the document dirty on a real edit only', () => {
    const { revision } = useDocument.getState();
    useDocument.getState().edit((g) => moveNodes(g, {}));
    expect(useDocument.getState()).toMatchObject({ dirty: false, revision });
    useDocument.getState().edit((g) => renameGraph(g, 'renamed'));
    expect(useDocument.getState()).toMatchObject({ dirty: true, revision: revision + 1 });
    expect(useDocument.getState().graph.meta.name).toBe('renamed');
    useDocument.getState().markSaved('/tmp/a.condense.json');
    expect(useDocument.getState()).toMatchObject({ dirty: false, saveTarget: '/tmp/a.condense.json', path: '/tmp/a.condense.json' });
  });

  it('drops validation answers for an older revision of the graph', () => {
    const { revision } = useDocument.getState();
    useDocument.getState().edit((g) => renameGraph(g, 'x'));
    useDocument.getState().setIssues([{ code: 'cycle', message: 'stale' }], revision);
    expect(useDocument.getState().issues).toEqual([]);
    useDocument.getState().setIssues([{ code: 'cycle', message: 'fresh' }], revision + 1);
    expect(useDocument.getState().issues).toEqual([{ code: 'cycle', message: 'fresh' }]);
  });

  it('starts each opened graph clean with a new generation', () => {
    useDocument.getState().edit((g) => renameGraph(g, 'x'));
    const { generation } = useDocument.getState();
    useDocument.getState().replace(emptyGraph('other'), { path: '/p.condense.json', readOnly: true });
    expect(useDocument.getState()).toMatchObject({ dirty: false, generation: generation + 1, path: '/p.condense.json', readOnly: true, saveTarget: undefined });
  });
});

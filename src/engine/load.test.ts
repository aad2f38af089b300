import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeGraph } from '../shared/graph/serialize';
import { createRegistry, loadRegistry, type EngineRegistry } from './registry';
import { loadGraphFile, loadGraphText, migrateNode, saveGraphFile, writeFileAtomic } from './load';
import { graphOf } from './graph-builder';
import { TEST_NODE_PACK, tempHome } from './test-support';

let registry: EngineRegistry;
beforeAll(async () => {
  registry = await loadRegistry({ nodesDir: false, nodeDirs: [TEST_NODE_PACK] });
});

describe('migrateNode', () => {
  it('runs the type migrations from the saved version up', () => {
    const node = { id: 'n', type: 'test.number', typeVersion: 1, params: { n: 7 } };
    expect(migrateNode(node, registry)).toEqual({ node: { id: 'n', type: 'test.number', typeVersion: 2, params: { value: 7 } } });
  });

  it('leaves a node from a newer build untouched and says so', () => {
    const node = { id: 'n', type: 'test.number', typeVersion: 3, params: { value: 1, extra: true } };
    const result = migrateNode(node, registry);
    expect(result.node).toBe(node);
    expect(result.newer).toBe(true);
    expect(result.issue).toMatchObject({ nodeId: 'n', code: 'newer-file' });
  });

  it('reports a missing migration step and keeps the node as it was', () => {
    const number = registry.entry('test.number')!;
    const gappy = createRegistry([{ ...number, definition: { ...number.definition, version: 3 } }]);
    const node = { id: 'n', type: 'test.number', typeVersion: 1, params: { n: 2 } };
    const result = migrateNode(node, gappy);
    expect(result.node).toBe(node);
    expect(result.issue).toEqual({ nodeId: 'n', code: 'param', message: 'test.number has no migration from version 2 to 3; check the params by hand' });
  });
});

describe('loadGraphText', () => {
  it('migrates node params and validates the result', () => {
    const graph = graphOf().node('n', 'test.number', { n: 3 }, { typeVersion: 1 }).node('s', 'test.add').edge('n.value', 's.a').build();
    const loaded = loadGraphText(serializeGraph(graph), registry, 'x.condense.json');
    expect(loaded.issues).toEqual([]);
    expect(loaded.readOnly).toBe(false);
    expect(loaded.graph.nodes.find((n) => n.id === 'n')).toMatchObject({ typeVersion: 2, params: { value: 3 } });
    expect(loaded.message).toContain('migrated the params of 1 node');
    expect(loaded.path).toBe(path.resolve('x.condense.json'));
  });

  it('opens a graph with a newer node version read-only', () => {
    const graph = graphOf().node('n', 'test.number', { value: 1 }, { typeVersion: 5 }).build();
    const loaded = loadGraphText(serializeGraph(graph), registry);
    expect(loaded.readOnly).toBe(true);
    expect(loaded.issues).toEqual([expect.objectContaining({ nodeId: 'n', code: 'newer-file' })]);
    expect(loaded.message).toContain('read-only');
  });

  it('keeps unknown node types as placeholders', () => {
    const graph = graphOf().node('x', 'vendor.thing', { knob: 3 }).node('n', 'test.noop').edge('x.out', 'n.a').build();
    const loaded = loadGraphText(serializeGraph(graph), registry);
    expect(loaded.graph.nodes.map((n) => n.id).sort()).toEqual(['n', 'x']);
    expect(loaded.graph.nodes.find((n) => n.id === 'x')!.params).toEqual({ knob: 3 });
    expect(loaded.graph.edges).toHaveLength(1);
    expect(loaded.issues).toEqual([expect.objectContaining({ nodeId: 'x', code: 'unknown-type' })]);
  });

  it('returns file-level problems as issues without throwing', () => {
    const loaded = loadGraphText('{ "format": "condense.graph", ', registry);
    expect(loaded.issues[0].code).toBe('schema');
    expect(loaded.graph.nodes).toEqual([]);
  });
});

describe('saveGraphFile / loadGraphFile', () => {
  it('writes canonical text atomically and reads it back', async () => {
    const dir = tempHome('condense-save-');
    const file = path.join(dir, 'sub', 'g.condense.json');
    const graph = graphOf('saved', registry).node('n', 'test.number', { value: 2 }).build();
    const saved = await saveGraphFile(file, graph);
    expect(saved).toEqual({ path: file, bytes: Buffer.byteLength(saved.text), text: serializeGraph(graph) });
    expect(fs.readFileSync(file, 'utf8')).toBe(saved.text);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['g.condense.json']);
    const loaded = await loadGraphFile(file, registry);
    expect(loaded.graph).toEqual(graph);
    expect(loaded.issues).toEqual([]);
  });

  it('replaces an existing file whole', async () => {
    const file = path.join(tempHome('condense-save-'), 'g.condense.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'condense.graph', notes: 'x'.repeat(100000) }));
    const saved = await saveGraphFile(file, graphOf().build());
    expect(fs.readFileSync(file, 'utf8')).toBe(saved.text);
  });

  it('never replaces a file that is not a graph, nor writes another extension', async () => {
    const dir = tempHome('condense-save-');
    const script = path.join(dir, 'run.condense.json');
    fs.writeFileSync(script, '#!/bin/sh\necho hi\n');
    await expect(saveGraphFile(script, graphOf().build())).rejects.toThrow(`${script}: exists and is not a Condense graph; not replacing it`);
    expect(fs.readFileSync(script, 'utf8')).toBe('#!/bin/sh\necho hi\n');
    await expect(saveGraphFile(path.join(dir, 'x.sh'), graphOf().build())).rejects.toThrow('a graph is saved as a .condense.json file');
    await expect(saveGraphFile('/proc/self/x.condense.json', graphOf().build())).rejects.toThrow(/\/proc is a system folder/);
  });

  it('keeps the mode of the graph it replaces, and removes its temp file when the write fails', async () => {
    const dir = tempHome('condense-save-');
    const file = path.join(dir, 'g.condense.json');
    await saveGraphFile(file, graphOf().build());
    fs.chmodSync(file, 0o600);
    await saveGraphFile(file, graphOf().build());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Data that cannot be written (a number is not a string or bytes): the temp file must go too.
    await expect(writeFileAtomic(file, 42 as unknown as string)).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['g.condense.json']);
  });

  it('sweeps temp files that killed processes left beside the file, and leaves live ones', async () => {
    const dir = tempHome('condense-save-');
    const file = path.join(dir, 'g.condense.json');
    const dead = path.join(dir, '.g.condense.json.999999999.abc123.tmp');
    const live = path.join(dir, `.g.condense.json.${process.pid}.abc123.tmp`);
    const other = path.join(dir, '.other.condense.json.999999999.abc123.tmp');
    for (const temp of [dead, live, other]) fs.writeFileSync(temp, 'partial');
    await saveGraphFile(file, graphOf().build());
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(live), path.basename(other), 'g.condense.json'].sort());
    // Opening a graph clears its stale temps too, for a file that is never saved again.
    fs.writeFileSync(dead, 'partial');
    await loadGraphFile(file, registry);
    expect(fs.existsSync(dead)).toBe(false);
  });

  it('reads only regular files: /dev/zero as a graph is an issue, not a hang', async () => {
    const loaded = await loadGraphFile('/dev/zero', registry);
    expect(loaded.issues).toEqual([expect.objectContaining({ code: 'schema', message: expect.stringContaining('is a character device') })]);
  });

  it('reports a missing file as an issue', async () => {
    const loaded = await loadGraphFile(path.join(tempHome(), 'none.condense.json'), registry);
    expect(loaded.issues).toEqual([expect.objectContaining({ code: 'schema', message: expect.stringContaining('no such file') })]);
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateJsonError } from './json-error';
import { parseGraphText } from './load';
import { FILE_MIGRATIONS, migrateGraphDocument, type FileMigration } from './migrations';
import { CURRENT_SCHEMA_VERSION } from './schema';
import { emptyGraph, serializeGraph } from './serialize';

const fixtures = join(import.meta.dirname, '../../../tests/fixtures/graphs');

describe('file-level migrations', () => {
  it('has a fixture for every schema version up to the current one, and each loads', () => {
    const versions = readdirSync(fixtures)
      .map((f) => /^v(\d+)\.condense\.json$/.exec(f)?.[1])
      .filter(Boolean)
      .map(Number)
      .sort();
    expect(versions).toEqual(Array.from({ length: CURRENT_SCHEMA_VERSION }, (_, i) => i + 1));
    for (const v of versions) {
      const parsed = parseGraphText(readFileSync(join(fixtures, `v${v}.condense.json`), 'utf8'));
      expect(parsed.issues).toEqual([]);
      expect(parsed.graph?.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    }
  });

  it('has one step for every version below the current one', () => {
    expect(FILE_MIGRATIONS.map((m) => m.from)).toEqual(Array.from({ length: CURRENT_SCHEMA_VERSION - 1 }, (_, i) => i + 1));
  });

  it('runs a chain step by step and records where it started', () => {
    const chain: FileMigration[] = [
      { from: 1, up: (d) => ({ ...d, renamed: d.old, old: undefined }) },
      { from: 2, up: (d) => ({ ...d, extra: true }) },
    ];
    const result = migrateGraphDocument({ schemaVersion: 1, old: 'x' }, chain, 3);
    expect(result).toEqual({ ok: true, doc: { schemaVersion: 3, renamed: 'x', old: undefined, extra: true }, migratedFrom: 1 });
  });

  it('refuses newer files with a typed reason and invalid versions with another', () => {
    const newer = migrateGraphDocument({ schemaVersion: CURRENT_SCHEMA_VERSION + 1 });
    expect(newer.ok).toBe(false);
    if (!newer.ok) expect(newer.failure.reason).toBe('TargetVersionTooNew');
    const bad = migrateGraphDocument({ schemaVersion: '1' });
    expect(!bad.ok && bad.failure.reason).toBe('VersionInvalid');
    const gap = migrateGraphDocument({ schemaVersion: 1 }, [], 2);
    expect(!gap.ok && gap.failure.reason).toBe('MigrationMissing');
  });
});

describe('parseGraphText', () => {
  const valid = serializeGraph({
    ...emptyGraph('t'),
    nodes: [{ id: 'a', type: 'x.y', typeVersion: 1, params: { k: 2 } }],
  });

  it('marks a newer file read-only with a message that says what to do', () => {
    const doc = JSON.parse(valid);
    doc.schemaVersion = 99;
    const parsed = parseGraphText(JSON.stringify(doc));
    expect(parsed.graph).toBeUndefined();
    expect(parsed.readOnly).toBe(true);
    expect(parsed.issues[0]).toMatchObject({ code: 'newer-file' });
    expect(parsed.message).toMatch(/newer Condense \(schemaVersion 99; this build reads up to 1\)/);
  });

  it('names line and column for broken JSON, and the end for truncated text', () => {
    expect(parseGraphText('{\n  "format": x\n}').issues[0].message).toMatch(/not valid JSON at line 2, column \d+/);
    expect(parseGraphText(valid.slice(0, 40)).issues[0].message).toMatch(/not valid JSON/);
    expect(parseGraphText('').issues[0].message).toBe('the file is empty');
  });

  it('names the node by id and the field for schema errors', () => {
    const doc = JSON.parse(valid);
    doc.nodes[0].typeVersion = 'one';
    const [issue] = parseGraphText(JSON.stringify(doc)).issues;
    expect(issue.nodeId).toBe('a');
    expect(issue.message).toMatch(/^nodes\[0\] \(node "a"\)\.typeVersion: /);
  });

  it('refuses files that are not Condense graphs', () => {
    expect(parseGraphText('[]').issues[0].message).toMatch(/JSON object/);
    expect(parseGraphText('{"format":"other"}').issues[0].message).toMatch(/not a Condense graph file/);
  });
});

describe('serializeGraph', () => {
  it('is deterministic whatever the insertion order of nodes, edges and keys', () => {
    const a = emptyGraph('g');
    a.nodes = [
      { id: 'b', type: 't', typeVersion: 1, params: { z: 1, a: { y: 2, x: 1 } } },
      { id: 'a', type: 't', typeVersion: 1, params: {} },
    ];
    a.ui.positions = { b: [10, 20], a: [0, 0] };
    const b = structuredClone(a);
    b.nodes.reverse();
    b.nodes.find((n) => n.id === 'b')!.params = { a: { x: 1, y: 2 }, z: 1 };
    b.ui.positions = { a: [0, 0], b: [10, 20] };
    expect(serializeGraph(a)).toBe(serializeGraph(b));
    expect(serializeGraph(a).endsWith('}\n')).toBe(true);
    expect(serializeGraph(a)).toContain('"b": [10, 20]');
  });

  it('round-trips: parse(serialize(g)) serializes to the same bytes', () => {
    const text = readFileSync(join(fixtures, 'v1.condense.json'), 'utf8');
    const once = serializeGraph(parseGraphText(text).graph!);
    expect(serializeGraph(parseGraphText(once).graph!)).toBe(once);
  });
});

describe('locateJsonError', () => {
  it('agrees with JSON.parse on what is valid, over many random cuts and edits', () => {
    const text = readFileSync(join(fixtures, 'v1.condense.json'), 'utf8');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 300; n++) {
      const at = Math.floor(rand() * text.length);
      const variant = n % 2 ? text.slice(0, at) : text.slice(0, at) + '},"\\x[:'[n % 8] + text.slice(at + 1);
      let valid = true;
      try {
        JSON.parse(variant);
      } catch {
        valid = false;
      }
      expect(locateJsonError(variant) === undefined).toBe(valid);
    }
  });
});

describe('serializeGraph key order', () => {
  it('writes structural keys in reading order and params sorted', () => {
    const g = emptyGraph('k');
    g.nodes = [{ id: 'n', type: 't', typeVersion: 1, params: { b: 1, a: 2 } }];
    g.edges = [{ id: 'e', from: { node: 'n', port: 'out' }, to: { node: 'm', port: 'in' } }];
    const text = serializeGraph(g);
    expect(text.indexOf('"format"')).toBeLessThan(text.indexOf('"schemaVersion"'));
    expect(text.indexOf('"schemaVersion"')).toBeLessThan(text.indexOf('"meta"'));
    expect(text.indexOf('"type"')).toBeLessThan(text.indexOf('"params"'));
    expect(text.indexOf('"a": 2')).toBeLessThan(text.indexOf('"b": 1'));
    expect(text.indexOf('"node": "n"')).toBeLessThan(text.indexOf('"port": "out"'));
  });
});

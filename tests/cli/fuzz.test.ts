// Graph files are untrusted input. Hundreds of corrupted variants of a valid graph go through
// `condense validate`: each must come out valid (exit 0) or invalid (exit 2) with a message naming the file
// and where in it, and never crash or print a stack trace.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';
import { NODE_PACK, ROOT, runCli, tempDir } from './helpers';
import { createRng as rng } from '../../src/compute/graph/init';

const VARIANTS = 600;
const BASE_GRAPH = path.join(ROOT, 'tests', 'fixtures', 'graphs', 'v1.condense.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

function allPaths(value: Json, prefix: Path = []): Path[] {
  const paths: Path[] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...allPaths(item, [...prefix, index])));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) paths.push(...allPaths(item, [...prefix, key]));
  return paths;
}

function parentOf(root: Json, path: Path): { parent: Json[] | Record<string, Json>; key: string | number } {
  let cursor: Json = root;
  for (const key of path.slice(0, -1)) cursor = (cursor as Record<string, Json>)[key as string];
  return { parent: cursor as Json[] | Record<string, Json>, key: path[path.length - 1] };
}

const WRONG_VALUES: Json[] = [null, 0, -1, 1.5, 1e308, '', 'x', 'condense.graph', true, false, [], {}, [1, 2], { id: 'n' }, 'a'.repeat(500), '../../etc/passwd'];

type Mutation = (text: string, doc: Json, pick: () => number) => string;

function choose<T>(items: T[], pick: () => number): T {
  return items[Math.floor(pick() * items.length)];
}

const structural = (edit: (parent: Json[] | Record<string, Json>, key: string | number, pick: () => number) => void): Mutation => {
  return (_text, doc, pick) => {
    const copy = structuredClone(doc);
    const { parent, key } = parentOf(copy, choose(allPaths(copy), pick));
    edit(parent, key, pick);
    return JSON.stringify(copy, null, pick() < 0.5 ? 2 : 0);
  };
};

const MUTATIONS: Record<string, Mutation> = {
  truncate: (text, _doc, pick) => text.slice(0, Math.floor(pick() * text.length)),
  deleteField: structural((parent, key) => {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  }),
  wrongType: structural((parent, key, pick) => {
    (parent as Record<string, Json>)[key as string] = structuredClone(choose(WRONG_VALUES, pick));
  }),
  duplicate: structural((parent, key, pick) => {
    if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
    else {
      const keys = Object.keys(parent);
      parent[choose(keys, pick)] = structuredClone(parent[key as string]);
    }
  }),
  flipByte: (text, _doc, pick) => {
    const at = Math.floor(pick() * text.length);
    return `${text.slice(0, at)}${choose(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'é', '9'], pick)}${text.slice(at + 1)}`;
  },
  combined: (text, doc, pick) => {
    const first = JSON.parse(MUTATIONS.wrongType(text, doc, pick)) as Json;
    return MUTATIONS[choose(['deleteField', 'duplicate', 'truncate'], pick)](JSON.stringify(first), first, pick);
  },
};

function captureIo(dir: string): CliIo & { out: () => string } {
  let text = '';
  const sink = { write: (chunk: string) => ((text += chunk), true) };
  return {
    stdout: sink,
    stderr: sink,
    isTTY: false,
    env: { CONDENSE_HOME: path.join(dir, 'home'), CONDENSE_EXTRA_NODES: NODE_PACK },
    cwd: dir,
    out: () => text,
  };
}

describe('condense validate on corrupted graph files', () => {
  let dir: string;
  const base = readFileSync(BASE_GRAPH, 'utf8');
  const doc = JSON.parse(base) as Json;
  const names = Object.keys(MUTATIONS);
  const variants: { name: string; file: string; text: string }[] = [];

  beforeAll(() => {
    dir = tempDir('condense-fuzz-');
    mkdirSync(path.join(dir, 'graphs'));
    const pick = rng(20261130);
    for (let i = 0; i < VARIANTS; i++) {
      const name = names[i % names.length];
      const text = MUTATIONS[name](base, doc, pick);
      const file = path.join('graphs', `variant-${String(i).padStart(3, '0')}-${name}.condense.json`);
      writeFileSync(path.join(dir, file), text);
      variants.push({ name, file, text });
    }
  });

  it('the base graph is valid', async () => {
    const io = captureIo(tempDir());
    writeFileSync(path.join(io.cwd!, 'base.condense.json'), base);
    expect(await main(['validate', 'base.condense.json'], io)).toBe(0);
  });

  it(`every one of ${VARIANTS} variants exits 0 or 2 with a located message and no stack trace`, async () => {
    const counts: Record<string, number> = { 0: 0, 2: 0 };
    for (const variant of variants) {
      const io = captureIo(dir);
      let code: number;
      try {
        code = await main(['validate', variant.file], io);
      } catch (error) {
        throw new Error(`${variant.file} threw: ${String(error)}`);
      }
      const output = io.out();
      const context = `${variant.file}:\n${output}`;
      expect([0, 2], context).toContain(code);
      expect(output, context).not.toMatch(/^\s+at /m);
      if (code === 2) {
        const lines = output.trimEnd().split('\n');
        const located = lines.filter((line) => line.startsWith(`${variant.file}: `) || line.startsWith(`${path.basename(variant.file)}: `));
        expect(located.length, context).toBe(lines.length);
        // Past the file name, each problem says where: a node, an edge, a JSON path, a line/column or the file as a whole.
        for (const line of lines.filter((l) => !/: \d+ problems?$/.test(l))) expect(line.slice(variant.file.length + 2).length, context).toBeGreaterThan(3);
      }
      counts[code] += 1;
    }
    // The mutations must actually break most files, or this test proves nothing.
    expect(counts[2]).toBeGreaterThan(VARIANTS / 2);
    expect(counts[0]).toBeGreaterThan(0);
  }, 600_000);

  it('a handful of variants behave the same through the real binary', async () => {
    const env = { ...process.env, CONDENSE_HOME: path.join(dir, 'home'), CONDENSE_EXTRA_NODES: NODE_PACK };
    for (const variant of [variants[0], variants[1], variants[2], variants[4]]) {
      const io = captureIo(dir);
      const inProcess = await main(['validate', variant.file], io);
      const spawned = await runCli(['validate', variant.file], env, dir);
      expect(spawned.code, variant.file).toBe(inProcess);
      expect(spawned.stdout + spawned.stderr).toBe(io.out());
    }
  }, 120_000);
});

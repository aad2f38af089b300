// Graph files are untrusted input. Hundreds of corrupted variants of a valid graph go through
// `condense validate`: each must come out valid (exit 0) or invalid (exit 2) with a message naming the file
// and where in it, and never crash or print a stack trace.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';
import { NODE_PACK, ROOT, runCli, tempDir } from './helpers';
import { createRng as rng } from '../../src/compute/graph/init';
import { MUTATIONS, type Json } from './graph-mutations';

const VARIANTS = 600;
const BASE_GRAPH = path.join(ROOT, 'tests', 'fixtures', 'graphs', 'v1.condense.json');

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

// `condense run` on untrusted input: 500 seeded variants of a graph file (structure mutated, params pointed
// at special files, sizes at their maximum) and 100 corrupt data files (truncated, wrong magic, huge
// declared sizes, special files). Every one must end in exit 0, 1 or 2, every message must stay under
// 1,000 characters, each within 10 s and 512 MB of RSS. They run in-process through `main`, the same code
// the binary runs, on one engine kept open the way a long-lived host keeps it (so worker threads start
// once, not 600 times); signals and exit codes, where the process boundary matters, are in
// tests/cli/signals and kill, and a handful of these go through the real binary to show it behaves the same.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index';
import type { Engine } from '../../src/engine/types';
import { main, type CliIo } from '../../src/cli/main';
import { createRng } from '../../src/compute/graph/init';
import { FASHION_MNIST_DIR_ENV } from '../../src/compute/data/fashion-mnist';
import { encodeIdx } from '../../src/compute/data/idx';
import { encodeJpeg, encodePng } from '../../src/compute/image/codec';
import type { RunEvent } from '../../src/shared/events';
import { cifarBytes, solidImage } from '../fixtures/data/build';
import { MUTATIONS, choose, type Json } from './graph-mutations';
import { NODE_PACK, runCli, tempDir } from './helpers';

const GRAPH_VARIANTS = 500;
const DATA_FILES = 100;
const MAX_MESSAGE_CHARS = 1000;
const MAX_MS = 10_000;
const MAX_RSS_BYTES = 512 * 1024 ** 2;

let dir: string;
let engine: Engine;
let previousFashionDir: string | undefined;

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => ((out += chunk), true) },
    stderr: { write: (chunk: string) => ((err += chunk), true) },
    isTTY: false,
    // One home for all: variants that change nothing that matters come from the cache, as for a user.
    env: { CONDENSE_HOME: path.join(dir, 'home'), CONDENSE_EXTRA_NODES: NODE_PACK },
    cwd: dir,
    // One engine for all variants, as a long-lived host would keep: its worker threads start once.
    engine,
    out: () => out,
    err: () => err,
  };
}

/** Peak RSS of this process so far (worker threads included). */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * The memory one command took: how far the process's peak RSS rose above its RSS when the command
 * started. (When the command sets no new peak this overstates it, which can only make the check stricter.)
 */
function rssTakenSince(rssBefore: number): number {
  return Math.max(0, peakRss() - rssBefore);
}

/** Runs `condense run <file> --json` in-process; checks the exit code, the time, the memory and every message. */
async function runChecked(file: string): Promise<{ code: number; events: RunEvent[]; stderr: string }> {
  const io = captureIo();
  const rssBefore = process.memoryUsage().rss;
  const startedAt = Date.now();
  const code = await main(['run', file, '--json'], io);
  const ms = Date.now() - startedAt;
  const taken = rssTakenSince(rssBefore);
  const context = `${file} (exit ${code}, ${ms} ms, ${taken >> 20} MB):\n${io.err().slice(0, 2000)}`;
  expect([0, 1, 2], context).toContain(code);
  expect(ms, context).toBeLessThan(MAX_MS);
  expect(taken, context).toBeLessThan(MAX_RSS_BYTES);
  for (const line of io.err().split('\n')) expect(line.length, `${context}\nline: ${line.slice(0, 300)}`).toBeLessThan(MAX_MESSAGE_CHARS);
  expect(io.err(), context).not.toMatch(/^\s+at /m);
  const events = io
    .out()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RunEvent);
  for (const event of events) {
    if (event.type === 'node-failed') expect(event.error.length, `${context}\n${event.error.slice(0, 300)}`).toBeLessThan(MAX_MESSAGE_CHARS);
    if (event.type === 'node-skipped') expect(event.reason.length, context).toBeLessThan(MAX_MESSAGE_CHARS);
  }
  return { code, events, stderr: io.err() };
}

// ---------------------------------------------------------------------------------------------------
// Graph variants: a small pipeline (generated data -> inspect, and a number -> report), mutated.

const BASE_GRAPH = {
  format: 'condense.graph',
  schemaVersion: 1,
  meta: { name: 'fuzz base' },
  nodes: [
    { id: 'data', type: 'condense.data.dataset', typeVersion: 1, params: { source: 'generated', trainCount: 64, testCount: 16, size: 8, classes: 3 } },
    { id: 'inspect', type: 'condense.data.inspect', typeVersion: 1, params: { samples: 2 } },
    { id: 'n', type: 'test.number', typeVersion: 2, params: { value: 3 } },
    { id: 'r', type: 'test.report', typeVersion: 1, params: {} },
  ],
  edges: [
    { id: 'e1', from: { node: 'data', port: 'train' }, to: { node: 'inspect', port: 'dataset' } },
    { id: 'e2', from: { node: 'n', port: 'value' }, to: { node: 'r', port: 'in' } },
  ],
};

/** Params a careless or hostile file might hold: special files as data, sizes at the top of their ranges. */
const HOSTILE_PARAMS: Record<string, Json>[] = [
  { source: 'idx', path: '/dev/zero' },
  { source: 'idx', trainImages: '/dev/zero', trainLabels: '/dev/zero', testImages: '/dev/zero', testLabels: '/dev/zero' },
  { source: 'idx', trainImages: '/proc/self/environ', trainLabels: '/proc/self/status', testImages: '/proc/self/maps', testLabels: '/proc/self/stat' },
  { source: 'cifar-binary', path: '/dev/urandom' },
  { source: 'cifar-binary', path: '/proc/self/mem' },
  { source: 'image-folder', path: '/proc' },
  { source: 'image-folder', path: '/dev' },
  { source: 'paired-folder', path: '/sys' },
  { source: 'idx', path: 'fifo' },
  { source: 'cifar-binary', path: 'fifo' },
  { source: 'generated', trainCount: 1_000_000, testCount: 1_000_000, size: 512, channels: '3' },
  { source: 'generated', trainCount: 1_000_000, size: 256 },
  { source: 'generated', resize: 1024, trainCount: 50_000 },
  { source: 'idx', path: '../'.repeat(40) + 'etc/passwd' },
  { source: 'generated', classNames: 'x'.repeat(100_000) },
];

function hostileVariant(pick: () => number): string {
  const doc = structuredClone(BASE_GRAPH) as typeof BASE_GRAPH & { nodes: { params: Record<string, Json> }[] };
  doc.nodes[0].params = { ...doc.nodes[0].params, ...choose(HOSTILE_PARAMS, pick) };
  if (pick() < 0.3) doc.nodes[1].params = { samples: choose([0, 32, 1e9, -1, 'many'] as Json[], pick) } as never;
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------------------------------------------
// Corrupt data files, each read by its own Dataset (or Model import) node.

interface DataCase {
  name: string;
  /** The node that reads it. */
  node: { type: string; typeVersion: number; params: Record<string, unknown> };
}

function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
const CRC = crcTable();
function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  let crc = ~0;
  for (const byte of body) crc = CRC[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(~crc >>> 0, body.length + 4);
  return out;
}
function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), pngChunk('IEND', new Uint8Array())]);
}
function jpegDeclaring(width: number, height: number): Buffer {
  const valid = Buffer.from(encodeJpeg(solidImage(8, 8, [10, 20, 30])));
  // Patch the first start-of-frame marker's height and width.
  for (let at = 2; at < valid.length - 9; at++) {
    if (valid[at] === 0xff && valid[at + 1] === 0xc0) {
      valid.writeUInt16BE(height, at + 5);
      valid.writeUInt16BE(width, at + 7);
      break;
    }
  }
  return valid;
}

function writeDataCases(root: string, pick: () => number): DataCase[] {
  const cases: DataCase[] = [];
  const good = path.join(root, 'good');
  mkdirSync(good, { recursive: true });
  const goodFiles = {
    trainImages: path.join(good, 'train-images'),
    trainLabels: path.join(good, 'train-labels'),
    testImages: path.join(good, 'test-images'),
    testLabels: path.join(good, 'test-labels'),
  };
  writeFileSync(goodFiles.trainImages, encodeIdx([8, 4, 4], new Uint8Array(128)));
  writeFileSync(goodFiles.trainLabels, encodeIdx([8], Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1])));
  writeFileSync(goodFiles.testImages, encodeIdx([2, 4, 4], new Uint8Array(32)));
  writeFileSync(goodFiles.testLabels, encodeIdx([2], Uint8Array.from([0, 1])));
  const fifo = path.join(root, 'a-fifo');
  execFileSync('mkfifo', [fifo]);
  symlinkSync('/dev/zero', path.join(root, 'zero-link'));
  const validIdx = encodeIdx([8, 4, 4], new Uint8Array(128));
  const validPng = Buffer.from(encodePng(solidImage(8, 8, [1, 2, 3])));
  const validCifar = cifarBytes(2);

  const idxImages: Record<string, () => Uint8Array | string> = {
    truncated: () => validIdx.subarray(0, Math.floor(pick() * validIdx.length)),
    wrongMagic: () => Uint8Array.from([0x12, 0x34, 0x08, 0x03, ...validIdx.subarray(4)]),
    wrongType: () => Uint8Array.from([0, 0, 0x0d, 3, ...validIdx.subarray(4)]),
    hugeDims: () => Uint8Array.from([0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]),
    hugeRank: () => Uint8Array.from([0, 0, 8, 0xff, 0, 0, 0, 1]),
    gzipTruncated: () => gzipSync(validIdx).subarray(0, 20),
    gzipBomb: () => gzipSync(Buffer.alloc(64 * 1024 * 1024)),
    gzipGarbage: () => Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
    empty: () => new Uint8Array(),
    fifo: () => fifo,
    device: () => '/dev/zero',
    deviceLink: () => path.join(root, 'zero-link'),
    procFile: () => '/proc/self/status',
    folder: () => good,
  };
  const idxLabels: Record<string, () => Uint8Array> = {
    allHigh: () => encodeIdx([8], new Uint8Array(8).fill(255)),
    countMismatch: () => encodeIdx([7], new Uint8Array(7)),
    twoDims: () => encodeIdx([8, 1], new Uint8Array(8)),
  };
  const cifar: Record<string, () => Uint8Array | string> = {
    notMultiple: () => validCifar.subarray(0, 3000 + Math.floor(pick() * 3000)),
    labelHigh: () => {
      const bytes = validCifar.slice();
      bytes[3073] = 250;
      return bytes;
    },
    empty: () => new Uint8Array(),
    device: () => '/dev/urandom',
    fifo: () => fifo,
  };
  const images: Record<string, () => Uint8Array> = {
    truncatedPng: () => validPng.subarray(0, 8 + Math.floor(pick() * (validPng.length - 8))),
    hugePng: () => pngDeclaring(20000 + Math.floor(pick() * 40000), 20000),
    zeroPng: () => pngDeclaring(0, 0),
    wrongMagic: () => Uint8Array.from([0x89, 0x50, 0x4e, 0x48, ...validPng.subarray(4)]),
    hugeJpeg: () => jpegDeclaring(65000, 65000),
    truncatedJpeg: () => Buffer.from(encodeJpeg(solidImage(8, 8, [5]))).subarray(0, 40),
  };
  const onnx: Record<string, () => Uint8Array | string> = {
    garbage: () => Uint8Array.from({ length: 256 }, () => Math.floor(pick() * 256)),
    empty: () => new Uint8Array(),
    hugeLength: () => Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]),
    device: () => '/dev/zero',
    fifo: () => fifo,
  };

  const kinds: [string, Record<string, () => Uint8Array | string>][] = [
    ['idx-images', idxImages],
    ['idx-labels', idxLabels],
    ['cifar', cifar],
    ['image', images],
    ['onnx', onnx],
  ];
  for (let i = 0; i < DATA_FILES; i++) {
    const [kind, makers] = kinds[i % kinds.length];
    const variant = choose(Object.keys(makers), pick);
    const made = makers[variant]();
    const name = `${String(i).padStart(3, '0')}-${kind}-${variant}`;
    let file = typeof made === 'string' ? made : path.join(root, name);
    if (typeof made !== 'string') {
      if (kind === 'image') {
        const classDir = path.join(root, name, 'class-a');
        mkdirSync(classDir, { recursive: true });
        writeFileSync(path.join(classDir, 'a-good.png'), validPng);
        file = path.join(classDir, variant.endsWith('Jpeg') ? 'b-bad.jpg' : 'b-bad.png');
        writeFileSync(file, made);
        mkdirSync(path.join(root, name, 'class-b'));
        writeFileSync(path.join(root, name, 'class-b', 'c-good.png'), validPng);
      } else {
        writeFileSync(file, made);
      }
    }
    const params: Record<string, unknown> =
      kind === 'idx-images'
        ? { source: 'idx', ...goodFiles, trainImages: file }
        : kind === 'idx-labels'
          ? { source: 'idx', ...goodFiles, trainLabels: file }
          : kind === 'cifar'
            ? { source: 'cifar-binary', path: file }
            : kind === 'image'
              ? { source: 'image-folder', path: path.join(root, name) }
              : { source: 'import', path: file };
    const type = kind === 'onnx' ? 'condense.model.create' : 'condense.data.dataset';
    cases.push({ name, node: { type, typeVersion: 1, params } });
  }
  return cases;
}

beforeAll(async () => {
  dir = tempDir('condense-fuzz-run-');
  mkdirSync(path.join(dir, 'graphs'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  // A variant that loses its dataset params falls back to the default source, Fashion-MNIST: a tiny copy
  // keeps such variants about the file's handling, not about decoding 70,000 images. Set before the
  // engine starts, so its worker threads see it.
  const fashion = path.join(dir, 'fashion-mnist');
  mkdirSync(fashion);
  const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
  writeFileSync(path.join(fashion, 'train-images-idx3-ubyte'), encodeIdx([20, 28, 28], new Uint8Array(20 * 784)));
  writeFileSync(path.join(fashion, 'train-labels-idx1-ubyte'), encodeIdx([20], labels));
  writeFileSync(path.join(fashion, 't10k-images-idx3-ubyte'), encodeIdx([20, 28, 28], new Uint8Array(20 * 784)));
  writeFileSync(path.join(fashion, 't10k-labels-idx1-ubyte'), encodeIdx([20], labels));
  previousFashionDir = process.env[FASHION_MNIST_DIR_ENV];
  process.env[FASHION_MNIST_DIR_ENV] = fashion;
  engine = await createEngine({ home: path.join(dir, 'home'), nodeDirs: [NODE_PACK] });
});

afterAll(async () => {
  await engine.close();
  if (previousFashionDir === undefined) delete process.env[FASHION_MNIST_DIR_ENV];
  else process.env[FASHION_MNIST_DIR_ENV] = previousFashionDir;
});

describe('condense run on untrusted graph files', () => {
  it(`${GRAPH_VARIANTS} seeded variants each end in exit 0, 1 or 2 with short messages, in time and memory`, async () => {
    const pick = createRng(20261204);
    const base = JSON.stringify(BASE_GRAPH, null, 2);
    const doc = JSON.parse(base) as Json;
    const names = Object.keys(MUTATIONS);
    const counts: Record<number, number> = { 0: 0, 1: 0, 2: 0 };
    for (let i = 0; i < GRAPH_VARIANTS; i++) {
      // One in four points the data at special files or huge sizes; the rest mutate the file's structure.
      const text = i % 4 === 3 ? hostileVariant(pick) : MUTATIONS[names[i % names.length]](base, doc, pick);
      const file = path.join('graphs', `variant-${String(i).padStart(3, '0')}.condense.json`);
      writeFileSync(path.join(dir, file), text);
      const { code } = await runChecked(file);
      counts[code] += 1;
    }
    // The variants must reach every outcome, or this proves less than it says.
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBeGreaterThan(GRAPH_VARIANTS / 3);
  }, 600_000);
});

describe('condense run on corrupt data files', () => {
  it(`${DATA_FILES} corrupt or special files each fail with a message naming the file, in time and memory`, async () => {
    const cases = writeDataCases(path.join(dir, 'data'), createRng(7));
    // Ten files per graph, one node each: a failed node does not stop the others, and each gets its own message.
    for (let start = 0; start < cases.length; start += 10) {
      const batch = cases.slice(start, start + 10);
      const graph = {
        format: 'condense.graph',
        schemaVersion: 1,
        meta: { name: `corrupt ${start}` },
        nodes: batch.map((c, i) => ({ id: `f${start + i}`, ...c.node })),
        edges: [],
      };
      const file = path.join('graphs', `corrupt-${start}.condense.json`);
      writeFileSync(path.join(dir, file), JSON.stringify(graph));
      const { code, events } = await runChecked(file);
      expect([0, 1], file).toContain(code);
      for (const [i, c] of batch.entries()) {
        const id = `f${start + i}`;
        const failed = events.find((e): e is Extract<RunEvent, { type: 'node-failed' }> => e.type === 'node-failed' && e.nodeId === id);
        const finished = events.some((e) => e.type === 'node-finished' && e.nodeId === id);
        expect(failed !== undefined || finished, `${c.name}: neither failed nor finished`).toBe(true);
        if (failed) {
          // A message the user can act on: no bug-style "TypeError: ..." and the file (or its folder) named.
          expect(failed.error, c.name).not.toMatch(/^(TypeError|RangeError|Error): /);
          const where = [c.node.params.trainImages, c.node.params.trainLabels, c.node.params.path].filter((p): p is string => typeof p === 'string');
          expect(where.some((p) => failed.error.includes(path.basename(p))) || /class-[ab]|b-bad/.test(failed.error), `${c.name}: ${failed.error}`).toBe(true);
        }
      }
    }
  }, 300_000);

  it('a few variants behave the same through the real binary', async () => {
    const env = { ...process.env, CONDENSE_HOME: path.join(dir, 'home'), CONDENSE_EXTRA_NODES: NODE_PACK };
    for (const file of ['graphs/variant-003.condense.json', 'graphs/variant-007.condense.json', 'graphs/corrupt-0.condense.json']) {
      const inProcess = await runChecked(file);
      const spawned = await runCli(['run', file, '--json'], env, dir);
      expect(spawned.code, file).toBe(inProcess.code);
    }
  }, 120_000);
});

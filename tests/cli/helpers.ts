// Shared by the CLI tests: temp homes, graphs built from the test node pack, and the real binary spawned.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../../src/shared/events';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'condense.mjs');
export const NODE_PACK = path.join(ROOT, 'tests', 'fixtures', 'node-pack');

export function tempDir(prefix = 'condense-cli-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Environment for one test: its own CONDENSE_HOME and the test node pack. */
export function cliEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, CONDENSE_HOME: home, CONDENSE_EXTRA_NODES: NODE_PACK, NO_COLOR: '1' };
}

export interface NodeSpec {
  id: string;
  type: string;
  typeVersion?: number;
  params?: Record<string, unknown>;
}

/** `edges` as "from.port->to.port" strings, the way the graphs are drawn in the test comments. */
export function graphFile(dir: string, name: string, nodes: NodeSpec[], edges: string[] = []): string {
  const graph = {
    format: 'condense.graph',
    schemaVersion: 1,
    meta: { name },
    nodes: nodes.map((node) => ({ typeVersion: node.type === 'test.number' ? 2 : 1, params: {}, ...node })),
    edges: edges.map((edge, index) => {
      const [from, to] = edge.split('->');
      const [fromNode, fromPort] = from.split('.');
      const [toNode, toPort] = to.split('.');
      return { id: `e${index + 1}`, from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
    }),
  };
  const file = path.join(dir, `${name}.condense.json`);
  writeFileSync(file, `${JSON.stringify(graph, null, 2)}\n`);
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<CliResult> {
  return finished(startCli(args, env, cwd));
}

export function parseNdjson(text: string): RunEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunEvent);
}

/** nodeId -> 'ran' | 'cached' | 'failed' | 'skipped', from a run's events. */
export function outcomes(events: RunEvent[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const event of events) {
    if (event.type === 'node-finished') result[event.nodeId] = 'ran';
    else if (event.type === 'node-cached') result[event.nodeId] = 'cached';
    else if (event.type === 'node-failed') result[event.nodeId] = 'failed';
    else if (event.type === 'node-skipped') result[event.nodeId] = 'skipped';
  }
  return result;
}

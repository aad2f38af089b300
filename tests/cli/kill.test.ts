// kill -9 at random points of a training run: whatever moment the process dies, the next run succeeds,
// takes from the cache every node that had finished, leaves no temp file behind, and no run stays
// "running" in the history. The process boundary is the point here, so each run is a real process.
//
//   data (generated) --train--> model (mlp) --model--> train (supervised) --model--> export (ONNX file)
//        \-------------------------train------------------^
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/shared/events';
import { createRng } from '../../src/compute/graph/init';
import { cliEnv, finished, outcomes, parseNdjson, runCli, startCli, tempDir } from './helpers';

const KILLS = 10;

let dir: string;
let home: string;
let env: NodeJS.ProcessEnv;

/** The training graph with its own trainer seed, so every round trains anew while data and model stay cached. */
function trainingGraph(round: number): string {
  const graph = {
    format: 'condense.graph',
    schemaVersion: 1,
    meta: { name: `kill ${round}` },
    nodes: [
      { id: 'data', type: 'condense.data.dataset', typeVersion: 1, params: { source: 'generated', trainCount: 400, testCount: 100, size: 12, classes: 4 } },
      { id: 'model', type: 'condense.model.create', typeVersion: 1, params: { architecture: 'mlp', seed: 1 } },
      { id: 'train', type: 'condense.train.supervised', typeVersion: 1, params: { epochs: 1, batchSize: 32, seed: round + 1 } },
      { id: 'export', type: 'condense.model.export', typeVersion: 1, params: { path: 'out/model.onnx' } },
    ],
    edges: [
      { id: 'e1', from: { node: 'data', port: 'train' }, to: { node: 'model', port: 'dataset' } },
      { id: 'e2', from: { node: 'data', port: 'train' }, to: { node: 'train', port: 'train' } },
      { id: 'e3', from: { node: 'model', port: 'model' }, to: { node: 'train', port: 'model' } },
      { id: 'e4', from: { node: 'train', port: 'model' }, to: { node: 'export', port: 'model' } },
    ],
  };
  const file = path.join(dir, `kill-${round}.condense.json`);
  writeFileSync(file, JSON.stringify(graph, null, 2));
  return file;
}

/** Every temp file under `root`, at any depth. */
function tempFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.tmp')) found.push(full);
    }
  };
  walk(root);
  return found;
}

beforeAll(() => {
  dir = tempDir('condense-kill-');
  home = path.join(dir, 'home');
  env = cliEnv(home);
});

describe('kill -9 during a training run', () => {
  it(`${KILLS} kills at random points, each followed by a run that succeeds from the cache`, async () => {
    const pick = createRng(20261204);
    for (let round = 0; round < KILLS; round++) {
      const file = trainingGraph(round);
      const child = startCli(['run', file, '--json'], env, dir);
      const done = finished(child);
      // Random points of the run itself, counted from its start (process start-up takes longer on a busy
      // machine): the first round also generates the data and builds the model, later ones only train.
      await new Promise<void>((resolve) => {
        let seen = '';
        const onData = (chunk: Buffer | string) => {
          seen += chunk.toString();
          if (seen.includes('"run-started"')) {
            child.stdout?.off('data', onData);
            resolve();
          }
        };
        child.stdout?.on('data', onData);
        child.on('exit', () => resolve());
      });
      const delay = Math.floor(pick() * (round === 0 ? 2500 : 1500));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      const killed = await done;
      const before = outcomes(parseNdjson(killed.stdout.split('\n').filter((line) => line.endsWith('}')).join('\n')));

      const next = await runCli(['run', file, '--json'], env, dir);
      const context = `round ${round}, killed ${delay} ms into the run (${JSON.stringify(before)}):\n${next.stderr}`;
      expect(next.code, context).toBe(0);
      const events: RunEvent[] = parseNdjson(next.stdout);
      expect(events.at(-1), context).toMatchObject({ type: 'run-finished', status: 'succeeded' });
      const after = outcomes(events);
      // A node whose outputs were stored before the kill is served from the cache.
      // (export writes a file the user may have moved, so it is never cached and always runs again.)
      for (const [nodeId, state] of Object.entries(before)) {
        if (state === 'ran' && nodeId !== 'export') expect(after[nodeId], `${context}\n${nodeId}`).toBe('cached');
      }
      expect(after.export, context).toBe('ran');
      expect(tempFiles(dir), context).toEqual([]);
    }

    const runs = await runCli(['runs', '--json'], env, dir);
    const rows = JSON.parse(runs.stdout) as { status: string; interrupted?: boolean }[];
    // Every killed run was recorded (it had started); each reads as interrupted, or succeeded if it finished first.
    expect(rows).toHaveLength(2 * KILLS);
    expect(rows.filter((row) => row.status === 'running')).toEqual([]);
    expect(rows.filter((row) => row.status === 'succeeded').length).toBeGreaterThanOrEqual(KILLS);
    expect(rows.filter((row) => row.interrupted).length).toBeGreaterThan(0);
    const listed = await runCli(['runs'], env, dir);
    expect(listed.stdout).toContain('interrupted');
  }, 300_000);
});

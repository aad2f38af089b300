import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../engine/index';
import type { Engine } from '../engine/types';
import type { Graph } from '../shared/graph/schema';
import { emptyGraph } from '../shared/graph/serialize';
import { createApiHandlers, type HostApiHandlers } from './api-handlers';
import { autosaveFileOf } from './autosave';

let home: string;
let engine: Engine;
let handlers: HostApiHandlers;

function graphNamed(name: string): Graph {
  return { ...emptyGraph(name), nodes: [{ id: 'n1', type: 'x.unknown', typeVersion: 1, params: { a: 1 } }] };
}

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'condense-autosave-'));
  engine = await createEngine({ home, nodeDirs: [] });
  handlers = createApiHandlers(engine, { kind: 'browser', emit: () => undefined, cwd: home });
});

afterEach(async () => {
  await engine.close();
  rmSync(home, { recursive: true, force: true });
});

describe('autosave handlers', () => {
  it('reads back the last write, and nothing after a clear', async () => {
    expect(await handlers['autosave.read']({})).toBeNull();
    await handlers['autosave.write']({ graph: graphNamed('first') });
    const { savedAt } = await handlers['autosave.write']({ graph: graphNamed('second'), path: 'work/pipe.condense.json' });
    const record = await handlers['autosave.read']({});
    expect(record).toEqual({ graph: graphNamed('second'), path: path.join(home, 'work', 'pipe.condense.json'), savedAt });
    // Written by rename: no temp files are left beside it.
    expect(readdirSync(path.dirname(autosaveFileOf(home)))).toEqual(['document.json']);
    expect(await handlers['autosave.clear']({})).toEqual({ cleared: true });
    expect(await handlers['autosave.read']({})).toBeNull();
    expect(await handlers['autosave.clear']({})).toEqual({ cleared: false });
  });

  it('offers nothing once the graph file was saved after the autosave', async () => {
    const file = path.join(home, 'pipe.condense.json');
    writeFileSync(file, '{}');
    const { savedAt } = await handlers['autosave.write']({ graph: graphNamed('edited'), path: file });
    utimesSync(file, new Date(savedAt - 60_000), new Date(savedAt - 60_000));
    expect(await handlers['autosave.read']({})).toMatchObject({ path: file });
    utimesSync(file, new Date(savedAt + 1000), new Date(savedAt + 1000));
    expect(await handlers['autosave.read']({})).toBeNull();
  });

  it('treats a damaged autosave file as none', async () => {
    await handlers['autosave.write']({ graph: graphNamed('x') });
    writeFileSync(autosaveFileOf(home), '{"graph": ');
    expect(await handlers['autosave.read']({})).toBeNull();
  });
});

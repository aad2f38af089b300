// resources/examples/prune-pattern end to end through the engine, headless, with small settings (a slice
// of the bundled Fashion-MNIST subset, a narrower VGG-small, one epoch per phase):
//
//   fashion -> vgg -> train -> pattern   -> eval-pattern
//                           -> magnitude -> eval-magnitude
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index';
import type { Engine } from '../../src/engine/types';
import type { Metrics } from '../../src/shared/values';

const EXAMPLE = path.join(import.meta.dirname, '../../resources/examples/prune-pattern.condense.json');
let home: string;
let engine: Engine;

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'condense-prune-example-'));
  engine = await createEngine({ home, workers: 1 });
});
afterAll(async () => {
  await engine.close();
  rmSync(home, { recursive: true, force: true });
});

describe('resources/examples/prune-pattern', () => {
  it('prunes the trained VGG-small by patterns and by magnitude at the same sparsity, and evaluates both', { timeout: 120_000 }, async () => {
    const loaded = await engine.loadGraphFile(EXAMPLE);
    expect(loaded.issues).toEqual([]);
    const graph = structuredClone(loaded.graph);
    const params = (id: string) => graph.nodes.find((n) => n.id === id)!.params as Record<string, unknown>;
    expect(params('pattern')).toMatchObject({ method: 'pattern', patterns: 8, connectivity: 0 });
    expect(params('magnitude')).toMatchObject({ method: 'magnitude', sparsity: 0.5556 });
    Object.assign(params('fashion'), { bundledMini: true, perClassLimit: 100, testPerClassLimit: 40 });
    params('vgg').width = 0.25;
    Object.assign(params('train'), { epochs: 2, lr: 0.005 });
    Object.assign(params('pattern'), { admmEpochs: 1, retrainEpochs: 1, lr: 0.001 });
    Object.assign(params('magnitude'), { retrainEpochs: 1, lr: 0.001 });
    for (const id of ['eval-pattern', 'eval-magnitude']) params(id).latency = false;
    const result = await engine.run({ graph, graphPath: EXAMPLE }).done;
    expect(result.status).toBe('succeeded');

    const read = async (node: string, port = 'metrics') => ((await engine.readObject(result.outputs[node]![port]!.object)) as Metrics).values;
    const pattern = await read('pattern');
    const magnitude = await read('magnitude');
    expect(pattern.sparsity).toBeCloseTo(5 / 9, 2);
    expect(magnitude.sparsity).toBeCloseTo(pattern.sparsity!, 2);
    expect(pattern.bytes_pattern).toBeLessThan(pattern.bytes_csr!);
    for (const node of ['eval-pattern', 'eval-magnitude']) {
      const ev = await read(node);
      expect(ev.count).toBe(400);
      expect(ev.accuracy).toBeGreaterThan(0.5);
      expect(ev.nonzero_parameters).toBeLessThan(ev.parameters! * 0.6);
    }
    expect((await read('eval-pattern')).accuracy).toBeCloseTo(pattern.accuracy!, 3);
    const metricNodes = new Set(result.events.filter((e) => e.type === 'node-metric').map((e) => (e as { nodeId: string }).nodeId));
    expect(metricNodes).toContain('pattern');
  });
});

// Example graphs (resources/examples) run headless in tests: one engine with its own temporary
// CONDENSE_HOME per test file, and the example loaded as an editable copy so a test can shrink its
// settings (bundled data, one epoch) before running it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createEngine } from '../../src/engine/index';
import type { Engine } from '../../src/engine/types';
import type { Graph } from '../../src/shared/graph/schema';

export const EXAMPLES_DIR = path.join(import.meta.dirname, '../../resources/examples');

export interface ExampleRun {
  /** The example file's path (the graph's relative paths resolve against its folder). */
  file: string;
  graph: Graph;
  /** The params of a node of the copy, to read or change before running. */
  params(id: string): Record<string, unknown>;
}

export interface ExampleHarness {
  readonly engine: Engine;
  /** The engine's temporary CONDENSE_HOME, also a place for files the example writes. */
  readonly home: string;
  /** Loads `resources/examples/<name>.condense.json`, expecting no validation issue. */
  load(name: string): Promise<ExampleRun>;
}

/** Registers beforeAll/afterAll hooks that start and remove an engine for the calling test file. */
export function exampleHarness(): ExampleHarness {
  let engine: Engine | undefined;
  let home: string | undefined;
  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'condense-example-'));
    engine = await createEngine({ home, workers: 1 });
  });
  afterAll(async () => {
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  return {
    get engine() {
      if (!engine) throw new Error('the example engine starts in beforeAll');
      return engine;
    },
    get home() {
      if (!home) throw new Error('the example engine starts in beforeAll');
      return home;
    },
    async load(name) {
      const file = path.join(EXAMPLES_DIR, `${name}.condense.json`);
      const loaded = await this.engine.loadGraphFile(file);
      expect(loaded.issues).toEqual([]);
      const graph = structuredClone(loaded.graph);
      return {
        file,
        graph,
        params: (id) => {
          const node = graph.nodes.find((n) => n.id === id);
          if (!node) throw new Error(`${name} has no node ${id}`);
          return node.params as Record<string, unknown>;
        },
      };
    },
  };
}

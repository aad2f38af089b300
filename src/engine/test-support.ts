// Shared by the engine's tests and benchmark: a throwaway home, the test node pack, and a reading of a
// run's events as "which nodes ran, which were cached".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../shared/events';
import { createEngine } from './index';
import type { Engine, EngineOptions } from './types';

export const TEST_NODE_PACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/fixtures/node-pack');

export function tempHome(prefix = 'condense-engine-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An engine on the test pack only, so these tests do not depend on the product's nodes. */
export function testEngine(options: EngineOptions = {}): Promise<Engine> {
  return createEngine({ home: tempHome(), nodesDir: false, nodeDirs: [TEST_NODE_PACK], workers: 2, ...options });
}

export function outcome(events: RunEvent[]): { ran: string[]; cached: string[]; failed: string[]; skipped: string[] } {
  const of = (type: RunEvent['type']) => events.flatMap((e) => (e.type === type && 'nodeId' in e ? [e.nodeId] : [])).sort();
  return { ran: of('node-finished'), cached: of('node-cached'), failed: of('node-failed'), skipped: of('node-skipped') };
}

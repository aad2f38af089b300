// One `condense serve` for the whole e2e run: its URL reaches the tests through CONDENSE_E2E_URL.
// CONDENSE_E2E_URL set by hand points the tests at an already running server instead.
import path from 'node:path';
import { ROOT, buildWebIfNeeded, serveEditor } from './serve-editor.mjs';

export default async function globalSetup(): Promise<(() => Promise<void>) | void> {
  if (process.env.CONDENSE_E2E_URL) return;
  buildWebIfNeeded();
  // The fixture node pack adds slow and failing nodes for the progress, stop and failure tests.
  const served = await serveEditor({ CONDENSE_EXTRA_NODES: path.join(ROOT, 'tests', 'fixtures', 'node-pack') });
  process.env.CONDENSE_E2E_URL = served.url;
  return () => served.stop();
}

// $CONDENSE_HOME/autosave/document.json: the editor's unsaved document, written a moment after each edit so
// a crash of the host or the window loses at most that moment. One slot: the newest write wins.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../engine/load';
import type { AutosaveRecord } from '../shared/api/contract';
import type { Graph } from '../shared/graph/schema';
import { graphSchema } from '../shared/graph/schema';

export function autosaveFileOf(home: string): string {
  return path.join(home, 'autosave', 'document.json');
}

export async function writeAutosave(home: string, document: { graph: Graph; path?: string }, now = Date.now()): Promise<AutosaveRecord> {
  const file = autosaveFileOf(home);
  await mkdir(path.dirname(file), { recursive: true });
  const record: AutosaveRecord = { graph: document.graph, savedAt: now, ...(document.path ? { path: document.path } : {}) };
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`);
  return record;
}

/**
 * The autosaved document, or null when there is none, it is damaged, or its graph file was written after it
 * (the work was saved, so there is nothing to recover).
 */
export async function readAutosave(home: string): Promise<AutosaveRecord | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(autosaveFileOf(home), 'utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const raw = parsed as Partial<AutosaveRecord>;
  const graph = graphSchema.safeParse(raw.graph);
  if (!graph.success || typeof raw.savedAt !== 'number') return null;
  if (typeof raw.path === 'string') {
    const saved = await stat(raw.path).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (saved !== undefined && saved >= raw.savedAt) return null;
  }
  return { graph: graph.data, savedAt: raw.savedAt, ...(typeof raw.path === 'string' ? { path: raw.path } : {}) };
}

export async function clearAutosave(home: string): Promise<boolean> {
  const file = autosaveFileOf(home);
  const existed = await stat(file).then(
    () => true,
    () => false,
  );
  await rm(file, { force: true });
  return existed;
}

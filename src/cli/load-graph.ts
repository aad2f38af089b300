// Reads a graph file for a command. Graph files are untrusted input: whatever is in them, the result is
// either a graph or messages that name the file and where in it the problem is, never an exception.
// JSON syntax errors (line and column) and schema paths come from the shared loader behind the engine.
import path from 'node:path';
import { maxGraphFileBytes, raiseHint } from '../compute/storage/limits';
import { UnsafePathError, readRegularFileAsync } from '../compute/storage/safe-files';
import type { Engine } from '../engine/types';
import type { LoadedGraph } from '../shared/api/contract';
import { formatIssue, uniqueIssues } from './issues';

export type CliGraph = { ok: true; path: string; loaded: LoadedGraph } | { ok: false; path: string; problems: string[] };

function errnoMessage(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a folder, not a graph file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

export async function loadGraphForCli(engine: Engine, file: string, cwd: string): Promise<CliGraph> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    // Regular files only, within the graph size limit: /dev/zero or a FIFO as the graph must not hang.
    const limit = maxGraphFileBytes();
    text = (await readRegularFileAsync(absolute, { maxBytes: limit.value, raise: raiseHint(limit) })).toString('utf8');
  } catch (error) {
    const reason = error instanceof UnsafePathError && error.code === undefined ? error.message.slice(absolute.length + 2) : errnoMessage(error);
    return { ok: false, path: absolute, problems: [`${file}: cannot read: ${reason}`] };
  }
  let loaded: LoadedGraph;
  try {
    loaded = engine.loadGraphText(text, absolute);
  } catch (error) {
    return { ok: false, path: absolute, problems: [`${file}: cannot be read as a graph: ${errnoMessage(error)}`] };
  }
  if (loaded.readOnly) {
    const why = loaded.message ?? 'it was written by a newer Condense';
    const lines = [`${file}: ${why}`, ...loaded.issues.map((i) => `${file}: ${formatIssue(i)}`)];
    return { ok: false, path: absolute, problems: lines.filter((line, index) => index === 0 || !lines[0].includes(line.slice(file.length + 2))) };
  }
  return { ok: true, path: absolute, loaded: { ...loaded, issues: uniqueIssues(loaded.issues) } };
}

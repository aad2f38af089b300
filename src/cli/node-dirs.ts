// Extra node pack folders from $CONDENSE_EXTRA_NODES (a path list, like $PATH). Shared by the CLI and the
// Electron main process; kept apart from engine.ts so the desktop bundle does not pull the engine in.
import path from 'node:path';

export function extraNodeDirs(env: Record<string, string | undefined>, cwd: string): string[] {
  const raw = env.CONDENSE_EXTRA_NODES;
  if (!raw) return [];
  return raw
    .split(path.delimiter)
    .filter((dir) => dir.trim() !== '')
    .map((dir) => path.resolve(cwd, dir));
}

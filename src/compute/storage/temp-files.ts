// Temp files of atomic writes (write a temp file beside the target, fsync, rename over it). The writer's
// process id is in every temp name, so files left by a process that was killed (kill -9, a power cut)
// can be told apart from those of a writer still at work, and swept.
//   .<name>.<pid>.<random>.tmp            beside a user's file (hidden, so folder listings skip it)
//   <name>.<pid>-<thread>-<counter>.tmp   inside $CONDENSE_HOME (cache objects, entries, artifacts)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The hidden temp file an atomic write of `file` goes through. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** True while a process with this id exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const HIDDEN_TEMP = /^\.(.+)\.(\d+)\.[0-9a-z]+\.tmp$/;
const STORE_TEMP = /\.(\d+)-\d+-[0-9a-z]+\.tmp$/;

/** The process id in a temp file name written by this module or the store, else undefined. */
export function writerPidOf(name: string): number | undefined {
  const match = HIDDEN_TEMP.exec(name) ?? STORE_TEMP.exec(name);
  if (!match) return undefined;
  return Number(match.length === 3 ? match[2] : match[1]);
}

/**
 * Removes temp files in `dir` whose writer is gone. With `forFile`, only the temps of that one file (a
 * user's folder holds other people's files; only ours are touched). Returns the names removed.
 */
export function sweepStaleTempFiles(dir: string, forFile?: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    if (forFile !== undefined) {
      const match = HIDDEN_TEMP.exec(name);
      if (!match || match[1] !== forFile) continue;
    }
    const pid = writerPidOf(name);
    if (pid === undefined || isProcessAlive(pid)) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // Another sweeper got there first, or the folder is read-only: nothing to clean then.
    }
  }
  return removed;
}

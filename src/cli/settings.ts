// $CONDENSE_HOME/settings.json: small user settings kept between sessions (recent files). Other keys in the
// file are preserved, and a missing or damaged file reads as empty rather than failing the app.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../engine/load';

export const MAX_RECENT = 10;

type Settings = Record<string, unknown> & { recent?: unknown };

async function readSettings(home: string): Promise<Settings> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(home, 'settings.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Settings) : {};
  } catch {
    return {};
  }
}

async function writeSettings(home: string, settings: Settings): Promise<void> {
  await mkdir(home, { recursive: true });
  // Atomic with the shared writer, so a kill mid-write leaves a temp that the next write sweeps.
  await writeFileAtomic(path.join(home, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

function recentOf(settings: Settings): string[] {
  return Array.isArray(settings.recent) ? settings.recent.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** Recent graph files, newest first; files that no longer exist are left out. */
export async function listRecent(home: string): Promise<string[]> {
  return recentOf(await readSettings(home)).filter((file) => existsSync(file));
}

// Concurrent open/save calls must not lose each other's entries: updates are applied one after another.
let queue: Promise<unknown> = Promise.resolve();

export function addRecent(home: string, file: string): Promise<string[]> {
  const next = queue.then(async () => {
    const settings = await readSettings(home);
    const absolute = path.resolve(file);
    const recent = [absolute, ...recentOf(settings).filter((entry) => entry !== absolute)].slice(0, MAX_RECENT);
    await writeSettings(home, { ...settings, recent });
    return recent;
  });
  queue = next.catch(() => undefined);
  return next;
}

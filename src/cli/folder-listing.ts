// `files.list`: one folder of the host, for the inspector's path picker.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FolderListing } from '../shared/api/contract';

export async function listFolder(dir: string): Promise<FolderListing> {
  const absolute = path.resolve(dir);
  let dirents;
  try {
    dirents = await readdir(absolute, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${absolute} does not exist` : code === 'ENOTDIR' ? `${absolute} is not a folder` : `cannot read ${absolute} (${code ?? 'error'})`);
  }
  const entries = dirents
    .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isFile()))
    .map((d) => ({ name: d.name, kind: d.isDirectory() ? ('folder' as const) : ('file' as const) }))
    .sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind === 'folder' ? -1 : 1));
  const parent = path.dirname(absolute);
  return { dir: absolute, ...(parent !== absolute ? { parent } : {}), entries };
}

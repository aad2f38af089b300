// Writes a deploy package folder as one unit: every file goes into a temp sibling folder, the manifest
// (sha256 and size of every other file) is written last, then the folder replaces the previous one by
// rename. A reader sees the old package or the new one, never a mix, and a failure leaves the old one.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, normalize, relative } from 'node:path';
import { writeFileAtomic } from '../storage/write-atomic.ts';

export interface PackageEntry {
  /** Relative path inside the package, '/'-separated. */
  path: string;
  data: Uint8Array | string;
}

export interface PackagedFile {
  path: string;
  bytes: number;
  sha256: string;
}

export const MANIFEST = 'manifest.json';
export const PACKAGE_FORMAT = 'condense.deploy-package';

/**
 * Why `folder` must not be replaced by a package, or undefined when it may: it is replaced as a whole,
 * so it must not hold the graph file (`protect`) and, when it exists, must be empty or a previous package.
 */
export function packageFolderProblem(folder: string, protect: string): string | undefined {
  const rel = relative(folder, protect);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'))) return `${folder} holds ${protect}; the package folder is replaced as a whole, choose a folder of its own`;
  if (!existsSync(folder)) return undefined;
  if (!statSync(folder).isDirectory()) return `${folder} is a file, not a folder`;
  if (readdirSync(folder).length === 0) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8')) as { format?: string };
    if (manifest.format === PACKAGE_FORMAT) return undefined;
  } catch {
    // No readable manifest: not a package this node wrote.
  }
  return `${folder} exists and is not a deploy package (no ${MANIFEST} of one); choose another folder or empty it`;
}

export function sha256Of(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes the package; `manifest` receives the list of files (without itself) and returns the manifest
 * object. Returns every file written, the manifest included.
 */
export function writePackageFolder(folder: string, entries: PackageEntry[], manifest: (files: PackagedFile[]) => object): PackagedFile[] {
  const parent = dirname(folder);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}.${Date.now()}`;
  const temp = join(parent, `.${basename(folder)}.${stamp}.tmp`);
  const old = join(parent, `.${basename(folder)}.${stamp}.old`);
  try {
    const files: PackagedFile[] = entries.map((e) => {
      const path = normalize(e.path);
      if (path.startsWith('..') || path.startsWith('/')) throw new Error(`package path ${e.path} leaves the package folder`);
      writeFileAtomic(join(temp, path), e.data);
      const bytes = typeof e.data === 'string' ? Buffer.byteLength(e.data) : e.data.byteLength;
      return { path: e.path, bytes, sha256: sha256Of(e.data) };
    });
    const text = `${JSON.stringify(manifest(files), null, 2)}\n`;
    writeFileAtomic(join(temp, MANIFEST), text);
    files.push({ path: MANIFEST, bytes: Buffer.byteLength(text), sha256: sha256Of(text) });
    if (existsSync(folder)) renameSync(folder, old);
    try {
      renameSync(temp, folder);
    } catch (e) {
      if (existsSync(old)) renameSync(old, folder);
      throw e;
    }
    rmSync(old, { recursive: true, force: true });
    return files;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

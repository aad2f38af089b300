// Reading and writing only where that is safe. Paths come from graph files, the command line and the
// browser API, so any of them may name a device (/dev/zero never ends), a FIFO (opening it blocks), a
// kernel file (/proc, /sys: sizes of 0, reads that never end, and Node's recursive mkdir spins forever
// on /proc), or a file far too large for memory. Everything here checks first, then reads at most what
// the file's own size says, and fails with a message that names the file and the limit.
import fs from 'node:fs';
import path from 'node:path';

/** A refusal the user can act on; the message names the file and the rule or limit. */
export class UnsafePathError extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** The errno code when the file system refused (ENOENT, EACCES), for callers with their own wording. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

// Linux statfs f_type magic numbers of kernel filesystems (linux/magic.h). /dev is devtmpfs, which
// reports the tmpfs magic like /tmp does, so it is refused by path instead.
const SPECIAL_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0xde5e81e4, 'efivarfs'],
]);

/** Folders of kernel and device files, never user data whatever the filesystem says (the API refuses more: path-roots.ts). */
export const KERNEL_FOLDERS = process.platform === 'win32' ? [] : ['/proc', '/sys', '/dev'];

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : `${parent}${path.sep}`);
}

/** The closest path at or above `file` that exists, with symlinks resolved. */
export function nearestExisting(file: string): string {
  let current = path.resolve(file);
  for (;;) {
    try {
      return fs.realpathSync(current);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** Why `file` (resolved) lies on a special filesystem or in a system folder, or undefined when it does not. */
export function specialLocationOf(file: string): string | undefined {
  const real = nearestExisting(file);
  for (const folder of KERNEL_FOLDERS) if (isInside(real, folder)) return `${folder} is a system folder, not a place for user files`;
  if (process.platform !== 'linux') return undefined;
  try {
    const kind = SPECIAL_FILESYSTEMS.get(Number(fs.statfsSync(real).type));
    if (kind) return `it is on a ${kind} filesystem (kernel files, not user data)`;
  } catch {
    // statfs is missing on some platforms and refused in some sandboxes; the type checks below still hold.
  }
  return undefined;
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'a regular file';
}

function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a parent of this path is not a folder';
  if (code === 'ELOOP') return 'too many symbolic links';
  return error instanceof Error ? error.message : String(error);
}

/** Human units for limits in messages: 1.5 GB, 200 MB, 12 KB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${+(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

export interface ReadLimit {
  /** The most bytes the caller accepts. */
  maxBytes: number;
  /** How to raise the limit, appended to the refusal (an environment variable, a setting). */
  raise?: string;
}

// Folders already checked by `specialLocationOf`: an image folder of 60,000 files is one folder to check,
// not 60,000 realpath and statfs calls. Bounded, as a long-lived host sees many folders.
const checkedFolders = new Map<string, string | undefined>();

function specialFolderOf(dir: string): string | undefined {
  if (checkedFolders.has(dir)) return checkedFolders.get(dir);
  const special = specialLocationOf(dir);
  if (checkedFolders.size >= 1000) checkedFolders.clear();
  checkedFolders.set(dir, special);
  return special;
}

/** Checks that `file` is a regular file on an ordinary filesystem and within `limit`; returns its size. */
export function checkReadableFile(file: string, limit: ReadLimit): number {
  let stat: fs.Stats;
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
    stat = link.isSymbolicLink() ? fs.statSync(file) : link;
  } catch (error) {
    throw new UnsafePathError(`${file}: ${errnoText(error)}`, file, (error as NodeJS.ErrnoException).code);
  }
  if (!stat.isFile()) throw new UnsafePathError(`${file}: is ${kindOf(stat)}; only regular files are read`, file);
  // A symlink may point into /proc from anywhere: follow it whole. A plain file is where its folder is.
  const special = link.isSymbolicLink() ? specialLocationOf(file) : specialFolderOf(path.dirname(path.resolve(file)));
  if (special) throw new UnsafePathError(`${file}: refused because ${special}`, file);
  if (stat.size > limit.maxBytes) {
    throw new UnsafePathError(
      `${file}: is ${formatBytes(stat.size)}, over the ${formatBytes(limit.maxBytes)} limit for this file${limit.raise ? `; ${limit.raise}` : ''}`,
      file,
    );
  }
  return stat.size;
}

/**
 * Reads a regular file whole, after `checkReadableFile`. The file is opened non-blocking (a path swapped
 * for a FIFO between the check and the open cannot hang the process), checked again on the open handle,
 * and read for at most the size it had then: a file that grows while being read is cut, never followed.
 */
export function readRegularFile(file: string, limit: ReadLimit): Buffer {
  checkReadableFile(file, limit);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new UnsafePathError(`${file}: ${errnoText(error)}`, file);
  }
  try {
    const stat = fs.fstatSync(fd);
    checkOpenedFile(file, stat, limit);
    const buffer = Buffer.allocUnsafe(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === buffer.length ? buffer : buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/** What was opened is a regular file within the limit (checked on the descriptor: a path can change under us). */
function checkOpenedFile(file: string, stat: fs.Stats, limit: ReadLimit): void {
  if (!stat.isFile()) throw new UnsafePathError(`${file}: is ${kindOf(stat)}; only regular files are read`, file);
  if (stat.size > limit.maxBytes) {
    throw new UnsafePathError(`${file}: is ${formatBytes(stat.size)}, over the ${formatBytes(limit.maxBytes)} limit for this file${limit.raise ? `; ${limit.raise}` : ''}`, file);
  }
}

/** Async twin of `readRegularFile` for the main thread (graph files, the API): same checks, same bound. */
export async function readRegularFileAsync(file: string, limit: ReadLimit): Promise<Buffer> {
  checkReadableFile(file, limit);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new UnsafePathError(`${file}: ${errnoText(error)}`, file);
  }
  try {
    const stat = await handle.stat();
    checkOpenedFile(file, stat, limit);
    const buffer = Buffer.allocUnsafe(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === buffer.length ? buffer : buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/**
 * Refuses to write `file` when it is in a system folder or on a kernel filesystem, or when something
 * other than a regular file is already there (a device, a FIFO, a folder).
 */
export function checkWritableFile(file: string): void {
  const resolved = path.resolve(file);
  const special = specialLocationOf(resolved);
  if (special) throw new UnsafePathError(`${resolved}: cannot write here because ${special}`, resolved);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(resolved);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isFile()) throw new UnsafePathError(`${resolved}: is ${kindOf(stat)}; only regular files are written`, resolved);
}

/**
 * `mkdir -p` that cannot spin: Node 20's recursive mkdir loops forever on /proc, so the folders are made
 * one level at a time, after refusing system folders and kernel filesystems.
 */
export function makeDirectories(dir: string): void {
  const resolved = path.resolve(dir);
  const special = specialLocationOf(resolved);
  if (special) throw new UnsafePathError(`${resolved}: cannot create a folder here because ${special}`, resolved);
  const missing: string[] = [];
  let current = resolved;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new UnsafePathError(`${current}: ${errnoText(error)}`, current);
    }
    if (stat) {
      if (!stat.isDirectory()) throw new UnsafePathError(`${current}: is ${kindOf(stat)}, not a folder`, current);
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(folder).isDirectory()) continue;
      throw new UnsafePathError(`${folder}: cannot create the folder (${errnoText(error)})`, folder);
    }
  }
}

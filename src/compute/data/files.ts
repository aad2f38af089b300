// File access for the readers: every failure becomes a NodeError that names the file and says what is wrong.
import { readdirSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { NodeError } from '../../shared/node-sdk';
import { maxDataFileBytes, raiseHint } from '../storage/limits';
import { formatBytes, readRegularFile, UnsafePathError } from '../storage/safe-files';

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, expected a file';
  if (code === 'ENOTDIR') return 'a parent of this path is not a folder';
  return error instanceof Error ? error.message : String(error);
}

/**
 * A data file's bytes. Only regular files are read (a device such as /dev/zero never ends, a FIFO blocks),
 * and at most the data file limit, checked from the file's size before anything is allocated.
 */
export function readFileBytes(file: string): Uint8Array {
  const limit = maxDataFileBytes();
  try {
    const buffer = readRegularFile(file, { maxBytes: limit.value, raise: raiseHint(limit) });
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (error instanceof UnsafePathError) throw new NodeError(error.message, { file });
    throw new NodeError(`${file}: ${describeFsError(error)}`, { file });
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Gunzips when the bytes start with the gzip magic number, whatever the file is called. The output is
 * bounded by the data file limit: the size the gzip trailer declares is checked first, and inflating
 * stops at the limit whatever the trailer said (a small file can inflate to gigabytes).
 */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const limit = maxDataFileBytes();
  const tooLarge = (size: string) =>
    new NodeError(`${file}: gzip data inflates to ${size}, over the ${formatBytes(limit.value)} limit for one data file; ${raiseHint(limit)}`, { file });
  if (bytes.length >= 18) {
    // ISIZE: the uncompressed size modulo 2^32, little-endian, in the last four bytes.
    const declared = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
    if (declared > limit.value) throw tooLarge(formatBytes(declared));
  }
  try {
    const out = gunzipSync(bytes, { maxOutputLength: Math.min(limit.value, 2 ** 32 - 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(`more than ${formatBytes(limit.value)}`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new NodeError(`${file}: corrupt gzip data (${reason})`, { file });
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Entries of a folder sorted by name (byte order, so the result is the same on every OS). */
export function listFolder(dir: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith('.'))
      .map((entry) => ({ name: entry.name, dir: entry.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new NodeError(`${dir}: ${describeFsError(error)}`, { file: dir });
  }
}

/** Checks a cancel signal without a stack-heavy DOMException leaking as a user error. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) signal.throwIfAborted();
}

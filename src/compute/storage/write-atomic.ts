// Files a node writes for the user (exported models, deploy packages): written to a temp file in the
// same folder, fsynced and renamed over the target, so a reader never sees half a file and a crash or
// cancel leaves the previous version in place. A failed write, fsync or rename removes its temp file;
// temps left by killed processes are swept on the next write of the same file.
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { checkWritableFile, makeDirectories } from './safe-files';
import { sweepStaleTempFiles, tempPathFor } from './temp-files';

export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  checkWritableFile(file);
  makeDirectories(dirname(file));
  sweepStaleTempFiles(dirname(file), basename(file));
  const temp = tempPathFor(file);
  try {
    const fd = openSync(temp, 'wx');
    try {
      const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
      let written = 0;
      while (written < data.byteLength) written += writeSync(fd, data, written, data.byteLength - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // Replacing a file keeps its permissions; a new one gets the default.
    const previous = statSync(file, { throwIfNoEntry: false });
    if (previous) chmodSync(temp, previous.mode & 0o7777);
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

// The CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html): records of 3073 bytes, one label
// byte then a 32x32 image as 1024 red, 1024 green and 1024 blue bytes (already channels first).
import { NodeError } from '../../shared/node-sdk';
import { gunzipIfNeeded, readFileBytes } from './files';
import { checkLabelsInRange } from './labels';

export const CIFAR_RECORD_BYTES = 3073;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILES = ['test_batch.bin'];

export interface CifarImages {
  count: number;
  shape: [number, number, number];
  pixels: Uint8Array;
  labels: Int32Array;
}

/** Parses one batch file's bytes. */
export function parseCifarBinary(bytes: Uint8Array, file: string): CifarImages {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new NodeError(
      `${file}: CIFAR binary file size ${bytes.length} bytes is not a multiple of ${CIFAR_RECORD_BYTES} (1 label byte + 32x32x3 pixels)`,
      { file },
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const pixels = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * CIFAR_RECORD_BYTES;
    labels[i] = bytes[base];
    pixels.set(bytes.subarray(base + 1, base + CIFAR_RECORD_BYTES), i * 3072);
  }
  return { count, shape: [3, 32, 32], pixels, labels };
}

/**
 * Reads and concatenates batch files in order. With `classes`, every label must name one of them (checked
 * per file, so the error names the batch that holds the bad label).
 */
export function readCifarFiles(files: string[], onFile?: (index: number) => void, classes?: string[]): CifarImages {
  const parts = files.map((file, i) => {
    onFile?.(i);
    const part = parseCifarBinary(gunzipIfNeeded(readFileBytes(file), file), file);
    if (classes) checkLabelsInRange(part.labels, classes, file);
    return part;
  });
  const count = parts.reduce((sum, p) => sum + p.count, 0);
  const pixels = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  let at = 0;
  for (const part of parts) {
    pixels.set(part.pixels, at * 3072);
    labels.set(part.labels, at);
    at += part.count;
  }
  return { count, shape: [3, 32, 32], pixels, labels };
}

/** Class names from `batches.meta.txt` (one per line) when the folder has it. */
export function parseCifarMeta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

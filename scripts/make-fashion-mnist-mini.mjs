#!/usr/bin/env node
// Builds resources/datasets/fashion-mnist-mini from the full Fashion-MNIST: the first 600 train and the first
// 100 test images of each class, in file order (Fashion-MNIST is already shuffled, so these are a fair,
// deterministic sample), written as gzipped IDX with the standard file names.
//
//   node scripts/make-fashion-mnist-mini.mjs [source-dir] [out-dir]
//   (defaults: /usr/share/datasets/fashion-mnist, resources/datasets/fashion-mnist-mini)
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync, constants } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = process.argv[3] ?? join(root, 'resources', 'datasets', 'fashion-mnist-mini');
const PER_CLASS = { train: 600, t10k: 100 };

function readIdx(file) {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 8) throw new Error(`${file}: not an unsigned-byte IDX file`);
  const ndims = bytes[3];
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(bytes.readUInt32BE(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * ndims) };
}

function writeIdx(file, dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 8;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  // mtime 0 in the gzip header is zlib's default, so reruns produce identical bytes.
  writeFileSync(file, gzipSync(Buffer.concat([header, data]), { level: constants.Z_BEST_COMPRESSION }));
}

mkdirSync(out, { recursive: true });
for (const [split, perClass] of Object.entries(PER_CLASS)) {
  const images = readIdx(join(source, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(source, `${split}-labels-idx1-ubyte.gz`));
  const [count, rows, cols] = images.dims;
  const size = rows * cols;
  const taken = new Array(10).fill(0);
  const chosen = [];
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (taken[label] < perClass) {
      taken[label]++;
      chosen.push(i);
    }
  }
  if (taken.some((n) => n < perClass)) throw new Error(`${split}: a class has fewer than ${perClass} images`);
  const pixels = Buffer.alloc(chosen.length * size);
  const chosenLabels = Buffer.alloc(chosen.length);
  chosen.forEach((from, i) => {
    images.data.copy(pixels, i * size, from * size, (from + 1) * size);
    chosenLabels[i] = labels.data[from];
  });
  writeIdx(join(out, `${split}-images-idx3-ubyte.gz`), [chosen.length, rows, cols], pixels);
  writeIdx(join(out, `${split}-labels-idx1-ubyte.gz`), [chosen.length], chosenLabels);
  console.log(`${split}: ${chosen.length} images (${perClass} per class) -> ${out}`);
}

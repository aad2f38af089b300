// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
// (two zero bytes, a data-type byte, the number of dimensions), then each dimension as a big-endian uint32,
// then the data. Only unsigned bytes (type 0x08) hold images and labels, so only they are read.
import { gzipSync } from 'node:zlib';
import { NodeError } from '../../shared/node-sdk';
import { maxImagePixels, raiseHint } from '../storage/limits';
import { gunzipIfNeeded, readFileBytes } from './files';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/** Parses raw (already gunzipped) IDX bytes. `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPE_NAMES) || bytes[3] === 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new NodeError(`${file}: bad IDX magic number (${magic || 'empty file'}); expected 00 00 08 0N`, { file });
  }
  if (bytes[2] !== 0x08) {
    throw new NodeError(`${file}: IDX data type ${TYPE_NAMES[bytes[2]]} is not supported; images and labels must be unsigned bytes`, { file });
  }
  const ndims = bytes[3];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new NodeError(`${file}: IDX header is truncated`, { file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new NodeError(
      `${file}: IDX size mismatch: the header [${dims.join(' x ')}] needs ${expected} data bytes but the file has ${actual}`,
      { file },
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file, gzipped or not (detected by the gzip magic number, not the name). */
export function readIdxFile(file: string): IdxArray {
  return parseIdx(gunzipIfNeeded(readFileBytes(file), file), file);
}

/** Serialises unsigned bytes as IDX, gzipped when asked (fixtures, exports). */
export function encodeIdx(dims: number[], data: Uint8Array, gzip = false): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const raw = new Uint8Array(header.length + data.length);
  raw.set(header);
  raw.set(data, header.length);
  return gzip ? new Uint8Array(gzipSync(raw)) : raw;
}

export interface IdxImages {
  count: number;
  shape: [number, number, number];
  pixels: Uint8Array;
  labels: Int32Array;
}

/**
 * Reads an images file ([n, rows, cols] greyscale or [n, rows, cols, 3] colour) and its labels file ([n]).
 * Colour images are stored interleaved in IDX and are returned channels first.
 */
export function readIdxImagesAndLabels(imagesFile: string, labelsFile: string): IdxImages {
  const images = readIdxFile(imagesFile);
  const labels = readIdxFile(labelsFile);
  const colour = images.dims.length === 4 && (images.dims[3] === 3 || images.dims[3] === 1);
  if (images.dims.length !== 3 && !colour) {
    throw new NodeError(
      `${imagesFile}: expected an IDX images file with dimensions [count, rows, cols] or [count, rows, cols, channels], found [${images.dims.join(', ')}]`,
      { file: imagesFile },
    );
  }
  if (labels.dims.length !== 1) {
    throw new NodeError(`${labelsFile}: expected an IDX labels file with one dimension [count], found [${labels.dims.join(', ')}]`, {
      file: labelsFile,
    });
  }
  const [count, rows, cols] = images.dims;
  const channels = colour ? images.dims[3] : 1;
  const pixelLimit = maxImagePixels();
  if (rows * cols > pixelLimit.value) {
    throw new NodeError(
      `${imagesFile}: IDX images are ${cols}x${rows} (${rows * cols} pixels each), over the limit of ${pixelLimit.value} pixels per image; ${raiseHint(pixelLimit)}`,
      { file: imagesFile },
    );
  }
  if (labels.dims[0] !== count) {
    throw new NodeError(`${labelsFile}: has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`, { file: labelsFile });
  }
  // A compact copy: the parsed data is a view into the whole file, and a Dataset's arrays must own their bytes.
  let pixels: Uint8Array = images.data.slice();
  if (channels > 1) {
    const plane = rows * cols;
    const size = plane * channels;
    pixels = new Uint8Array(images.data.length);
    for (let n = 0; n < count; n++) {
      const base = n * size;
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < channels; c++) pixels[base + c * plane + i] = images.data[base + i * channels + c];
      }
    }
  }
  return { count, shape: [channels, rows, cols], pixels, labels: Int32Array.from(labels.data) };
}

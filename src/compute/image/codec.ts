// PNG and JPEG decoding/encoding for the dataset readers and the report renderers (pure JS: pngjs, jpeg-js).
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { NodeError } from '../../shared/node-sdk';
import { planarFromInterleaved, rgbaFromPlanar, type PlanarImage } from './image';

export type ImageFormat = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Detects the format from the first bytes, not the file name. */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

export interface DecodedImage {
  image: PlanarImage;
  /** False when every pixel has R = G = B (or the file itself is greyscale). */
  colour: boolean;
}

function hasColour(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return true;
  }
  return false;
}

/**
 * Decodes a PNG or JPEG file's bytes. `channels` picks the output: 1 (luma), 3 (RGB) or 'auto' (1 when the
 * image has no colour). Alpha is dropped. Throws a NodeError naming `file` when the bytes are not a readable
 * image.
 */
export function decodeImage(bytes: Uint8Array, file: string, channels: 1 | 3 | 'auto' = 'auto'): DecodedImage {
  const format = imageFormatOf(bytes);
  if (!format) throw new NodeError(`${file}: not a PNG or JPEG image (unrecognised first bytes)`, { file });
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      rgba = png.data;
      width = png.width;
      height = png.height;
    } else {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      rgba = decoded.data;
      width = decoded.width;
      height = decoded.height;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NodeError(`${file}: unreadable ${format === 'png' ? 'PNG' : 'JPEG'} image (${reason})`, { file });
  }
  const colour = hasColour(rgba);
  const out = channels === 'auto' ? (colour ? 3 : 1) : channels;
  return { image: planarFromInterleaved(rgba, width, height, 4, out), colour };
}

/** Encodes a planar image (1 or 3 channels) as an 8-bit PNG. */
export function encodePng(image: PlanarImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(rgbaFromPlanar(image));
  const grey = image.channels === 1;
  const bytes = PNG.sync.write(png, { colorType: grey ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes a planar image as a baseline JPEG (used by tests to build JPEG fixtures). */
export function encodeJpeg(image: PlanarImage, quality = 90): Uint8Array {
  const encoded = jpeg.encode({ width: image.width, height: image.height, data: rgbaFromPlanar(image) }, quality);
  return new Uint8Array(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength);
}

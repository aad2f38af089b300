// PNG and JPEG decoding/encoding for the dataset readers and the report renderers (pure JS: pngjs, jpeg-js).
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { NodeError } from '../../shared/node-sdk';
import { maxImagePixels, raiseHint } from '../storage/limits';
import { planarFromInterleaved, rgbaFromPlanar, type PlanarImage } from './image';

export type ImageFormat = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Detects the format from the first bytes, not the file name. */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Width and height from the header alone, without decoding: PNG's IHDR chunk, JPEG's start-of-frame
 * marker. Undefined when the header is not there (the decoder then reports the damage).
 */
export function imageSizeOf(bytes: Uint8Array): { width: number; height: number } | undefined {
  const format = imageFormatOf(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    // Signature (8), IHDR length (4) and type (4), then width and height as big-endian uint32.
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
    return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
  }
  if (format === 'jpeg') {
    let at = 2;
    while (at + 4 <= bytes.length) {
      if (bytes[at] !== 0xff) return undefined;
      const marker = bytes[at + 1];
      // Fill bytes and markers without a length (TEM, RSTn) carry no segment.
      if (marker === 0xff) {
        at += 1;
        continue;
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        at += 2;
        continue;
      }
      const length = view.getUint16(at + 2, false);
      // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (at + 9 > bytes.length) return undefined;
        return { width: view.getUint16(at + 7, false), height: view.getUint16(at + 5, false) };
      }
      if (marker === 0xda || length < 2) return undefined;
      at += 2 + length;
    }
  }
  return undefined;
}

/**
 * Refuses an image whose header declares more pixels than the limit, before a decoder allocates them:
 * a 400 KB PNG can declare 20000 x 20000 pixels, 1.6 GB once decoded.
 */
export function checkImagePixels(bytes: Uint8Array, file: string): { width: number; height: number } | undefined {
  const size = imageSizeOf(bytes);
  if (!size) return undefined;
  const limit = maxImagePixels();
  if (size.width * size.height > limit.value) {
    throw new NodeError(
      `${file}: image is ${size.width}x${size.height} (${(size.width * size.height / 1e6).toFixed(1)} megapixels), over the limit of ` +
        `${(limit.value / 1e6).toFixed(1)} megapixels per image; ${raiseHint(limit)}`,
      { file },
    );
  }
  return size;
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
  checkImagePixels(bytes, file);
  // jpeg-js has its own memory cap; keep it in line with the pixel limit (RGBA plus working buffers).
  const jpegMemoryMb = Math.max(64, Math.ceil((maxImagePixels().value * 8) / 1024 ** 2));
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
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: jpegMemoryMb, maxResolutionInMP: Math.ceil(maxImagePixels().value / 1e6) });
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

// Reads folders of PNG/JPEG files (the image-folder and paired-folder sources) into planar 8-bit arrays.
import { extname, join } from 'node:path';
import { NodeError } from '../../shared/node-sdk';
import { checkImagePixels, decodeImage } from '../image/codec';
import { formatBytes } from '../storage/safe-files';
import { maxDatasetBytes, raiseHint } from '../storage/limits';
import { convertPlanarChannels, type PlanarImage } from '../image/image';
import { resizeBilinear } from '../image/resize';
import { readFileBytes, throwIfAborted, listFolder } from './files';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Image files directly inside `dir`, sorted by name; other files are ignored. */
export function listImages(dir: string): string[] {
  return listFolder(dir)
    .filter((entry) => !entry.dir && isImageName(entry.name))
    .map((entry) => join(dir, entry.name));
}

export interface ReadImagesOptions {
  /** 1 or 3 forces the channel count; 'auto' gives 3 when any image has colour, else 1. */
  channels: 1 | 3 | 'auto';
  /** When > 0 every image is resized (bilinear) to size x size while reading. */
  resize: number;
  signal?: AbortSignal;
  /** Called every few images with the number read so far. */
  onProgress?: (done: number) => void;
}

export interface ImageStack {
  count: number;
  shape: [number, number, number];
  pixels: Uint8Array;
}

/**
 * Decodes `files` into one channels-first array. Without `resize` every image must have the size of the
 * first one; a different one is named in the error.
 */
export function readImageStack(files: string[], options: ReadImagesOptions): ImageStack {
  const decoded: PlanarImage[] = [];
  let anyColour = false;
  let first: { file: string; width: number; height: number } | undefined;
  const datasetLimit = maxDatasetBytes();
  const checkTotal = (bytesPerImage: number) => {
    if (files.length * bytesPerImage > datasetLimit.value) {
      throw new NodeError(
        `${files[0]}: ${files.length} images of ${formatBytes(bytesPerImage)} each need ${formatBytes(files.length * bytesPerImage)}, ` +
          `over the ${formatBytes(datasetLimit.value)} limit for one dataset; set resize or perClassLimit, or ${raiseHint(datasetLimit)}`,
        { file: files[0], param: 'resize' },
      );
    }
  };
  if (options.resize > 0) checkTotal(3 * options.resize * options.resize);
  files.forEach((file, i) => {
    if (i % 64 === 0) {
      throwIfAborted(options.signal);
      options.onProgress?.(i);
    }
    const bytes = readFileBytes(file);
    // The header is checked before decoding: a huge image fails at once, and without resize an image of
    // another size fails before its pixels are decoded.
    const size = checkImagePixels(bytes, file);
    if (size && options.resize === 0) {
      if (!first) {
        first = { file, ...size };
        checkTotal(3 * size.width * size.height);
      } else if (size.width !== first.width || size.height !== first.height) {
        throw new NodeError(
          `${file}: image is ${size.width}x${size.height} but ${first.file} is ${first.width}x${first.height}; set the resize param to read images of different sizes`,
          { file, param: 'resize' },
        );
      }
    }
    const { image, colour } = decodeImage(bytes, file, options.channels === 'auto' ? 3 : options.channels);
    anyColour ||= colour;
    let planar = image;
    if (options.resize > 0) {
      const size = options.resize;
      planar = { width: size, height: size, channels: image.channels, data: resizeBilinear(image.data, image.channels, image.height, image.width, size, size) };
    } else if (!first) {
      first = { file, width: image.width, height: image.height };
    } else if (image.width !== first.width || image.height !== first.height) {
      throw new NodeError(
        `${file}: image is ${image.width}x${image.height} but ${first.file} is ${first.width}x${first.height}; set the resize param to read images of different sizes`,
        { file, param: 'resize' },
      );
    }
    decoded.push(planar);
  });
  const channels = options.channels === 'auto' ? (anyColour ? 3 : 1) : options.channels;
  const height = decoded[0]?.height ?? Math.max(options.resize, 1);
  const width = decoded[0]?.width ?? Math.max(options.resize, 1);
  const size = channels * height * width;
  const pixels = new Uint8Array(decoded.length * size);
  decoded.forEach((image, i) => {
    pixels.set(convertPlanarChannels(image.data, height * width, image.channels, channels), i * size);
  });
  return { count: decoded.length, shape: [channels, height, width], pixels };
}

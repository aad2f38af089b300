// Image-to-image tasks made from any classification source, so GAN training and generator distillation
// need no paired files: the target is the image itself, the input a degraded view of it.
//
//   super-resolution  input: the image 2x2-averaged to half size, then bilinearly upsampled back
//   edges             input: the Sobel gradient magnitude of the image (edges -> image)
//   denoise           input: the image plus Gaussian noise
//   unpaired          domain A: the images; domain B: the same images under a domain shift. In the
//                     train split the B images are shuffled, so no pair is given; the test split keeps
//                     them aligned as the ground truth evaluation needs (never for training).
//
// Generators halve the image two or three times (resnet-generator: 4, unet-small depth 3: 8), so every
// image is zero-padded, centred, to the next multiple of 8: Fashion-MNIST's 28x28 becomes 32x32.

import { createRng, normalSample } from '../graph/init.ts';
import type { Dataset } from './dataset.ts';
import type { DatasetSplits } from './load.ts';
import { applyShift, isNeutralShift, NO_SHIFT, type DomainShift } from './transforms.ts';

export const IMAGE_TASKS = ['super-resolution', 'edges', 'denoise', 'unpaired'] as const;
export type ImageTask = (typeof IMAGE_TASKS)[number];

/** Image sides become multiples of this (zero padding, centred). */
export const IMAGE_TASK_MULTIPLE = 8;

export interface ImageTaskOptions {
  /** denoise: noise standard deviation in pixel levels (0-255). */
  noise: number;
  /** unpaired: the shift that makes domain B; invert when neutral. */
  shift: DomainShift;
  /** unpaired: shuffle the B images against the A images (train split). */
  shuffleTargets: boolean;
  seed: number;
  /** Separates the random draws of the splits. */
  stream?: number;
  signal?: AbortSignal;
}

/** The padded side: the next multiple of IMAGE_TASK_MULTIPLE. */
export function paddedSide(n: number): number {
  return Math.ceil(n / IMAGE_TASK_MULTIPLE) * IMAGE_TASK_MULTIPLE;
}

/** The per-image shape after the task's padding (the shape both inputs and targets get). */
export function imageTaskShape(shape: readonly [number, number, number]): [number, number, number] {
  return [shape[0], paddedSide(shape[1]), paddedSide(shape[2])];
}

/** Zero-pads every image, centred, to `shape` (a classification dataset stays one: labels kept). */
export function padImages(data: Dataset, shape: readonly [number, number, number]): Dataset {
  const [c, h, w] = data.shape;
  const [, ph, pw] = shape;
  if (ph === h && pw === w) return data;
  const top = (ph - h) >> 1;
  const left = (pw - w) >> 1;
  const pixels = new Uint8Array(data.count * c * ph * pw);
  for (let i = 0; i < data.count * c; i++)
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * w;
      pixels.set(data.pixels.subarray(src, src + w), (i * ph + y + top) * pw + left);
    }
  return { ...data, shape: [c, ph, pw], pixels };
}

/** 2x2 box average to half size, then bilinear (half-pixel centres, edges clamped) back to full size. */
function downUp(plane: Uint8Array, h: number, w: number, out: Uint8Array): void {
  const [sh, sw] = [h >> 1, w >> 1];
  const small = new Float32Array(sh * sw);
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const i = 2 * y * w + 2 * x;
      small[y * sw + x] = (plane[i]! + plane[i + 1]! + plane[i + w]! + plane[i + w + 1]!) / 4;
    }
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) / 2 - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) / 2 - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const tx = fx - x0;
      const top = small[y0 * sw + x0]! * (1 - tx) + small[y0 * sw + x1]! * tx;
      const bottom = small[y1 * sw + x0]! * (1 - tx) + small[y1 * sw + x1]! * tx;
      out[y * w + x] = Math.round(top * (1 - ty) + bottom * ty);
    }
  }
}

/**
 * Sobel gradient magnitude, zero outside the image, divided by 4 (a unit step edge then reads as its
 * height: the 3x3 Sobel taps sum to 4 on each side) and clamped to 255.
 */
function sobel(plane: Uint8Array, h: number, w: number, out: Uint8Array): void {
  const at = (y: number, x: number): number => (y < 0 || x < 0 || y >= h || x >= w ? 0 : plane[y * w + x]!);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      const gy = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      out[y * w + x] = Math.min(255, Math.round(Math.hypot(gx, gy) / 4));
    }
}

/** A Fisher-Yates permutation of 0..n-1. */
function permutation(n: number, rng: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * The paired dataset of `task` from a classification dataset: targets are the (padded) images, inputs
 * their degraded view; normalised to [-1, 1] (mean 0.5, std 0.5), the range of the generators' tanh.
 */
export function imageTaskDataset(source: Dataset, task: ImageTask, options: ImageTaskOptions): Dataset {
  if (source.task !== 'classify') throw new Error(`${source.name} is already a paired dataset; image tasks are made from classification sources`);
  const padded = padImages(source, imageTaskShape(source.shape));
  const [c, h, w] = padded.shape;
  const plane = h * w;
  const rng = createRng((options.seed * 7919 + (options.stream ?? 0) * 104729 + 17) >>> 0);
  let inputs: Uint8Array;
  let targets: Uint8Array = padded.pixels;
  let note: string;
  if (task === 'unpaired') {
    const shift = isNeutralShift(options.shift) ? { ...NO_SHIFT, invert: true } : options.shift;
    const shifted = applyShift(padded, shift, { seed: options.seed, stream: options.stream, signal: options.signal });
    if (shifted.shape[0] !== c) throw new Error('the unpaired task needs a shift that keeps the channels (no tint)');
    inputs = padded.pixels;
    targets = shifted.pixels;
    note = `unpaired: domain B is domain A ${describeShift(shift)}`;
    if (options.shuffleTargets) {
      const order = permutation(padded.count, rng);
      const size = c * plane;
      const shuffled = new Uint8Array(targets.length);
      for (let i = 0; i < order.length; i++) shuffled.set(targets.subarray(order[i]! * size, (order[i]! + 1) * size), i * size);
      targets = shuffled;
      note += ', B shuffled against A (no pair given)';
    } else note += ', aligned with A (ground truth for evaluation only)';
  } else {
    inputs = new Uint8Array(padded.pixels.length);
    for (let p = 0; p < padded.count * c; p++) {
      options.signal?.throwIfAborted?.();
      const src = padded.pixels.subarray(p * plane, (p + 1) * plane);
      const dst = inputs.subarray(p * plane, (p + 1) * plane);
      if (task === 'super-resolution') downUp(src, h, w, dst);
      else if (task === 'edges') sobel(src, h, w, dst);
      else for (let i = 0; i < plane; i++) dst[i] = Math.min(255, Math.max(0, Math.round(src[i]! + options.noise * normalSample(rng))));
    }
    note = task === 'super-resolution' ? '2x super-resolution: input 2x2-averaged then bilinearly upsampled' : task === 'edges' ? 'edges -> image: input the Sobel magnitude / 4' : `denoising: input + Gaussian noise of std ${options.noise}`;
  }
  const padNote = h !== source.shape[1] || w !== source.shape[2] ? `, padded ${source.shape[1]}x${source.shape[2]} -> ${h}x${w}` : '';
  return {
    kind: 'dataset',
    name: `${source.name} ${task}`,
    task: 'paired',
    count: padded.count,
    shape: [c, h, w],
    classes: [],
    pixels: inputs,
    labels: new Int32Array(padded.count),
    targets,
    targetShape: [c, h, w],
    normalize: { mean: new Array(c).fill(0.5), std: new Array(c).fill(0.5) },
    source: { ...source.source, note: [source.source.note, note + padNote].filter(Boolean).join('; ') },
  };
}

function describeShift(s: DomainShift): string {
  const parts: string[] = [];
  if (s.rotate) parts.push(`rotated ${s.rotate} deg`);
  if (s.blur) parts.push(`blurred (radius ${s.blur})`);
  if (s.contrast !== 1) parts.push(`contrast x${s.contrast}`);
  if (s.invert) parts.push('inverted');
  if (s.noise) parts.push(`noise ${s.noise}`);
  return parts.join(', ') || 'unchanged';
}

/** The task applied to each split: the train split of the unpaired task shuffled, the others aligned. */
export function imageTaskSplits(splits: DatasetSplits, task: ImageTask, options: Omit<ImageTaskOptions, 'shuffleTargets' | 'stream'>): DatasetSplits {
  const make = (data: Dataset, stream: number, shuffleTargets: boolean) => imageTaskDataset(data, task, { ...options, stream, shuffleTargets: task === 'unpaired' && shuffleTargets });
  return { train: make(splits.train, 1, true), test: make(splits.test, 2, false), validation: make(splits.validation, 3, true) };
}

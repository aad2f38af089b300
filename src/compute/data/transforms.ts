// Dataset transforms: subsets and splits, resize, channel changes, domain shifts and statistics.
// Every function returns a new Dataset and leaves its input untouched (values on edges are shared).
import { NodeError } from '../../shared/node-sdk';
import { convertPlanarChannels } from '../image/image';
import { makeBilinearResizer } from '../image/resize';
import { scaleBoxes, withoutBoxes } from './boxes';
import type { Dataset } from './dataset';
import { throwIfAborted } from './files';
import { makeRandom, shuffleInPlace } from './random';

export function imageSize(shape: [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

/** The dataset restricted to `indices`, in that order. */
export function subsetDataset(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const size = imageSize(dataset.shape);
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  const targetSize = dataset.targetShape ? imageSize(dataset.targetShape) : 0;
  const targets = dataset.targets ? new Uint8Array(indices.length * targetSize) : undefined;
  const boxes = dataset.boxes ? new Float32Array(indices.length * 4) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i];
    pixels.set(dataset.pixels.subarray(from * size, (from + 1) * size), i * size);
    labels[i] = dataset.labels[from];
    if (targets && dataset.targets) targets.set(dataset.targets.subarray(from * targetSize, (from + 1) * targetSize), i * targetSize);
    if (boxes && dataset.boxes) boxes.set(dataset.boxes.subarray(from * 4, from * 4 + 4), i * 4);
  }
  return { ...dataset, name, count: indices.length, pixels, labels, ...(targets ? { targets } : {}), ...(boxes ? { boxes } : {}) };
}

/** The first `count` samples as views of the same arrays (no copy): a quick evaluation subset. */
export function firstSamples(dataset: Dataset, count: number): Dataset {
  if (count >= dataset.count) return dataset;
  const n = Math.max(0, count);
  return {
    ...dataset,
    count: n,
    pixels: dataset.pixels.subarray(0, n * imageSize(dataset.shape)),
    labels: dataset.labels.subarray(0, n),
    ...(dataset.targets && dataset.targetShape ? { targets: dataset.targets.subarray(0, n * imageSize(dataset.targetShape)) } : {}),
    ...(dataset.boxes ? { boxes: dataset.boxes.subarray(0, 4 * n) } : {}),
  };
}

/** Sample indices grouped by label (paired datasets are one group). */
function indicesByClass(dataset: Dataset): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < dataset.count; i++) {
    const label = dataset.task === 'paired' ? 0 : dataset.labels[i];
    (groups[label] ??= []).push(i);
  }
  return groups.filter((g) => g !== undefined);
}

/** Keeps the first `limit` samples of each class (of all pairs, for paired data), in dataset order. */
export function limitPerClass(dataset: Dataset, limit: number): Dataset {
  if (limit <= 0) return dataset;
  const keep = indicesByClass(dataset)
    .flatMap((group) => group.slice(0, limit))
    .sort((a, b) => a - b);
  return keep.length === dataset.count ? dataset : subsetDataset(dataset, keep);
}

/**
 * Moves round(fraction * count) random samples out of the dataset, stratified: each class gives
 * floor(fraction * its size), and the samples still owed come from the classes with the largest remainders
 * (so ten classes of one image each still give a 20% split). Seeded; dataset order is kept on both sides.
 */
export function stratifiedSplit(dataset: Dataset, fraction: number, seed: number): { kept: Dataset; moved: Dataset } {
  const random = makeRandom(seed, 101);
  const groups = indicesByClass(dataset);
  const quotas = groups.map((group) => Math.floor(fraction * group.length));
  const owed = Math.round(fraction * dataset.count) - quotas.reduce((a, b) => a + b, 0);
  groups
    .map((group, k) => ({ k, remainder: fraction * group.length - quotas[k] }))
    .sort((a, b) => b.remainder - a.remainder || a.k - b.k)
    .slice(0, Math.max(0, owed))
    .forEach(({ k }) => quotas[k]++);
  const moved: number[] = [];
  const kept: number[] = [];
  groups.forEach((group, k) => {
    const shuffled = group.slice();
    shuffleInPlace(shuffled, random);
    moved.push(...shuffled.slice(0, quotas[k]));
    kept.push(...shuffled.slice(quotas[k]));
  });
  moved.sort((a, b) => a - b);
  kept.sort((a, b) => a - b);
  return { kept: subsetDataset(dataset, kept), moved: subsetDataset(dataset, moved) };
}

function resizeArray(pixels: Uint8Array, count: number, shape: [number, number, number], size: number): Uint8Array {
  const [c, h, w] = shape;
  const resize = makeBilinearResizer(c, h, w, size, size);
  const from = c * h * w;
  const to = c * size * size;
  const out = new Uint8Array(count * to);
  for (let i = 0; i < count; i++) resize(pixels.subarray(i * from, (i + 1) * from), out.subarray(i * to, (i + 1) * to));
  return out;
}

/** Bilinear resize of every image (and target) to size x size; object boxes are scaled with the images. */
export function resizeDataset(dataset: Dataset, size: number): Dataset {
  if (size <= 0) return dataset;
  const [c, h, w] = dataset.shape;
  const resized: Dataset =
    h === size && w === size
      ? { ...dataset }
      : {
          ...dataset,
          shape: [c, size, size],
          pixels: resizeArray(dataset.pixels, dataset.count, dataset.shape, size),
          // Box edges scale exactly: the resizer maps pixel edges x to x * size / w (half-pixel centres).
          ...(dataset.boxes ? { boxes: scaleBoxes(dataset.boxes, size / w, size / h) } : {}),
        };
  if (dataset.targets && dataset.targetShape) {
    const [tc, th, tw] = dataset.targetShape;
    if (th !== size || tw !== size) {
      resized.targets = resizeArray(dataset.targets, dataset.count, dataset.targetShape, size);
      resized.targetShape = [tc, size, size];
    }
  }
  return resized;
}

function convertArray(pixels: Uint8Array, count: number, shape: [number, number, number], channels: number): Uint8Array {
  const [c, h, w] = shape;
  const plane = h * w;
  const out = new Uint8Array(count * channels * plane);
  for (let i = 0; i < count; i++) {
    out.set(convertPlanarChannels(pixels.subarray(i * c * plane, (i + 1) * c * plane), plane, c, channels), i * channels * plane);
  }
  return out;
}

/**
 * Converts images and/or paired targets to 1 channel (luma) or 3 channels (grey repeated). `part` picks
 * which (default both).
 */
export function setChannels(dataset: Dataset, channels: 1 | 3, part: 'inputs' | 'targets' | 'both' = 'both'): Dataset {
  const out: Dataset = { ...dataset };
  if (part !== 'targets' && dataset.shape[0] !== channels) {
    out.pixels = convertArray(dataset.pixels, dataset.count, dataset.shape, channels);
    out.shape = [channels, dataset.shape[1], dataset.shape[2]];
  }
  if (part !== 'inputs' && dataset.targets && dataset.targetShape && dataset.targetShape[0] !== channels) {
    out.targets = convertArray(dataset.targets, dataset.count, dataset.targetShape, channels);
    out.targetShape = [channels, dataset.targetShape[1], dataset.targetShape[2]];
  }
  return out;
}

/** A domain shift applied to input images (never to paired targets or labels). Neutral values change nothing. */
export interface DomainShift {
  /** 255 - pixel. */
  invert: boolean;
  /** Rotation about the image centre in degrees (counter-clockwise); corners are filled with the border mean. */
  rotate: number;
  /** Standard deviation of added Gaussian noise, in pixel units (0..255). */
  noise: number;
  /** Gaussian blur; the radius is the standard deviation in pixels (like CSS `blur()`). */
  blur: number;
  /** Contrast factor around mid-grey: (p - 127.5) * factor + 127.5. 1 = unchanged. */
  contrast: number;
  /** A colour '#rrggbb' the image is multiplied with (turns greyscale into 3 channels). Empty = none. */
  tint: string;
  /** 0..1: how much of the tint is applied. */
  tintStrength: number;
}

export const NO_SHIFT: DomainShift = { invert: false, rotate: 0, noise: 0, blur: 0, contrast: 1, tint: '', tintStrength: 0.5 };

export function isNeutralShift(shift: DomainShift): boolean {
  return (
    !shift.invert &&
    shift.rotate % 360 === 0 &&
    shift.noise <= 0 &&
    shift.blur <= 0 &&
    shift.contrast === 1 &&
    (shift.tint.trim() === '' || shift.tintStrength <= 0)
  );
}

/** Parses '#rrggbb' (or 'rrggbb') into 0..1 factors; undefined when malformed. */
export function parseTint(tint: string): [number, number, number] | undefined {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(tint.trim());
  if (!match) return undefined;
  return [parseInt(match[1], 16) / 255, parseInt(match[2], 16) / 255, parseInt(match[3], 16) / 255];
}

/**
 * Bilinear sampling taps of a rotation, built once per shape: for each output pixel four source indices
 * (-1 = outside, filled with the border mean) and their weights.
 */
interface RotationMap {
  taps: Int32Array;
  weights: Float32Array;
}

function rotationMap(h: number, w: number, degrees: number): RotationMap {
  const plane = h * w;
  const taps = new Int32Array(plane * 4);
  const weights = new Float32Array(plane * 4);
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const index = (yy: number, xx: number): number => (yy < 0 || yy >= h || xx < 0 || xx >= w ? -1 : yy * w + xx);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse mapping: the source position that lands on (x, y). y points down, so this turns the picture
      // counter-clockwise on screen for a positive angle.
      const dx = x - cx;
      const dy = y - cy;
      const sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * w + x) * 4;
      taps[o] = index(y0, x0);
      taps[o + 1] = index(y0, x0 + 1);
      taps[o + 2] = index(y0 + 1, x0);
      taps[o + 3] = index(y0 + 1, x0 + 1);
      weights[o] = (1 - fx) * (1 - fy);
      weights[o + 1] = fx * (1 - fy);
      weights[o + 2] = (1 - fx) * fy;
      weights[o + 3] = fx * fy;
    }
  }
  return { taps, weights };
}

function rotatePlane(src: Float32Array, dst: Float32Array, h: number, w: number, map: RotationMap): void {
  let border = 0;
  for (let x = 0; x < w; x++) border += src[x] + src[(h - 1) * w + x];
  for (let y = 1; y < h - 1; y++) border += src[y * w] + src[y * w + w - 1];
  border /= Math.max(1, 2 * w + 2 * Math.max(0, h - 2));
  const { taps, weights } = map;
  for (let i = 0, o = 0; i < h * w; i++, o += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const tap = taps[o + k];
      v += weights[o + k] * (tap < 0 ? border : src[tap]);
    }
    dst[i] = v;
  }
}

function gaussianKernel(sigma: number): Float32Array {
  const half = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + half] = v;
    sum += v;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** Source index of every tap along one axis, clamped at the edges (built once per shape). */
function clampedTaps(length: number, half: number): Int32Array {
  const taps = new Int32Array(length * (2 * half + 1));
  for (let i = 0; i < length; i++) {
    for (let k = -half; k <= half; k++) taps[i * (2 * half + 1) + k + half] = Math.min(length - 1, Math.max(0, i + k));
  }
  return taps;
}

interface BlurPlan {
  kernel: Float32Array;
  xTaps: Int32Array;
  yTaps: Int32Array;
}

function blurPlane(plane: Float32Array, tmp: Float32Array, h: number, w: number, plan: BlurPlan): void {
  const { kernel, xTaps, yTaps } = plan;
  const k = kernel.length;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += kernel[t] * plane[row + xTaps[x * k + t]];
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += kernel[t] * tmp[yTaps[y * k + t] * w + x];
      plane[y * w + x] = acc;
    }
  }
}

/**
 * Applies a domain shift to every input image, in this order: rotate, blur, contrast, invert, tint, noise.
 * The seed (and stream) drive the noise, so the same params give the same shifted set. Object boxes are
 * kept, except after a rotation: it turns the object within the canvas (and can turn parts of it off the
 * canvas), so the recorded box no longer bounds it tightly, and a loose box would pass for a right one.
 */
export function applyShift(
  dataset: Dataset,
  shift: DomainShift,
  options: { seed: number; stream?: number; signal?: AbortSignal },
): Dataset {
  if (isNeutralShift(shift)) return dataset;
  const wantsTint = shift.tint.trim() !== '' && shift.tintStrength > 0;
  const tint = wantsTint ? parseTint(shift.tint) : undefined;
  if (wantsTint && !tint) throw new NodeError(`tint "${shift.tint}" is not a colour like #ff8800`, { param: 'tint' });
  const base = tint ? setChannels(dataset, 3) : dataset;
  const [c, h, w] = base.shape;
  const plane = h * w;
  const size = c * plane;
  const pixels = new Uint8Array(base.count * size);
  const work = new Float32Array(plane);
  const tmp = new Float32Array(plane);
  const kernel = shift.blur > 0 ? gaussianKernel(shift.blur) : undefined;
  const blur = kernel
    ? { kernel, xTaps: clampedTaps(w, (kernel.length - 1) / 2), yTaps: clampedTaps(h, (kernel.length - 1) / 2) }
    : undefined;
  const random = makeRandom(options.seed, options.stream ?? 202);
  const rotation = shift.rotate % 360 !== 0 ? rotationMap(h, w, shift.rotate) : undefined;
  for (let n = 0; n < base.count; n++) {
    if (n % 1024 === 0) throwIfAborted(options.signal);
    for (let ch = 0; ch < c; ch++) {
      const offset = n * size + ch * plane;
      for (let i = 0; i < plane; i++) work[i] = base.pixels[offset + i];
      if (rotation) {
        rotatePlane(work, tmp, h, w, rotation);
        work.set(tmp);
      }
      if (blur) blurPlane(work, tmp, h, w, blur);
      const tintFactor = tint ? 1 - shift.tintStrength + shift.tintStrength * tint[ch] : 1;
      for (let i = 0; i < plane; i++) {
        let v = work[i];
        if (shift.contrast !== 1) v = (v - 127.5) * shift.contrast + 127.5;
        if (shift.invert) v = 255 - v;
        v *= tintFactor;
        if (shift.noise > 0) v += shift.noise * random.normal();
        pixels[offset + i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
  const shifted = { ...base, pixels };
  return rotation ? withoutBoxes(shifted) : shifted;
}

/** Per-channel mean and standard deviation of the input pixels, in 0..1 units (pixel / 255). */
export function channelStats(dataset: Dataset): { mean: number[]; std: number[] } {
  const [c, h, w] = dataset.shape;
  const plane = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    // Integer histogram per channel: exact and much faster than summing floats over 47M bytes.
    const histogram = new Float64Array(256);
    for (let n = 0; n < dataset.count; n++) {
      const offset = n * c * plane + ch * plane;
      for (let i = 0; i < plane; i++) histogram[dataset.pixels[offset + i]]++;
    }
    const total = dataset.count * plane;
    let sum = 0;
    let squares = 0;
    for (let v = 0; v < 256; v++) {
      sum += histogram[v] * v;
      squares += histogram[v] * v * v;
    }
    const m = total > 0 ? sum / total : 0;
    const variance = total > 0 ? Math.max(0, squares / total - m * m) : 0;
    mean.push(m / 255);
    std.push(Math.sqrt(variance) / 255);
  }
  return { mean, std };
}

/** Counts per class label (length = classes.length, or max label + 1 when larger). */
export function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.classes.length).fill(0);
  for (let i = 0; i < dataset.count; i++) {
    const label = dataset.labels[i];
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return Array.from(counts, (v) => v ?? 0);
}

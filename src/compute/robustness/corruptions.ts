// Common corruptions in the manner of CIFAR-10-C / ImageNet-C (Hendrycks & Dietterich 2019) and
// MNIST-C (Mu & Gilmer 2019): eleven corruptions, five severities each, applied to the 8-bit planar
// images of a Dataset. Every corruption is seeded: the same (seed, corruption, severity) corrupts the
// same images the same way, so two models are compared on identical inputs.
//
// Severity table (images in [0, 1]; sizes in pixels scale with the image side s, written for s = 28):
//
// | corruption      | what it does                                         | severities 1..5                  |
// |-----------------|------------------------------------------------------|----------------------------------|
// | gaussian-noise  | x + N(0, sigma^2)                                    | sigma .08 .12 .18 .26 .38        |
// | shot-noise      | Poisson(x * lambda) / lambda                          | lambda 60 25 12 5 3              |
// | impulse-noise   | salt and pepper on a fraction of the pixels           | amount .03 .06 .09 .17 .27       |
// | gaussian-blur   | separable Gaussian, sigma in pixels * s / 28          | sigma .5 .75 1 1.25 1.5          |
// | defocus-blur    | disk kernel (area-weighted), radius * s / 28          | radius 1 1.5 2 2.5 3             |
// | motion-blur     | line kernel at a random angle per image, length * s/28| length 3 5 7 9 11                |
// | contrast        | (x - mean(x)) * c + mean(x)                           | c .75 .5 .4 .3 .15               |
// | brightness      | HSV value + c (grey: x + c)                           | c .1 .2 .3 .4 .5                 |
// | pixelate        | box-average to round(s * f), nearest back up          | f .9 .8 .7 .6 .5                 |
// | jpeg            | real baseline JPEG encode/decode (jpeg-js) at quality | q 25 18 15 10 7                  |
// | elastic         | smoothed random displacement field, bilinear resample | max shift .75 1.25 1.75 2.25 3 px * s/28, smoothing s/8 |
//
// The noise levels, contrast, brightness and JPEG qualities are ImageNet-C's; blur sizes and pixelate
// factors are scaled to small images as CIFAR-10-C and MNIST-C scale theirs.

import jpeg from 'jpeg-js';
import type { Dataset } from '../data/dataset.ts';
import { createRng, normalSample, type Rng } from '../graph/init.ts';

export const CORRUPTION_NAMES = [
  'gaussian-noise',
  'shot-noise',
  'impulse-noise',
  'gaussian-blur',
  'defocus-blur',
  'motion-blur',
  'contrast',
  'brightness',
  'pixelate',
  'jpeg',
  'elastic',
] as const;
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];
export const SEVERITIES = [1, 2, 3, 4, 5] as const;

/** The per-severity parameter of each corruption (the table above), index = severity - 1. */
export const SEVERITY_TABLE: Readonly<Record<CorruptionName, readonly number[]>> = {
  'gaussian-noise': [0.08, 0.12, 0.18, 0.26, 0.38],
  'shot-noise': [60, 25, 12, 5, 3],
  'impulse-noise': [0.03, 0.06, 0.09, 0.17, 0.27],
  'gaussian-blur': [0.5, 0.75, 1, 1.25, 1.5],
  'defocus-blur': [1, 1.5, 2, 2.5, 3],
  'motion-blur': [3, 5, 7, 9, 11],
  contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
  brightness: [0.1, 0.2, 0.3, 0.4, 0.5],
  pixelate: [0.9, 0.8, 0.7, 0.6, 0.5],
  jpeg: [25, 18, 15, 10, 7],
  elastic: [0.75, 1.25, 1.75, 2.25, 3],
};

/** Smallest image side each corruption is meaningful at (pixelate at severity 5 must still leave 4 px). */
export const MIN_IMAGE_SIDE: Readonly<Partial<Record<CorruptionName, number>>> = { pixelate: 8, elastic: 8, 'motion-blur': 5, 'defocus-blur': 5 };

/** The corruption names in a comma-separated list, or the unknown ones (for an error naming the param). */
export function parseCorruptionList(list: string): { names: CorruptionName[] } | { unknown: string[] } {
  const asked = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (asked.length === 1 && asked[0] === 'all') return { names: [...CORRUPTION_NAMES] };
  const unknown = asked.filter((n) => !(CORRUPTION_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) return { unknown };
  return { names: [...new Set(asked)] as CorruptionName[] };
}

/** Why `name` cannot corrupt images of this size, or undefined when it can. */
export function corruptionSizeProblem(name: CorruptionName, shape: readonly [number, number, number]): string | undefined {
  const min = MIN_IMAGE_SIDE[name];
  const side = Math.min(shape[1], shape[2]);
  if (min !== undefined && side < min) return `${name} needs images of at least ${min}x${min} pixels; these are ${shape[1]}x${shape[2]}`;
  return undefined;
}

/** One image in [0, 1], planar [c, h, w], corrupted in place or replaced. */
interface Plane {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

/** A stable seed per (seed, corruption, severity), so one corruption's draws never shift another's. */
function streamSeed(seed: number, name: CorruptionName, severity: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${name}:${severity}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Poisson sample (Knuth for small means, a rounded normal approximation above 30). */
function poisson(lambda: number, rng: Rng): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normalSample(rng)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** 2-D convolution of each channel with a small normalised kernel, edges clamped (replicate padding). */
function convolve(img: Plane, kernel: Float64Array, kh: number, kw: number): void {
  const { c, h, w, data } = img;
  const out = new Float64Array(data.length);
  const ry = (kh - 1) >> 1;
  const rx = (kw - 1) >> 1;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let i = 0; i < kh; i++) {
          const yy = Math.min(h - 1, Math.max(0, y + i - ry));
          for (let j = 0; j < kw; j++) {
            const k = kernel[i * kw + j]!;
            if (k === 0) continue;
            const xx = Math.min(w - 1, Math.max(0, x + j - rx));
            s += k * data[base + yy * w + xx]!;
          }
        }
        out[base + y * w + x] = s;
      }
  }
  img.data = out;
}

function normalised(kernel: Float64Array): Float64Array {
  const sum = kernel.reduce((a, b) => a + b, 0);
  return kernel.map((v) => v / sum);
}

/** A disk of the given radius, each cell weighted by the share of it inside the disk (4x4 supersampling). */
function diskKernel(radius: number): { kernel: Float64Array; size: number } {
  const r = Math.ceil(radius);
  const size = 2 * r + 1;
  const k = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      let inside = 0;
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++) {
          const dy = i - r + (a + 0.5) / 4 - 0.5;
          const dx = j - r + (b + 0.5) / 4 - 0.5;
          if (dx * dx + dy * dy <= radius * radius) inside++;
        }
      k[i * size + j] = inside / 16;
    }
  return { kernel: normalised(k), size };
}

/** A line of `length` pixels through the centre at `angle`, drawn with bilinear splats. */
function motionKernel(length: number, angle: number): { kernel: Float64Array; size: number } {
  const r = Math.ceil(length / 2);
  const size = 2 * r + 1;
  const k = new Float64Array(size * size);
  const steps = Math.max(2, Math.ceil(length * 4));
  for (let s = 0; s <= steps; s++) {
    const t = (s / steps - 0.5) * (length - 1);
    const x = r + t * Math.cos(angle);
    const y = r + t * Math.sin(angle);
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    for (const [yy, xx, wgt] of [
      [y0, x0, (1 - fy) * (1 - fx)],
      [y0, x0 + 1, (1 - fy) * fx],
      [y0 + 1, x0, fy * (1 - fx)],
      [y0 + 1, x0 + 1, fy * fx],
    ] as const)
      if (yy >= 0 && yy < size && xx >= 0 && xx < size) k[yy * size + xx]! += wgt;
  }
  return { kernel: normalised(k), size };
}

/** Bilinear sample of one channel at (y, x), edges clamped. */
function sampleBilinear(data: Float64Array, base: number, h: number, w: number, y: number, x: number): number {
  const yc = Math.min(h - 1, Math.max(0, y));
  const xc = Math.min(w - 1, Math.max(0, x));
  const y0 = Math.floor(yc);
  const x0 = Math.floor(xc);
  const y1 = Math.min(h - 1, y0 + 1);
  const x1 = Math.min(w - 1, x0 + 1);
  const fy = yc - y0;
  const fx = xc - x0;
  return (
    (1 - fy) * ((1 - fx) * data[base + y0 * w + x0]! + fx * data[base + y0 * w + x1]!) + fy * ((1 - fx) * data[base + y1 * w + x0]! + fx * data[base + y1 * w + x1]!)
  );
}

/** A random field in [-1, 1] per pixel, blurred by a Gaussian of `sigma` and rescaled to max |v| = 1. */
function smoothField(h: number, w: number, sigma: number, rng: Rng): Float64Array {
  const field: Plane = { c: 1, h, w, data: Float64Array.from({ length: h * w }, () => 2 * rng() - 1) };
  gaussianBlur(field, sigma);
  const max = field.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
  return field.data.map((v) => v / max);
}

/**
 * JPEG round trip of many images at once. jpeg-js builds its tables on every encode (about 90 ms), so
 * the images are tiled into one large picture, each in a cell of whole 8x8 blocks filled out by
 * repeating its last row and column, which is how the encoder pads a lone image. jpeg-js codes every
 * channel at full resolution (no chroma subsampling) and each block independently, so every image
 * decodes exactly as if it had been encoded alone.
 */
function jpegPixels(data: Pick<Dataset, 'pixels' | 'shape' | 'count'>, quality: number): Uint8Array {
  const [c, h, w] = data.shape;
  const plane = h * w;
  const size = c * plane;
  const cellH = Math.ceil(h / 8) * 8;
  const cellW = Math.ceil(w / 8) * 8;
  const columns = Math.max(1, Math.min(data.count, Math.floor(2048 / cellW)));
  const perTile = columns * Math.max(1, Math.floor(2048 / cellH));
  const out = new Uint8Array(data.count * size);
  for (let first = 0; first < data.count; first += perTile) {
    const n = Math.min(perTile, data.count - first);
    const rows = Math.ceil(n / columns);
    const width = columns * cellW;
    const height = rows * cellH;
    const rgba = new Uint8Array(width * height * 4).fill(255);
    for (let i = 0; i < n; i++) {
      const src = (first + i) * size;
      const ox = (i % columns) * cellW;
      const oy = Math.floor(i / columns) * cellH;
      for (let y = 0; y < cellH; y++)
        for (let x = 0; x < cellW; x++) {
          const p = Math.min(y, h - 1) * w + Math.min(x, w - 1);
          const o = ((oy + y) * width + ox + x) * 4;
          for (let k = 0; k < 3; k++) rgba[o + k] = data.pixels[src + (c === 3 ? k : 0) * plane + p]!;
        }
    }
    const decoded = jpeg.decode(jpeg.encode({ width, height, data: rgba }, quality).data, { useTArray: true, formatAsRGBA: true }).data;
    for (let i = 0; i < n; i++) {
      const dst = (first + i) * size;
      const ox = (i % columns) * cellW;
      const oy = Math.floor(i / columns) * cellH;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = ((oy + y) * width + ox + x) * 4;
          if (c === 3) for (let k = 0; k < 3; k++) out[dst + k * plane + y * w + x] = decoded[o + k]!;
          else out[dst + y * w + x] = Math.round((decoded[o]! + decoded[o + 1]! + decoded[o + 2]!) / 3);
        }
    }
  }
  return out;
}

/** Separable Gaussian blur of every channel, edges clamped (replicate padding). */
function gaussianBlur(img: Plane, sigma: number): void {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const taps = normalised(Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma))));
  const { c, h, w, data } = img;
  const tmp = new Float64Array(h * w);
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += taps[i + r]! * data[base + y * w + Math.min(w - 1, Math.max(0, x + i))]!;
        tmp[y * w + x] = s;
      }
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += taps[i + r]! * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x]!;
        data[base + y * w + x] = s;
      }
  }
}

/** Applies one corruption at one severity to one image (values in [0, 1]); `rng` is the corruption's stream. */
function corruptImage(img: Plane, name: CorruptionName, severity: number, rng: Rng): void {
  const v = SEVERITY_TABLE[name][severity - 1]!;
  const { c, h, w } = img;
  const scale = Math.min(h, w) / 28;
  const d = img.data;
  switch (name) {
    case 'gaussian-noise':
      for (let i = 0; i < d.length; i++) d[i] = d[i]! + v * normalSample(rng);
      return;
    case 'shot-noise':
      for (let i = 0; i < d.length; i++) d[i] = poisson(clamp01(d[i]!) * v, rng) / v;
      return;
    case 'impulse-noise': {
      // Salt or pepper per pixel position (all channels of a pixel together, as skimage's s&p on grey).
      const plane = h * w;
      for (let i = 0; i < plane; i++) {
        if (rng() >= v) continue;
        const value = rng() < 0.5 ? 0 : 1;
        for (let ch = 0; ch < c; ch++) d[ch * plane + i] = value;
      }
      return;
    }
    case 'gaussian-blur':
      gaussianBlur(img, v * scale);
      return;
    case 'defocus-blur': {
      const { kernel, size } = diskKernel(v * scale);
      convolve(img, kernel, size, size);
      return;
    }
    case 'motion-blur': {
      const { kernel, size } = motionKernel(Math.max(2, v * scale), rng() * Math.PI);
      convolve(img, kernel, size, size);
      return;
    }
    case 'contrast': {
      const plane = h * w;
      for (let ch = 0; ch < c; ch++) {
        let mean = 0;
        for (let i = 0; i < plane; i++) mean += d[ch * plane + i]!;
        mean /= plane;
        for (let i = 0; i < plane; i++) d[ch * plane + i] = (d[ch * plane + i]! - mean) * v + mean;
      }
      return;
    }
    case 'brightness': {
      const plane = h * w;
      if (c === 1) {
        for (let i = 0; i < plane; i++) d[i] = d[i]! + v;
        return;
      }
      // HSV value + v keeps hue and saturation: every channel scales by (V + v) / V, V the largest one.
      for (let i = 0; i < plane; i++) {
        const value = Math.max(d[i]!, d[plane + i]!, d[2 * plane + i]!);
        const target = Math.min(1, value + v);
        if (value <= 1e-9) for (let k = 0; k < 3; k++) d[k * plane + i] = target;
        else for (let k = 0; k < 3; k++) d[k * plane + i] = (d[k * plane + i]! * target) / value;
      }
      return;
    }
    case 'pixelate': {
      const sh = Math.max(1, Math.round(h * v));
      const sw = Math.max(1, Math.round(w * v));
      const out = new Float64Array(d.length);
      for (let ch = 0; ch < c; ch++) {
        const base = ch * h * w;
        for (let by = 0; by < sh; by++)
          for (let bx = 0; bx < sw; bx++) {
            const y0 = Math.floor((by * h) / sh);
            const y1 = Math.floor(((by + 1) * h) / sh);
            const x0 = Math.floor((bx * w) / sw);
            const x1 = Math.floor(((bx + 1) * w) / sw);
            let s = 0;
            for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += d[base + y * w + x]!;
            const mean = s / Math.max(1, (y1 - y0) * (x1 - x0));
            for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[base + y * w + x] = mean;
          }
      }
      img.data = out;
      return;
    }
    case 'jpeg':
      throw new Error('jpeg corrupts whole batches (jpegPixels)');
    case 'elastic': {
      const amplitude = v * scale;
      const sigma = Math.max(1, Math.min(h, w) / 8);
      const dx = smoothField(h, w, sigma, rng);
      const dy = smoothField(h, w, sigma, rng);
      const out = new Float64Array(d.length);
      for (let ch = 0; ch < c; ch++) {
        const base = ch * h * w;
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) out[base + y * w + x] = sampleBilinear(d, base, h, w, y + amplitude * dy[y * w + x]!, x + amplitude * dx[y * w + x]!);
      }
      img.data = out;
      return;
    }
  }
}

/** The pixels of `data` corrupted by `name` at `severity` (1..5), seeded; a new 8-bit pixel array. */
export function corruptPixels(data: Pick<Dataset, 'pixels' | 'shape' | 'count'>, name: CorruptionName, severity: number, seed: number): Uint8Array {
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new Error(`severity must be 1..5, got ${severity}`);
  const problem = corruptionSizeProblem(name, data.shape);
  if (problem) throw new Error(problem);
  if (name === 'jpeg') return jpegPixels(data, SEVERITY_TABLE.jpeg[severity - 1]!);
  const [c, h, w] = data.shape;
  const size = c * h * w;
  const rng = createRng(streamSeed(seed, name, severity));
  const out = new Uint8Array(data.count * size);
  for (let n = 0; n < data.count; n++) {
    const img: Plane = { c, h, w, data: new Float64Array(size) };
    for (let i = 0; i < size; i++) img.data[i] = data.pixels[n * size + i]! / 255;
    corruptImage(img, name, severity, rng);
    for (let i = 0; i < size; i++) out[n * size + i] = Math.round(255 * clamp01(img.data[i]!));
  }
  return out;
}

/**
 * The dataset with every image corrupted (labels, classes, normalisation and object boxes unchanged: no
 * corruption moves the object by more than elastic's few pixels).
 */
export function corruptDataset(data: Dataset, name: CorruptionName, severity: number, seed: number): Dataset {
  return { ...data, name: `${data.name}, ${name} ${severity}`, pixels: corruptPixels(data, name, severity, seed) };
}

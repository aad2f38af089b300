// Places each image at a random position (and random scale) on a larger canvas, optionally among
// fragments of other images, and records where the object went (Dataset.boxes, see boxes.ts). A
// classifier that sees the whole canvas at low resolution then has to find the object first: the task of
// attention models such as MGNet (arXiv 2111.02018; Fashion-MNIST on a 64-112 px canvas) and of the
// cluttered MNIST of Mnih et al., "Recurrent Models of Visual Attention" (NeurIPS 2014).
//
// Clutter never overlaps the object's box: a fragment whose random position would cross it is drawn again
// (up to PLACE_TRIES times, then left out and counted in the note), so the box holds the object and
// nothing else, and the object's pixels are never changed. Fragments may overlap each other (the brighter
// pixel wins). The canvas background is 0.
import { NodeError } from '../../shared/node-sdk';
import { makeBilinearResizer } from '../image/resize';
import type { Dataset } from './dataset';
import { throwIfAborted } from './files';
import { makeRandom, type Random } from './random';

export interface PlacementOptions {
  /** Canvas width and height in pixels. */
  canvas: number;
  /** Each object is resized by a factor drawn uniformly from [scaleMin, scaleMax] (1, 1: kept as is). */
  scaleMin: number;
  scaleMax: number;
  /** Fragments of other images of the same split drawn on each canvas. */
  clutter: number;
  /** Edge of a fragment in pixels, cut from an unscaled image. */
  clutterSize: number;
  seed: number;
  /** Random stream: give each split its own so train and test are placed differently. */
  stream: number;
  signal?: AbortSignal;
}

/** The Dataset node's placement params (nodes/dataset/index.ts), by the names the user sees. */
export interface PlacementParams {
  placeOnCanvas: boolean;
  canvasSize: number;
  placeScaleMin: number;
  placeScaleMax: number;
  clutter: number;
  clutterSize: number;
}

export const NO_PLACEMENT: PlacementParams = { placeOnCanvas: false, canvasSize: 64, placeScaleMin: 1, placeScaleMax: 1, clutter: 0, clutterSize: 8 };

/** The placement params of `params`, defaults where left out. */
export function placementParamsOf(params: Partial<PlacementParams>): PlacementParams {
  return {
    placeOnCanvas: params.placeOnCanvas ?? NO_PLACEMENT.placeOnCanvas,
    canvasSize: params.canvasSize ?? NO_PLACEMENT.canvasSize,
    placeScaleMin: params.placeScaleMin ?? NO_PLACEMENT.placeScaleMin,
    placeScaleMax: params.placeScaleMax ?? NO_PLACEMENT.placeScaleMax,
    clutter: params.clutter ?? NO_PLACEMENT.clutter,
    clutterSize: params.clutterSize ?? NO_PLACEMENT.clutterSize,
  };
}

/** The options of placeOnCanvas from the node's params. */
export function placementOptions(p: PlacementParams, seed: number, stream: number, signal?: AbortSignal): PlacementOptions {
  return { canvas: p.canvasSize, scaleMin: p.placeScaleMin, scaleMax: p.placeScaleMax, clutter: p.clutter, clutterSize: p.clutterSize, seed, stream, ...(signal ? { signal } : {}) };
}

/** Tries to find a clutter position clear of the object's box before the fragment is left out. */
export const PLACE_TRIES = 20;
/** Candidate windows per fragment; the one with the most ink is used (a blank corner is no clutter). */
const WINDOW_CANDIDATES = 3;

/** The param names the problems refer to (the Dataset node's). */
export const PLACEMENT_PARAMS = { canvas: 'canvasSize', scaleMin: 'placeScaleMin', scaleMax: 'placeScaleMax', clutterSize: 'clutterSize' } as const;

/** Object edge in pixels at scale factor `scale` (at least 1). */
export function scaledSize(size: number, scale: number): number {
  return Math.max(1, Math.round(size * scale));
}

/**
 * What keeps images of `shape` from being placed with these options, naming the param to change, or
 * undefined when they can be. The node's infer calls it with the shape the params tell, execute with the
 * shape read.
 */
export function placementProblem(
  shape: readonly [number, number, number],
  o: Pick<PlacementOptions, 'canvas' | 'scaleMin' | 'scaleMax' | 'clutter' | 'clutterSize'>,
): { param: string; message: string } | undefined {
  const [, h, w] = shape;
  if (!(o.scaleMin > 0) || o.scaleMin > o.scaleMax) {
    return { param: PLACEMENT_PARAMS.scaleMin, message: `placeScaleMin ${o.scaleMin} must be above 0 and at most placeScaleMax ${o.scaleMax}` };
  }
  const largest = Math.max(scaledSize(h, o.scaleMax), scaledSize(w, o.scaleMax));
  if (largest > o.canvas) {
    const scaled = o.scaleMax === 1 ? `${w}x${h} px` : `${w}x${h} px x ${o.scaleMax} = ${largest} px`;
    return {
      param: PLACEMENT_PARAMS.canvas,
      message: `canvasSize ${o.canvas} px is smaller than the images at placeScaleMax (${scaled}); raise canvasSize to at least ${largest} or lower placeScaleMax`,
    };
  }
  if (o.clutter > 0 && o.clutterSize > Math.min(h, w)) {
    return { param: PLACEMENT_PARAMS.clutterSize, message: `clutterSize ${o.clutterSize} px is larger than the ${w}x${h} images the fragments are cut from` };
  }
  return undefined;
}

/** The integer in [lo, hi] drawn uniformly. */
const between = (random: Random, lo: number, hi: number): number => lo + random.int(hi - lo + 1);

/** Sum of the first channel over a size x size window at (left, top) of an image (the window's ink). */
function windowInk(image: Uint8Array, w: number, left: number, top: number, size: number): number {
  let sum = 0;
  for (let y = 0; y < size; y++) {
    const row = (top + y) * w + left;
    for (let x = 0; x < size; x++) sum += image[row + x]!;
  }
  return sum;
}

/**
 * Every image of `dataset` on a canvas x canvas image, with `boxes` recording each object. Seeded: the
 * same dataset, seed and stream give the same canvases. Works on any channel count; labels, classes and
 * the normalisation record are kept (the node recomputes the statistics afterwards).
 */
export function placeOnCanvas(dataset: Dataset, o: PlacementOptions): Dataset {
  if (dataset.task !== 'classify') throw new NodeError(`${dataset.name} is a ${dataset.task} dataset; only classification images are placed on a canvas`, { param: 'placeOnCanvas' });
  const problem = placementProblem(dataset.shape, o);
  if (problem) throw new NodeError(problem.message, { param: problem.param });
  const [c, h, w] = dataset.shape;
  const size = c * h * w;
  const S = o.canvas;
  const plane = S * S;
  const pixels = new Uint8Array(dataset.count * c * plane);
  const boxes = new Float32Array(dataset.count * 4);
  const random = makeRandom(o.seed, o.stream);
  const resizers = new Map<string, (src: Uint8Array, dst: Uint8Array) => void>();
  const scaled = new Uint8Array(c * S * S);
  const F = o.clutterSize;
  const clutter = dataset.count > 1 ? o.clutter : 0;
  let skipped = 0;
  for (let n = 0; n < dataset.count; n++) {
    if (n % 1024 === 0) throwIfAborted(o.signal);
    const canvas = pixels.subarray(n * c * plane, (n + 1) * c * plane);
    const image = dataset.pixels.subarray(n * size, (n + 1) * size);

    // The object: scale, then position (uniform over every position that keeps it whole on the canvas).
    const scale = o.scaleMin === o.scaleMax ? o.scaleMin : o.scaleMin + (o.scaleMax - o.scaleMin) * random.next();
    const oh = scaledSize(h, scale);
    const ow = scaledSize(w, scale);
    let object = image;
    if (oh !== h || ow !== w) {
      const key = `${oh}x${ow}`;
      let resize = resizers.get(key);
      if (!resize) resizers.set(key, (resize = makeBilinearResizer(c, h, w, oh, ow)));
      object = scaled.subarray(0, c * oh * ow);
      resize(image, object);
    }
    const left = between(random, 0, S - ow);
    const top = between(random, 0, S - oh);
    boxes.set([left, top, left + ow, top + oh], 4 * n);

    // Clutter first, outside the box; then the object, copied whole (its own background included).
    for (let k = 0; k < clutter; k++) {
      let other = random.int(dataset.count - 1);
      if (other >= n) other++;
      const source = dataset.pixels.subarray(other * size, (other + 1) * size);
      let wl = 0;
      let wt = 0;
      let best = -1;
      for (let t = 0; t < WINDOW_CANDIDATES; t++) {
        const cl = between(random, 0, w - F);
        const ct = between(random, 0, h - F);
        const ink = windowInk(source, w, cl, ct, F);
        if (ink > best) [best, wl, wt] = [ink, cl, ct];
      }
      let fx = -1;
      let fy = -1;
      for (let t = 0; t < PLACE_TRIES && fx < 0; t++) {
        const x = between(random, 0, S - F);
        const y = between(random, 0, S - F);
        const clear = x + F <= left || x >= left + ow || y + F <= top || y >= top + oh;
        if (clear) [fx, fy] = [x, y];
      }
      if (fx < 0) {
        skipped++;
        continue;
      }
      for (let ch = 0; ch < c; ch++) {
        for (let y = 0; y < F; y++) {
          const from = ch * h * w + (wt + y) * w + wl;
          const to = ch * plane + (fy + y) * S + fx;
          for (let x = 0; x < F; x++) if (source[from + x]! > canvas[to + x]!) canvas[to + x] = source[from + x]!;
        }
      }
    }
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < oh; y++) canvas.set(object.subarray(ch * oh * ow + y * ow, ch * oh * ow + (y + 1) * ow), ch * plane + (top + y) * S + left);
    }
  }
  const scaleText = o.scaleMin === 1 && o.scaleMax === 1 ? '' : `, scale ${o.scaleMin}-${o.scaleMax}`;
  const clutterText = clutter > 0 ? `, ${clutter} fragments of ${F} px` + (skipped > 0 ? ` (${skipped} left out: no room beside the object)` : '') : '';
  const note = `placed at random on a ${S}x${S} canvas${scaleText}${clutterText}`;
  return {
    ...dataset,
    shape: [c, S, S],
    pixels,
    boxes,
    source: { ...dataset.source, note: [dataset.source.note, note].filter(Boolean).join('; ') },
  };
}

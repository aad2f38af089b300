// Object boxes: where a placed dataset (placement.ts) put each object on its canvas, and how a box relates
// to the normalised coordinates of affineGrid / gridSample (../graph/ops/spatial.ts), so a model that takes
// glimpses can compare them with the object (MGNet, arXiv 2111.02018: the last glimpse should find it).
//
// A box is [x0, y0, x1, y1] in canvas pixels, measured on pixel edges: pixel (x, y) spans [x, x + 1) x
// [y, y + 1), so an object pasted at column `left` with width `w` has x0 = left, x1 = left + w, and every
// pixel it covers has x0 <= x < x1. Edge coordinates scale exactly under a resize (x * newWidth / width).
import type { Dataset } from './dataset';

export type Box = [x0: number, y0: number, x1: number, y1: number];

/** The affine params of a glimpse: the sampling grid maps output (u, v) to input (sx u + tx, sy v + ty). */
export interface Affine {
  sx: number;
  sy: number;
  tx: number;
  ty: number;
}

export interface CoordinateOptions {
  /**
   * false (default): -1 and +1 are the outer edges of the first and last pixel, the convention of this
   * compute core's affineGrid and gridSample (PyTorch's align_corners=False). true: -1 and +1 are the
   * centres of the first and last pixel (align_corners=True).
   */
  alignCorners?: boolean;
}

/** Box `index` of a dataset that has boxes. */
export function boxOf(dataset: Pick<Dataset, 'boxes' | 'count' | 'name'>, index: number): Box {
  if (!dataset.boxes) throw new Error(`${dataset.name} has no object boxes (place the images on a canvas in its Dataset node)`);
  if (!(index >= 0 && index < dataset.count)) throw new Error(`box ${index} out of range: ${dataset.name} has ${dataset.count} images`);
  const b = dataset.boxes;
  const o = 4 * index;
  return [b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!];
}

/** Intersection over union of two boxes in the same coordinates; 0 when both are empty. */
export function boxIoU(a: Readonly<Box>, b: Readonly<Box>): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const area = (r: Readonly<Box>) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** One coordinate from canvas pixels (edges) to [-1, 1]. */
function toNormalized(x: number, size: number, alignCorners: boolean): number {
  return alignCorners ? (size > 1 ? ((x - 0.5) / (size - 1)) * 2 - 1 : 0) : (x / size) * 2 - 1;
}

function fromNormalized(n: number, size: number, alignCorners: boolean): number {
  return alignCorners ? ((n + 1) / 2) * (size - 1) + 0.5 : ((n + 1) / 2) * size;
}

/** A box in canvas pixels (width x height canvas) as a box in normalised [-1, 1] coordinates. */
export function boxToNormalized(box: Readonly<Box>, width: number, height: number, options: CoordinateOptions = {}): Box {
  const ac = options.alignCorners ?? false;
  return [toNormalized(box[0], width, ac), toNormalized(box[1], height, ac), toNormalized(box[2], width, ac), toNormalized(box[3], height, ac)];
}

/** The inverse of boxToNormalized. */
export function normalizedToBox(box: Readonly<Box>, width: number, height: number, options: CoordinateOptions = {}): Box {
  const ac = options.alignCorners ?? false;
  return [fromNormalized(box[0], width, ac), fromNormalized(box[1], height, ac), fromNormalized(box[2], width, ac), fromNormalized(box[3], height, ac)];
}

/**
 * The affine params of the glimpse that covers exactly `box`: with alignCorners false the glimpse's
 * output grid spans [-1, 1] edge to edge, so it reads the input on [tx - sx, tx + sx] x [ty - sy, ty + sy].
 * A square box on a square canvas gives sx = sy (MGNet's single scale s).
 */
export function boxToAffine(box: Readonly<Box>, width: number, height: number, options: CoordinateOptions = {}): Affine {
  const [x0, y0, x1, y1] = boxToNormalized(box, width, height, options);
  return { sx: (x1 - x0) / 2, sy: (y1 - y0) / 2, tx: (x0 + x1) / 2, ty: (y0 + y1) / 2 };
}

/** The box in canvas pixels a glimpse with these affine params covers (sy defaults to sx). */
export function affineToBox(affine: { sx: number; sy?: number; tx: number; ty: number }, width: number, height: number, options: CoordinateOptions = {}): Box {
  const sy = affine.sy ?? affine.sx;
  return normalizedToBox([affine.tx - affine.sx, affine.ty - sy, affine.tx + affine.sx, affine.ty + sy], width, height, options);
}

/** Boxes (count x 4) scaled by fx horizontally and fy vertically: the boxes of a resized canvas. */
export function scaleBoxes(boxes: Float32Array, fx: number, fy: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i]! * fx;
    out[i + 1] = boxes[i + 1]! * fy;
    out[i + 2] = boxes[i + 2]! * fx;
    out[i + 3] = boxes[i + 3]! * fy;
  }
  return out;
}

/** The dataset without its boxes: for transforms after which they no longer say where the object is. */
export function withoutBoxes(dataset: Dataset): Dataset {
  if (!dataset.boxes) return dataset;
  const out = { ...dataset };
  delete out.boxes;
  return out;
}

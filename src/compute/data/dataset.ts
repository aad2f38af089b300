// The `Dataset` value that flows on Dataset edges. Pixels stay 8-bit (4x smaller than float in the object
// store and in worker messages); consumers turn them into floats with the recorded normalisation.

export interface Dataset {
  kind: 'dataset';
  /** Human-readable provenance, e.g. "fashion-mnist (train)". */
  name: string;
  /** `classify`: images with integer labels. `paired`: input images with target images (image-to-image). */
  task: 'classify' | 'paired';
  count: number;
  /** Per-image shape, channels first: [channels, height, width]. */
  shape: [number, number, number];
  /** Class names, index = label. Empty for paired datasets. */
  classes: string[];
  /** count * c * h * w bytes, each image channels-first, values 0..255. */
  pixels: Uint8Array;
  /** count labels (classify); zeros for paired datasets. */
  labels: Int32Array;
  /** Paired datasets: target images, count * targetShape bytes. */
  targets?: Uint8Array;
  targetShape?: [number, number, number];
  /**
   * Where each image's object lies, when the images were placed on a larger canvas (placement.ts):
   * count x 4 floats [x0, y0, x1, y1] in pixels of the image, on pixel edges (pixel (x, y) spans
   * [x, x + 1) x [y, y + 1); the object's pixels have x0 <= x < x1, y0 <= y < y1). boxes.ts converts them
   * to the normalised coordinates of affineGrid. Transforms that move pixels scale the boxes (resize) or
   * drop them (rotation, pixel permutations, image tasks); absent when the data has no placed objects.
   */
  boxes?: Float32Array;
  /** Per-channel normalisation applied as (pixel / 255 - mean) / std when a model reads the data. */
  normalize: { mean: number[]; std: number[] };
  /** Where the data came from, shown to the user (for example that a bundled fallback was used). */
  source: { kind: string; files: string[]; note?: string };
}

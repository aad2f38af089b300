// A layer's weight histogram with the Gaussian mixture that quantises it drawn on top (each component
// pi_k N(w | mu_k, sigma_k) scaled to the histogram's counts) and the final codebook as ticks under the
// axis. No text: the numbers go in the table beside it.
import { makeImage, type PlanarImage } from './image';

export interface MixtureComponents {
  mu: ArrayLike<number>;
  sigma: ArrayLike<number>;
  /** Mixing weights, normalised here (|pi| / sum |pi|). */
  pi: ArrayLike<number>;
}

export interface MixtureHistogramOptions {
  width?: number;
  height?: number;
  bins?: number;
  /** Codebook values to tick under the axis (default: the mixture means). */
  codebook?: ArrayLike<number>;
  /** Component 0 is the pruning component at 0, drawn in red (default true; false for plain clusters). */
  zeroComponent?: boolean;
}

type Rgb = [number, number, number];
const BARS: Rgb = [190, 190, 190];
const ZERO: Rgb = [214, 39, 40];
const PALETTE: Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [148, 103, 189], [140, 86, 75],
  [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export function renderMixtureHistogram(weights: ArrayLike<number>, mixture: MixtureComponents, options: MixtureHistogramOptions = {}): PlanarImage {
  const width = options.width ?? 480;
  const plotHeight = options.height ?? 160;
  const bins = options.bins ?? 96;
  const margin = 8;
  const tickHeight = 10;
  const height = margin + plotHeight + 2 + tickHeight + margin;
  const image = makeImage(width, height, 3, 255);
  const plane = width * height;
  const paint = (x: number, y: number, rgb: Rgb): void => {
    if (x < 0 || x >= width || y < 0 || y >= height) return;
    for (let k = 0; k < 3; k++) image.data[k * plane + y * width + x] = rgb[k]!;
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < weights.length; i++) {
    lo = Math.min(lo, weights[i]!);
    hi = Math.max(hi, weights[i]!);
  }
  for (let k = 0; k < mixture.mu.length; k++) {
    lo = Math.min(lo, mixture.mu[k]!);
    hi = Math.max(hi, mixture.mu[k]!);
  }
  if (!(hi > lo)) [lo, hi] = [lo - 1, lo + 1];
  const plotWidth = width - 2 * margin;
  const binWidth = (hi - lo) / bins;
  const counts = new Float64Array(bins);
  for (let i = 0; i < weights.length; i++) counts[Math.min(bins - 1, Math.floor((weights[i]! - lo) / binWidth))]!++;
  const piSum = Array.from(mixture.pi).reduce((s, p) => s + Math.abs(p), 0) || 1;
  // The curves in histogram units: expected count per bin = n * binWidth * pi_hat_k * N(w | mu_k, sigma_k).
  const curve = (k: number, w: number): number => {
    const s = mixture.sigma[k]!;
    const z = (w - mixture.mu[k]!) / s;
    return (weights.length * binWidth * (Math.abs(mixture.pi[k]!) / piSum) * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI));
  };
  // Scaled to the tallest bar; a spike of a narrow component is clipped at the top, not allowed to flatten the histogram.
  const top = Math.max(1, ...counts);
  const baseline = margin + plotHeight;
  const yOf = (count: number): number => baseline - Math.round((Math.min(count, top) / top) * plotHeight);
  const xOf = (w: number): number => margin + Math.round(((w - lo) / (hi - lo)) * (plotWidth - 1));
  for (let b = 0; b < bins; b++) {
    const x0 = margin + Math.round((b / bins) * plotWidth);
    const x1 = margin + Math.round(((b + 1) / bins) * plotWidth);
    for (let y = yOf(counts[b]!); y < baseline; y++) for (let x = x0; x < Math.max(x0 + 1, x1 - 1); x++) paint(x, y, BARS);
  }
  for (let k = 0; k < mixture.mu.length; k++) {
    const zero = options.zeroComponent ?? true;
    const colour = zero && k === 0 ? ZERO : PALETTE[(zero ? k - 1 : k) % PALETTE.length]!;
    let prev: number | undefined;
    for (let x = margin; x < margin + plotWidth; x++) {
      const y = yOf(curve(k, lo + ((x - margin) / (plotWidth - 1)) * (hi - lo)));
      // Vertical runs join consecutive columns, so steep flanks stay connected.
      const from = prev === undefined ? y : Math.min(prev, y);
      const to = prev === undefined ? y : Math.max(prev, y);
      for (let yy = from; yy <= to; yy++) if (yy < baseline) paint(x, yy, colour);
      prev = y;
    }
  }
  for (let x = margin - 2; x < width - margin + 2; x++) paint(x, baseline, [0, 0, 0]);
  const codebook = options.codebook ?? mixture.mu;
  for (let k = 0; k < codebook.length; k++) {
    const x = xOf(codebook[k]!);
    const colour: Rgb = codebook[k] === 0 ? ZERO : [0, 0, 0];
    for (let y = baseline + 2; y < baseline + 2 + tickHeight; y++) paint(x, y, colour);
  }
  return image;
}

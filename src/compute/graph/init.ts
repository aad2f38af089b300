// Seeded parameter initialisers. Deterministic for a given seed so that a graph run twice with the
// same seed trains the same model.

import { elementCount } from '../onnx/tensor-data.ts';

export type Rng = () => number;

/** mulberry32: small, fast, good enough for initialisation and shuffling. Returns values in [0, 1). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal via Box-Muller. */
export function normalSample(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export type Initializer = (shape: readonly number[], rng: Rng) => Float32Array;

/** fan_in of a weight laid out as [out, in, ...kernel] (conv) or [out, in] (linear). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) return shape[0] ?? 1;
  return elementCount(shape.slice(1));
}

export const init = {
  zeros: (): Initializer => (shape) => new Float32Array(elementCount(shape)),
  ones: (): Initializer => (shape) => new Float32Array(elementCount(shape)).fill(1),
  constant:
    (value: number): Initializer =>
    (shape) =>
      new Float32Array(elementCount(shape)).fill(value),
  uniform:
    (low: number, high: number): Initializer =>
    (shape, rng) => {
      const out = new Float32Array(elementCount(shape));
      for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * rng();
      return out;
    },
  normal:
    (mean = 0, std = 1): Initializer =>
    (shape, rng) => {
      const out = new Float32Array(elementCount(shape));
      for (let i = 0; i < out.length; i++) out[i] = mean + std * normalSample(rng);
      return out;
    },
  /** He et al. 2015, uniform variant with gain sqrt(2) (the ReLU default). */
  kaimingUniform:
    (gain = Math.SQRT2): Initializer =>
    (shape, rng) => {
      const bound = gain * Math.sqrt(3 / fanIn(shape));
      return init.uniform(-bound, bound)(shape, rng);
    },
  /** PyTorch's default for Linear/Conv biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of the matching weight. */
  biasUniform:
    (weightShape: readonly number[]): Initializer =>
    (shape, rng) => {
      const bound = 1 / Math.sqrt(fanIn(weightShape));
      return init.uniform(-bound, bound)(shape, rng);
    },
  /** Glorot & Bengio 2010. */
  xavierUniform:
    (gain = 1): Initializer =>
    (shape, rng) => {
      const receptive = shape.length > 2 ? elementCount(shape.slice(2)) : 1;
      const fanOut = (shape[0] ?? 1) * receptive;
      const bound = gain * Math.sqrt(6 / (fanIn(shape) + fanOut));
      return init.uniform(-bound, bound)(shape, rng);
    },
};

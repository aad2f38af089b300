// The DGMS Gaussian mixture of one layer (Dong et al. 2022, arXiv 2112.15139; methods.md section 2):
// initialisation from k-means, the soft weights of training (recorded on the training graph as a
// parametrisation, and computed here in TypeScript for evaluation and tests), and the hard assignment of
// inference. Component 0 is the pruning component: its mean is 0 and stays 0.
import type { GraphBuilder, Tensor } from '../graph/graph-builder.ts';
import * as F from '../graph/ops/index.ts';
import { kmeans1d } from './kmeans.ts';

export interface Mixture {
  /** Means; mu[0] is 0 (the pruning component). */
  mu: Float32Array;
  /** Standard deviations, > 0. */
  sigma: Float32Array;
  /** Unnormalised mixing weights; the model uses |pi| / sum |pi|. */
  pi: Float32Array;
}

export type MixtureInit = 'kmeans' | 'empirical';

/** Smallest sigma and tau kept during training: below it the Gaussians under- or overflow float32. */
export const MIN_SIGMA = 1e-5;
export const MIN_TAU = 1e-4;
/** Keeps log |pi| finite when a mixing weight reaches 0. */
const PI_EPS = 1e-12;

/**
 * DGMS step 3: k-means with K clusters on the flattened layer; the centre nearest 0 becomes component 0
 * (its mean set to exactly 0), pi = each cluster's share of the weights, sigma = each cluster's spread.
 * `empirical` keeps the k-means means and mixing weights but gives every component the same sigma, the
 * layer's weight standard deviation divided by K (about half the spacing of evenly spread centres), for
 * layers whose clusters are too tight for the spread to be a useful width.
 */
export function initMixture(weights: Float32Array, k: number, init: MixtureInit = 'kmeans'): Mixture {
  const clusters = kmeans1d(weights, k);
  let zero = 0;
  for (let j = 1; j < k; j++) if (Math.abs(clusters.centers[j]!) < Math.abs(clusters.centers[zero]!)) zero = j;
  const order = [zero, ...Array.from({ length: k }, (_, j) => j).filter((j) => j !== zero)];
  const n = weights.length;
  let mean = 0;
  for (const w of weights) mean += w;
  mean /= n;
  let variance = 0;
  for (const w of weights) variance += (w - mean) ** 2;
  const layerStd = Math.sqrt(variance / n);
  // A cluster with one value (or none) has no spread; it borrows a width from the layer so its Gaussian
  // is not a spike that no weight can move into.
  const fallback = Math.max(MIN_SIGMA, layerStd / k);
  const mu = Float32Array.from(order, (j, i) => (i === 0 ? 0 : clusters.centers[j]!));
  const sigma = Float32Array.from(order, (j) => (init === 'empirical' ? fallback : Math.max(clusters.spreads[j]!, fallback / 4, MIN_SIGMA)));
  const pi = Float32Array.from(order, (j) => Math.max(clusters.counts[j]! / n, 1 / n));
  return { mu, sigma, pi };
}

/**
 * DGMS step 4 (methods.md section 2): the log of pi_hat_k N(w | mu_k, sigma_k) up to a constant shared
 * by every k, so that a softmax over k gives the responsibilities r_k(w) without underflow when sigma is
 * small.
 */
function logJoint(w: number, m: Mixture, logPi: Float64Array, k: number): number {
  const z = (w - m.mu[k]!) / m.sigma[k]!;
  return logPi[k]! - Math.log(m.sigma[k]!) - 0.5 * z * z;
}

function logMixing(m: Mixture): Float64Array {
  const abs = Float64Array.from(m.pi, (p) => Math.abs(p) + PI_EPS);
  const total = abs.reduce((a, b) => a + b, 0);
  return abs.map((p) => Math.log(p / total));
}

/** DGMS step 5: the argmax component of each weight (the argmax of r_k, hence also of softmax(r / tau)). */
export function hardAssignments(weights: Float32Array, m: Mixture): Uint16Array {
  const logPi = logMixing(m);
  const k = m.mu.length;
  const out = new Uint16Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = logJoint(weights[i]!, m, logPi, j);
      if (v > bestValue) [bestValue, best] = [v, j];
    }
    out[i] = best;
  }
  return out;
}

/** The inference weights: mu of each weight's argmax component, exactly 0 for component 0. */
export function hardWeights(weights: Float32Array, m: Mixture): { values: Float32Array; assignments: Uint16Array } {
  const assignments = hardAssignments(weights, m);
  return { values: Float32Array.from(assignments, (a) => (a === 0 ? 0 : m.mu[a]!)), assignments };
}

/** DGMS step 4 in TypeScript: the same soft weights the training graph computes (for soft accuracy). */
export function softWeights(weights: Float32Array, m: Mixture, tau: number): Float32Array {
  const logPi = logMixing(m);
  const k = m.mu.length;
  const out = new Float32Array(weights.length);
  const r = new Float64Array(k);
  for (let i = 0; i < weights.length; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, (r[j] = logJoint(weights[i]!, m, logPi, j)));
    let z = 0;
    for (let j = 0; j < k; j++) z += (r[j] = Math.exp(r[j]! - max));
    // a = softmax(r / tau); r is in [0, 1], so exp((r - max r) / tau) cannot overflow.
    let rMax = 0;
    for (let j = 0; j < k; j++) rMax = Math.max(rMax, (r[j] = r[j]! / z));
    let za = 0;
    let w = 0;
    for (let j = 0; j < k; j++) {
      const a = Math.exp((r[j]! - rMax) / tau);
      za += a;
      if (j > 0) w += a * m.mu[j]!;
    }
    out[i] = w / za;
  }
  return out;
}

/** Names of the mixture parameters of a layer on the training graph. */
export function mixtureParamNames(layer: string): { mu: string; sigma: string; pi: string; tau: string } {
  return { mu: `${layer}.gm_mu`, sigma: `${layer}.gm_sigma`, pi: `${layer}.gm_pi`, tau: `${layer}.gm_tau` };
}

/** Is this a mixture parameter (rather than one of the model's own)? */
export const isMixtureParam = (name: string): boolean => /\.gm_(mu|sigma|pi|tau)$/.test(name);

/**
 * Records DGMS step 4 on the training graph for one layer: the mixture parameters become trainable
 * parameters of `g`, and the returned tensor (the soft weight, the weight's shape) replaces the weight.
 * mu is a [K] parameter multiplied by a constant [0, 1, ..., 1], so component 0's mean has no gradient
 * and stays exactly 0.
 */
export function softWeightGraph(g: GraphBuilder, layer: string, weight: Tensor, m: Mixture, tau: { value: number; learned: boolean }): Tensor {
  const k = m.mu.length;
  const names = mixtureParamNames(layer);
  const muMask = g.constant(Float32Array.from({ length: k }, (_, j) => (j === 0 ? 0 : 1)), [k]);
  const mu = F.mul(g.param(names.mu, [k], Float32Array.from(m.mu)), muMask);
  const sigma = g.param(names.sigma, [k], Float32Array.from(m.sigma));
  const piAbs = F.add(F.abs(g.param(names.pi, [k], Float32Array.from(m.pi))), PI_EPS);
  const logPi = F.sub(F.log(piAbs), F.log(F.sum(piAbs, [0], true)));
  const w = F.reshape(weight, [weight.size, 1]);
  const z = F.div(F.sub(w, mu), sigma);
  const logits = F.sub(F.sub(logPi, F.log(sigma)), F.mul(F.square(z), 0.5));
  const r = F.softmax(logits, -1);
  const t = tau.learned ? g.param(names.tau, [1], Float32Array.of(tau.value)) : g.scalar(tau.value);
  const a = F.softmax(F.div(r, t), -1);
  const soft = F.matmul(a, F.reshape(mu, [k, 1]));
  return F.reshape(soft, weight.shape);
}

/** Reads a layer's mixture back from trained parameters. */
export function mixtureFromParams(params: Record<string, Float32Array> | ReadonlyMap<string, Float32Array>, layer: string): Mixture {
  const names = mixtureParamNames(layer);
  const get = (name: string): Float32Array => {
    const v = params instanceof Map ? params.get(name) : (params as Record<string, Float32Array>)[name];
    if (!v) throw new Error(`no mixture parameter ${name}`);
    return v;
  };
  const mu = Float32Array.from(get(names.mu));
  mu[0] = 0;
  return { mu, sigma: Float32Array.from(get(names.sigma)), pi: Float32Array.from(get(names.pi)) };
}

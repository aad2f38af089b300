// Generator evaluation: a student (and its teacher) on a paired test set. Against the target: PSNR,
// SSIM, L1, per-band Haar error; against the teacher: per-band error; the high-frequency energy
// ratio E_HF(student) / E_HF(teacher) (WKD's diagnosis: small generators lose high frequencies); the
// radially averaged power spectrum of each; and, with a classifier, the Frechet distance of each
// output set to the targets in the classifier's feature space (FID's construction with a classifier
// trained on this data in place of Inception, the usual way GAN quality is reported on small data).
import type { Dataset } from '../data/dataset.ts';
import { dwtBandErrors, haarDwt2d, maxHaarLevels, meanSquaredError, psnrFromMse, ssim, type BandErrors } from '../model/image-metrics.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { countMacs, exportOnnx } from '../model/export.ts';
import { measureLatency } from '../model/latency.ts';
import { buildModelGraph, parameterCount, type Model } from '../model/model.ts';
import { frechetDistance, gaussianOf } from './frechet.ts';
import { toUnit } from '../ort/batches.ts';
import { ModelRunner, normalizedPixels } from './generator-runner.ts';

export interface GeneratorScores {
  psnr: number;
  ssim: number;
  l1: number;
  /** Haar band errors against the target, per level (level 1 finest), averaged over images. */
  bands: BandErrors[];
  /** Sum over levels of the LH + HL + HH errors against the target. */
  hfError: number;
  /** Mean over images of the detail-band energy: sum over levels and bands of the mean squared coefficient. */
  hfEnergy: number;
  /** log10 radially averaged power spectrum, bin r = 0 .. min(h, w) / 2. */
  spectrum: number[];
  /** Frechet distance to the targets in the classifier's feature space (with a classifier). */
  frechet?: number;
  /** The outputs in [0, 1], [count, c, h, w]. */
  outputs: Float32Array;
}

export interface GeneratorEvaluation {
  count: number;
  levels: number;
  student: GeneratorScores;
  teacher?: GeneratorScores;
  /** Student against teacher, per level. */
  bandsVsTeacher?: BandErrors[];
  hfErrorVsTeacher?: number;
  hfEnergyRatio?: number;
  /** The targets' own spectrum, for the plot. */
  targetSpectrum: number[];
  /** Frechet distance of the inputs to the targets (how far the task starts), with a classifier. */
  inputFrechet?: number;
}

export interface EvaluateGeneratorsOptions {
  teacher?: Model;
  classifier?: Model;
  /** Haar levels; default 3 or fewer when the images are small. */
  levels?: number;
  /** Evaluate the first this many test images (0: all). */
  maxImages?: number;
  batch?: number;
  signal?: AbortSignal;
  progress?: (fraction: number, message: string) => void;
}

const highBands = (b: BandErrors[]) => b.reduce((s, l) => s + l.lh + l.hl + l.hh, 0);

function detailEnergy(image: Float32Array, shape: readonly [number, number, number], levels: number): number {
  const [c, h, w] = shape;
  let e = 0;
  for (let ch = 0; ch < c; ch++)
    for (const l of haarDwt2d(image.subarray(ch * h * w, (ch + 1) * h * w), h, w, levels))
      for (const band of [l.lh, l.hl, l.hh]) {
        let s = 0;
        for (const v of band) s += v * v;
        e += s / band.length / c;
      }
  return e;
}

/** log10 of the power spectrum averaged over images, channels and rings of equal radius. */
export function radialSpectrum(images: Float32Array, count: number, shape: readonly [number, number, number]): number[] {
  const [c, h, w] = shape;
  const bins = Math.floor(Math.min(h, w) / 2) + 1;
  const power = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const cosW = Float64Array.from({ length: w * w }, (_, i) => Math.cos((2 * Math.PI * Math.floor(i / w) * (i % w)) / w));
  const sinW = Float64Array.from({ length: w * w }, (_, i) => Math.sin((2 * Math.PI * Math.floor(i / w) * (i % w)) / w));
  const cosH = Float64Array.from({ length: h * h }, (_, i) => Math.cos((2 * Math.PI * Math.floor(i / h) * (i % h)) / h));
  const sinH = Float64Array.from({ length: h * h }, (_, i) => Math.sin((2 * Math.PI * Math.floor(i / h) * (i % h)) / h));
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let p = 0; p < count * c; p++) {
    const plane = images.subarray(p * h * w, (p + 1) * h * w);
    // Rows first (over x), then columns (over y): a separable DFT.
    for (let y = 0; y < h; y++)
      for (let u = 0; u < w; u++) {
        let [r, i] = [0, 0];
        for (let x = 0; x < w; x++) {
          const v = plane[y * w + x]!;
          r += v * cosW[u * w + x]!;
          i -= v * sinW[u * w + x]!;
        }
        re[y * w + u] = r;
        im[y * w + u] = i;
      }
    for (let v = 0; v < h; v++)
      for (let u = 0; u < w; u++) {
        let [r, i] = [0, 0];
        for (let y = 0; y < h; y++) {
          const cr = cosH[v * h + y]!;
          const ci = -sinH[v * h + y]!;
          r += re[y * w + u]! * cr - im[y * w + u]! * ci;
          i += re[y * w + u]! * ci + im[y * w + u]! * cr;
        }
        const fy = v <= h / 2 ? v : h - v;
        const fx = u <= w / 2 ? u : w - u;
        const bin = Math.round(Math.hypot(fx, fy));
        if (bin < bins) {
          power[bin] += (r * r + i * i) / (h * w);
          hits[bin]++;
        }
      }
  }
  return Array.from(power, (p, b) => Math.log10(p / Math.max(1, hits[b]!) + 1e-12));
}

async function classifierFeatures(classifier: Model, images: Float32Array, count: number, signal?: AbortSignal): Promise<{ mean: Float64Array; cov: Float64Array }> {
  const runner = await ModelRunner.create(classifier, Math.min(64, count), 'features');
  // The images are in [0, 1]; the classifier reads (v - mean) / std per channel.
  const [c, h, w] = classifier.meta.inputShape;
  const { mean, std } = classifier.meta.normalize;
  const normalized = images.map((v, k) => {
    const ch = Math.floor(k / (h * w)) % c;
    return (v - (mean[ch] ?? mean[0] ?? 0)) / (std[ch] ?? std[0] ?? 1);
  });
  const features = await runner.run(normalized, count, signal);
  return gaussianOf(features, count, runner.outputSize);
}

/** Why `classifier` cannot score outputs of `shape`, or undefined. */
export function classifierProblem(classifier: Model, shape: readonly number[]): string | undefined {
  if (classifier.meta.task !== 'classify') return `${classifier.name} is a ${classifier.meta.task} model; the Frechet distance needs a classifier`;
  if (classifier.meta.inputShape.join('x') !== shape.join('x')) return `${classifier.name} reads ${classifier.meta.inputShape.join('x')} images but the generators make ${shape.join('x')} ones`;
  return undefined;
}

export async function evaluateGenerators(student: Model, test: Dataset, options: EvaluateGeneratorsOptions = {}): Promise<GeneratorEvaluation> {
  if (!test.targets || !test.targetShape) throw new Error(`${test.name} has no target images`);
  const shape = test.targetShape;
  const [c, h, w] = shape;
  const size = c * h * w;
  const count = options.maxImages ? Math.min(options.maxImages, test.count) : test.count;
  const levels = options.levels ?? Math.min(3, maxHaarLevels(h, w));
  const batch = options.batch ?? 32;
  const targets = Float32Array.from(test.targets.subarray(0, count * size), (v) => v / 255);
  const inputs01 = Float32Array.from(test.pixels.subarray(0, count * test.shape[0] * test.shape[1] * test.shape[2]), (v) => v / 255);
  const realFeatures = options.classifier ? await classifierFeatures(options.classifier, targets, count, options.signal) : undefined;

  const score = async (model: Model, share: number): Promise<GeneratorScores> => {
    const runner = await ModelRunner.create(model, Math.min(batch, count));
    const outputs = toUnit(await runner.run(normalizedPixels(test.pixels, test.shape, count, model.meta.normalize), count, options.signal), shape, model.meta.normalize);
    let [psnrSum, ssimSum, l1Sum, energy] = [0, 0, 0, 0];
    const bands = Array.from({ length: levels }, (_, i) => ({ level: i + 1, lh: 0, hl: 0, hh: 0, ll: 0 }));
    for (let i = 0; i < count; i++) {
      const o = outputs.subarray(i * size, (i + 1) * size);
      const t = targets.subarray(i * size, (i + 1) * size);
      psnrSum += psnrFromMse(meanSquaredError(o, t));
      ssimSum += ssim(o, t, shape);
      for (let k = 0; k < size; k++) l1Sum += Math.abs(o[k]! - t[k]!);
      dwtBandErrors(o, t, shape, levels).forEach((e, l) => {
        for (const b of ['lh', 'hl', 'hh', 'll'] as const) bands[l]![b] += e[b] / count;
      });
      energy += detailEnergy(o, shape, levels) / count;
    }
    options.progress?.(share, `scored ${model.name}`);
    const frechet = options.classifier && realFeatures ? frechetDistance(await classifierFeatures(options.classifier, outputs, count, options.signal), realFeatures) : undefined;
    return { psnr: psnrSum / count, ssim: ssimSum / count, l1: l1Sum / (count * size), bands, hfError: highBands(bands), hfEnergy: energy, spectrum: radialSpectrum(outputs, count, shape), outputs, ...(frechet !== undefined ? { frechet } : {}) };
  };

  const studentScores = await score(student, 0.5);
  const out: GeneratorEvaluation = { count, levels, student: studentScores, targetSpectrum: radialSpectrum(targets, count, shape) };
  if (options.teacher) {
    const teacher = await score(options.teacher, 0.9);
    const vs = Array.from({ length: levels }, (_, i) => ({ level: i + 1, lh: 0, hl: 0, hh: 0, ll: 0 }));
    for (let i = 0; i < count; i++)
      dwtBandErrors(studentScores.outputs.subarray(i * size, (i + 1) * size), teacher.outputs.subarray(i * size, (i + 1) * size), shape, levels).forEach((e, l) => {
        for (const b of ['lh', 'hl', 'hh', 'll'] as const) vs[l]![b] += e[b] / count;
      });
    Object.assign(out, { teacher, bandsVsTeacher: vs, hfErrorVsTeacher: highBands(vs), hfEnergyRatio: studentScores.hfEnergy / teacher.hfEnergy });
  }
  if (options.classifier && realFeatures && test.shape.join('x') === shape.join('x')) out.inputFrechet = frechetDistance(await classifierFeatures(options.classifier, inputs01, count, options.signal), realFeatures);
  return out;
}

export interface ModelCost {
  parameters: number;
  macs: number;
  /** Median onnxruntime latency of one image, ms (absent when not measured). */
  latencyMs?: number;
}

/** Parameters, MACs of one image, and the measured onnxruntime latency of the exported model. */
export async function modelCost(model: Model, options: { latencyRuns?: number; signal?: AbortSignal } = {}): Promise<ModelCost> {
  const g = new GraphBuilder({ training: false });
  buildModelGraph(model, g, { batch: 1, training: false });
  const cost: ModelCost = { parameters: parameterCount(model), macs: countMacs(g) };
  if (options.latencyRuns) cost.latencyMs = (await measureLatency(exportOnnx(model), model.meta.inputShape, [1], options.latencyRuns, { signal: options.signal, intraOpThreads: 1 }))[1];
  return cost;
}

// Calibrator domain adaptation (Ye et al. 2019, arXiv 1911.12796; methods.md section 7) on the fit loop.
// The source classifier P stays frozen; a small generator C (calibrator-net.ts) learns a bounded
// perturbation per input so that P's view of calibrated target images looks like its view of source
// images, judged by two 4-way discriminators (discriminators.ts). No target label is used.
//
//   source x_s ──────────────┬──────────────> P ─ softmax ─> DF   (group 0)
//   target x_t ──────────────┼──────────────> P ─ softmax ─> DF   (group 1)
//   x_t ─> C ─> x'_t = clamp(x_t + p_t) ────> P ─ softmax ─> DF   (group 2)
//   x_s ─> C ─> x'_s = clamp(x_s + p_s) ────> P ─ softmax ─> DF   (group 3)
//   each image ─> one shuffled patch ──────────────────────> DP   (same groups)
//
//   D step:  L_D   = sum over DF, DP and the 4 groups of CE(D(group), group id)
//   C step:  L_cal = wt CE(DP(x'_t), 0) + ws CE(DP(x'_s), 0) + wt CE(DF(x'_t), 0) + ws CE(DF(x'_s), 0)
//
// One D step then one C step per batch, Adam (0.9, 0.999) at a constant rate; the last epoch is kept.
// classifierMode `eval`: P's batch norm uses its source statistics throughout (the paper). `train`: P's
// batch norm normalises each group by its batch statistics and its running statistics follow the
// batches, as the authors' code runs it; the adapted statistics are then part of the result. The
// groups are recorded so that the calibrated target comes last: the running statistics follow the
// images the deployed model will read.
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { encodeModel } from '../onnx/model.ts';
import { classifyBatch, toUnit } from '../ort/batches.ts';
import { CompiledFunction, type ModelState } from '../ort/compiled-graph.ts';
import { Adam } from '../ort/optimizers.ts';
import { asModelInput } from '../model/evaluate.ts';
import { countMacs } from '../model/export.ts';
import { buildModelGraph, importOnnxModel, inputContractOf, modelStateOf, type Model } from '../model/model.ts';
import { fit, type EpochHook, type FitEpoch, type FitHooks, type StateSnapshot } from '../train/fit.ts';
import { classifyStream } from '../train/streams.ts';
import { calibrate, calibratorValues, type CalibratorShape } from './calibrator-net.ts';
import { featureDiscriminator, GROUPS, patchStream, pixelDiscriminator, shuffledPatch } from './discriminators.ts';

export const CLASSIFIER_MODES = ['eval', 'train'] as const;
export type ClassifierMode = (typeof CLASSIFIER_MODES)[number];

export interface CalibratorConfig extends CalibratorShape {
  /** L-inf bound of the perturbation in the [-1, 1] pixel scale, in (0, 2]. */
  eps: number;
  /** Side of the pixel discriminator's square patch (4 or 8 in the paper). */
  patch: number;
  /** Weight of the calibrated-target terms of L_cal (1.0). */
  targetWeight: number;
  /** Weight of the calibrated-source terms of L_cal (0.1). */
  sourceWeight: number;
  classifierMode: ClassifierMode;
  epochs: number;
  batchSize: number;
  /** Steps per epoch; 0: one pass over the target train images. */
  stepsPerEpoch: number;
  lr: number;
  weightDecay: number;
  seed: number;
}

/** The authors' MNIST <-> USPS settings (methods.md 7, step 5), eps between their 0.4 and 0.9. */
export const CALIBRATOR_DEFAULTS: CalibratorConfig = {
  eps: 0.5,
  width: 8,
  blocks: 9,
  dropout: 0.05,
  perturbation: 'signed',
  patch: 4,
  targetWeight: 1,
  sourceWeight: 0.1,
  classifierMode: 'eval',
  epochs: 5,
  batchSize: 128,
  stepsPerEpoch: 0,
  lr: 1e-4,
  weightDecay: 5e-4,
  seed: 0,
};

/** What is wrong with a config, by param (before anything is built). */
export function calibratorConfigProblems(c: CalibratorConfig, shape?: readonly [number, number, number]): { param: keyof CalibratorConfig; message: string }[] {
  const out: { param: keyof CalibratorConfig; message: string }[] = [];
  if (!(c.eps > 0 && c.eps <= 2)) out.push({ param: 'eps', message: `eps must be in (0, 2] (the perturbation bound in the [-1, 1] pixel scale), got ${c.eps}` });
  if (shape && (c.patch > shape[1] || c.patch > shape[2])) out.push({ param: 'patch', message: `a ${c.patch}x${c.patch} patch does not fit ${shape[1]}x${shape[2]} images` });
  if (shape && (shape[1] % 4 || shape[2] % 4)) out.push({ param: 'width', message: `the calibrator halves the image twice: height and width must be divisible by 4, the images are ${shape[1]}x${shape[2]}` });
  return out;
}

const CAL = 'C';
const CLS = 'P';
const paramsOf = (g: GraphBuilder, ...scopes: string[]) => [...g.params.keys()].filter((n) => scopes.some((s) => n.startsWith(`${s}/`)));

/** Int64 labels [n] all equal to `group`. */
const groupLabels = (g: GraphBuilder, n: number, group: number): Tensor => g.constant(new Array<number>(n).fill(group), [n], 'int64');

export interface CalibratorRun {
  classifier: Model;
  sourceTrain: Dataset;
  /** Target images; their labels are never read. */
  targetTrain: Dataset;
  config: CalibratorConfig;
  epochHooks?: readonly EpochHook[];
}

export interface CalibratorTraining {
  /** The calibrator's trained parameters by its own names. */
  calibrator: Record<string, Float32Array>;
  /** The classifier after calibration: its weights unchanged; in `train` mode its adapted batch-norm statistics. */
  classifier: Model;
  epochs: FitEpoch[];
  steps: number;
  seconds: number;
}

/** Trains the calibrator against the frozen classifier (both objectives on the fit loop). */
export async function trainCalibrator(run: CalibratorRun, hooks: FitHooks = {}): Promise<CalibratorTraining> {
  const { classifier, config } = run;
  const started = performance.now();
  const B = config.batchSize;
  const shape = classifier.meta.inputShape;
  const [c, h, w] = shape;
  const trainMode = config.classifierMode === 'train';
  const norm = classifier.meta.normalize;
  const g = new GraphBuilder({ seed: config.seed, training: true });
  const xs = g.input('source', [B, c, h, w]);
  const xt = g.input('target', [B, c, h, w]);
  const index = g.input('patch_index', [c * config.patch * config.patch], 'int64');

  const calOptions = { scope: CAL, training: true, eps: config.eps, normalize: norm };
  const calT = calibrate(g, xt, config, calOptions);
  const calS = calibrate(g, xs, config, { ...calOptions, reuse: true });

  // The four groups in GROUPS order; P recorded once per group (its own batch statistics in train mode),
  // the calibrated target last (see the header).
  const images: Tensor[] = [xs, xt, calT.calibrated, calS.calibrated];
  const order = [0, 1, 3, 2];
  const probs: Tensor[] = new Array(4);
  order.forEach((k, i) => {
    const logits = buildModelGraph(classifier, g, { batch: B, training: trainMode, input: images[k]!, scope: CLS, reuse: i > 0 }).logits;
    probs[k] = F.softmax(logits, 1);
  });
  const feat = featureDiscriminator(F.concat(probs, 0), { training: true });
  const pix = pixelDiscriminator(F.concat(images.map((x) => shuffledPatch(x, index)), 0), {});
  const part = (logits: Tensor, k: number) => F.slice(logits, [k * B], [(k + 1) * B], [0]);

  let dLoss: Tensor | undefined;
  const dMetrics: Record<string, Tensor> = {};
  GROUPS.forEach((group, k) => {
    const labels = groupLabels(g, B, k);
    const term = F.add(F.crossEntropy(part(feat, k), labels), F.crossEntropy(part(pix, k), labels));
    dLoss = dLoss ? F.add(dLoss, term) : term;
    dMetrics[`feature_d_accuracy_${group}`] = F.accuracy(part(feat, k), labels);
    dMetrics[`pixel_d_accuracy_${group}`] = F.accuracy(part(pix, k), labels);
  });
  const source = groupLabels(g, B, 0);
  const fooled = (logits: Tensor, k: number) => F.crossEntropy(part(logits, k), source);
  const calLoss = F.add(
    F.mul(F.add(fooled(pix, 2), fooled(feat, 2)), config.targetWeight),
    F.mul(F.add(fooled(pix, 3), fooled(feat, 3)), config.sourceWeight),
  );
  const calMetrics = {
    perturbation_linf: F.max(calT.perturbation),
    perturbation_mean: F.mean(calT.perturbation),
  };

  const rng = createRng(config.seed + 17);
  const targetStream = classifyStream(run.targetTrain, { batch: B, rng, normalize: norm, names: { images: 'target', labels: 'target_labels_unused' } });
  const sourceStream = classifyStream(run.sourceTrain, { batch: B, rng: createRng(config.seed + 29), normalize: norm, names: { images: 'source', labels: 'source_labels_unused' } });
  const patches = patchStream('patch_index', shape, config.patch, createRng(config.seed + 41));
  const optimizer = () => new Adam({ learningRate: config.lr, beta1: 0.9, beta2: 0.999, weightDecay: config.weightDecay });
  const r = await fit(
    {
      graph: g,
      objectives: [
        { name: 'D', loss: dLoss!, params: paramsOf(g, 'DF', 'DP'), optimizer: optimizer(), metrics: dMetrics },
        { name: 'calibrator', loss: calLoss, params: paramsOf(g, CAL), optimizer: optimizer(), metrics: calMetrics },
      ],
      streams: { target: targetStream, source: sourceStream, patch: patches },
      epochs: config.epochs,
      ...(config.stepsPerEpoch > 0 && { stepsPerEpoch: config.stepsPerEpoch }),
      compile: { seed: config.seed },
      epochHooks: run.epochHooks,
    },
    hooks,
  );
  const adapted: Model = trainMode ? { ...classifier, ...modelStateOf(classifier, r.state, CLS) } : classifier;
  return { calibrator: calibratorValues(r.state.params, CAL), classifier: adapted, epochs: r.epochs, steps: r.steps, seconds: (performance.now() - started) / 1000 };
}

/**
 * Calibrator and classifier as one eval-mode graph on `input` [batch, c, h, w] (the classifier's
 * normalisation): the calibrated logits, the raw logits and the perturbation.
 */
function recordCombined(classifier: Model, calibrator: Readonly<Record<string, Float32Array>>, config: CalibratorShape & { eps: number }, batch: number, g: GraphBuilder) {
  const [c, h, w] = classifier.meta.inputShape;
  const input = g.input('input', [batch, c, h, w]);
  const cal = calibrate(g, input, config, { scope: CAL, training: false, values: calibrator, eps: config.eps, normalize: classifier.meta.normalize });
  const logits = buildModelGraph(classifier, g, { batch, training: false, input: cal.calibrated, scope: CLS }).logits;
  return { input, logits, perturbation: cal.perturbation, calibrated: cal.calibrated };
}

/**
 * The deployable result: calibrator + classifier in one ONNX graph (input `input`, output `logits`),
 * returned as a Model like any imported classifier, so evaluation, Export and the deployer take it.
 */
export function combinedModel(classifier: Model, calibrator: Readonly<Record<string, Float32Array>>, config: CalibratorShape & { eps: number }): Model {
  const g = new GraphBuilder({ training: false });
  const { logits } = recordCombined(classifier, calibrator, config, 1, g);
  const name = `calibrated ${classifier.name}`;
  const proto = g.toModel({
    outputs: { logits },
    state: 'initializers',
    dynamicBatch: 'N',
    graphName: name,
    docString: `${name}: the input calibrator (eps ${config.eps}) and the frozen ${classifier.name} in one graph, exported by Condense`,
    metadata: {
      'condense.input': JSON.stringify(inputContractOf(classifier, 'input', 'logits')),
      'condense.lineage': JSON.stringify(classifier.meta.lineage),
    },
  });
  const model = importOnnxModel(encodeModel(proto), name, { shape: classifier.meta.inputShape, classes: classifier.meta.classes, normalize: classifier.meta.normalize });
  return { ...model, meta: { ...model.meta, lineage: [...classifier.meta.lineage] } };
}

/** Multiply-accumulates per image of the classifier alone and of calibrator + classifier. */
export function inferenceMacs(classifier: Model, calibrator: Readonly<Record<string, Float32Array>>, config: CalibratorShape & { eps: number }): { classifier: number; combined: number } {
  const alone = new GraphBuilder({ training: false });
  buildModelGraph(classifier, alone, { batch: 1, training: false });
  const both = new GraphBuilder({ training: false });
  recordCombined(classifier, calibrator, config, 1, both);
  return { classifier: countMacs(alone), combined: countMacs(both) };
}

export interface CalibratedEvaluation {
  count: number;
  /** Accuracy of the classifier on the calibrated images. */
  accuracy: number;
  predictions: Int32Array;
  /** Mean over images of the per-image L-inf and L2 norms of the perturbation ([-1, 1] scale). */
  linf: number;
  l2: number;
  /** The first `keep` images' perturbations ([-1, 1] scale) and calibrated pixels (0..255). */
  perturbations: Float32Array;
  calibratedPixels: Uint8Array;
}

/**
 * Evaluates calibrator + classifier from a training state (the epoch hooks' snapshots) or trained
 * values: one compiled eval-mode function at a fixed batch size, the last batch padded.
 */
export class CalibratedEvaluator {
  private constructor(
    private readonly fn: CompiledFunction,
    private readonly classifier: Model,
    private readonly batch: number,
  ) {}

  static async create(classifier: Model, config: CalibratorShape & { eps: number }, batch = 128): Promise<CalibratedEvaluator> {
    const g = new GraphBuilder({ training: false });
    const { logits, perturbation, calibrated } = recordCombined(classifier, {}, config, batch, g);
    return new CalibratedEvaluator(await CompiledFunction.compile(g, { logits, perturbation, calibrated }, { optimizationLevel: 'extended' }), classifier, batch);
  }

  /** State from trained values: calibrator by its own names, classifier params and buffers (its own names). */
  static stateOf(calibrator: Readonly<Record<string, Float32Array>>, classifier: Model): ModelState {
    const params = new Map<string, Float32Array>();
    const buffers = new Map<string, Float32Array>();
    for (const [k, v] of Object.entries(calibrator)) params.set(`${CAL}/${k}`, v);
    for (const [k, v] of Object.entries(classifier.params)) params.set(`${CLS}/${k}`, v);
    for (const [k, v] of Object.entries(classifier.buffers)) buffers.set(`${CLS}/${k}`, v);
    return { params, buffers } as ModelState;
  }

  static fromSnapshot(s: StateSnapshot): ModelState {
    return { params: new Map(Object.entries(s.params)), buffers: new Map(Object.entries(s.buffers)) } as ModelState;
  }

  async evaluate(state: ModelState, data: Dataset, options: { count?: number; keep?: number; signal?: AbortSignal } = {}): Promise<CalibratedEvaluation> {
    const count = Math.min(data.count, options.count ?? data.count);
    const keep = Math.min(count, options.keep ?? 0);
    const k = this.classifier.meta.classes.length;
    const [c, h, w] = this.classifier.meta.inputShape;
    const size = c * h * w;
    const input = asModelInput(this.classifier, data);
    const predictions = new Int32Array(count);
    const perturbations = new Float32Array(keep * size);
    const calibratedPixels = new Uint8Array(keep * size);
    let hits = 0;
    let linf = 0;
    let l2 = 0;
    for (let start = 0; start < count; start += this.batch) {
      options.signal?.throwIfAborted();
      const real = Math.min(this.batch, count - start);
      const indices = Int32Array.from({ length: this.batch }, (_, i) => start + Math.min(i, real - 1));
      const out = await this.fn.run(state, { input: classifyBatch(input, indices).images });
      const logits = out.logits!.values as Float32Array;
      const p = out.perturbation!.values as Float32Array;
      const z = out.calibrated!.values as Float32Array;
      for (let i = 0; i < real; i++) {
        let arg = 0;
        for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + arg]!) arg = j;
        predictions[start + i] = arg;
        if (arg === data.labels[start + i]) hits++;
        let mx = 0;
        let sq = 0;
        for (let e = i * size; e < (i + 1) * size; e++) {
          mx = Math.max(mx, Math.abs(p[e]!));
          sq += p[e]! * p[e]!;
        }
        linf += mx;
        l2 += Math.sqrt(sq);
        const n = start + i;
        if (n < keep) {
          perturbations.set(p.subarray(i * size, (i + 1) * size), n * size);
          const unit = toUnit(z.subarray(i * size, (i + 1) * size), [c, h, w], this.classifier.meta.normalize);
          calibratedPixels.set(Uint8Array.from(unit, (v) => Math.round(v * 255)), n * size);
        }
      }
    }
    return { count, accuracy: count ? hits / count : NaN, predictions, linf: count ? linf / count : NaN, l2: count ? l2 / count : NaN, perturbations, calibratedPixels };
  }
}

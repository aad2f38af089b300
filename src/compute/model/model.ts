// The `Model` value that flows on Model edges: an architecture spec, its parameters and buffers by
// name, and what a downstream node or another runtime needs to use it (task, input contract,
// classes, lineage, compression state). Plain objects and typed arrays only, so node:v8 serialises
// it into the engine's object store unchanged.

import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { importModel } from '../graph/import-onnx.ts';
import { mul } from '../graph/ops/elementwise.ts';
import { decodeModel, type ModelProto } from '../onnx/model.ts';
import type { DType, TensorValues } from '../onnx/tensor-data.ts';
import type { Dataset } from '../data/dataset.ts';
import { buildZoo, zooTask, CLASSIFIER_NAMES, ZOO_NAMES, type ZooBuild, type ZooName, type ZooOptions, type ZooTask } from './zoo.ts';

export { CLASSIFIER_NAMES, ZOO_NAMES, zooTask, type ZooName, type ZooOptions, type ZooTask };

export type Architecture =
  | {
      kind: 'zoo';
      name: ZooName;
      width: number;
      options?: ZooOptions;
      /** A multi-head classifier (one head per task on a shared trunk): the classes of each head; `meta.classes` lists them head after head. */
      heads?: number[];
      /** Output channels of layers a shrink removed channels from, by layer name (`conv2`, `layer1.0.conv1`); see prune/shrink.ts. */
      channels?: Record<string, number>;
    }
  /** An imported ONNX graph: the file's bytes (its initializers are the starting weights). */
  | { kind: 'onnx'; bytes: Uint8Array; input: string; output: string; source: string };

/** One stage a model went through: which node, its params in short, the metrics it reported. */
export interface ModelStage {
  node: string;
  params: Record<string, string | number | boolean>;
  metrics: Record<string, number>;
}

/**
 * Compression state. A mask (1 keeps, 0 prunes) multiplies its parameter in every graph built from
 * the model, so a masked weight stays zero through training; exports bake it into the weights.
 * Codebooks keep cluster centres and assignments of a weight-shared parameter.
 */
export interface CompressionState {
  masks: Record<string, Uint8Array>;
  codebooks: Record<string, { centers: Float32Array; assignments: Uint16Array }>;
}

export interface ModelMeta {
  /** classify: class scores. image-to-image: an image (a generator). discriminator: a patch score map. */
  task: ZooTask;
  /** Channels first: [c, h, w]. */
  inputShape: [number, number, number];
  /** Per-sample output shape of image-to-image and discriminator models ([c, h, w]). */
  outputShape?: [number, number, number];
  /** Class names of a classifier; empty for the other tasks. */
  classes: string[];
  /** The model reads (pixel / 255 - mean) / std per channel. */
  normalize: { mean: number[]; std: number[] };
  lineage: ModelStage[];
}

export interface Model {
  kind: 'model';
  name: string;
  architecture: Architecture;
  params: Record<string, Float32Array>;
  buffers: Record<string, Float32Array>;
  meta: ModelMeta;
  compression: CompressionState;
}

export interface BuildOptions {
  batch: number;
  /** Batch norm with batch statistics and running-statistic updates (zoo models). */
  training: boolean;
  /** The input to build on; by default a new float32 input `input` [batch, c, h, w]. */
  input?: Tensor;
  /**
   * Replaces a parameter by a tensor computed from it (and from anything the caller adds to the
   * graph): quantisers, low-rank factors. Applied after the model's own masks.
   */
  parametrize?: (name: string, weight: Tensor) => Tensor;
  /** Leave the compression masks out of the graph (exports bake them into the values instead). */
  skipMasks?: boolean;
  /**
   * Records the model under this scope: its parameters, buffers and default input are named
   * `<scope>/<name>`, so several models (teacher and student, generator and discriminator, two copies
   * of one model) live in one graph without colliding. `parametrize` still sees the model's own names.
   */
  scope?: string;
  /**
   * Records the model once more on the parameters and buffers an earlier build of the same scope
   * declared (a discriminator judging real and then fake images). Needs `input`. Batch-norm running
   * statistics then follow the last recorded application.
   */
  reuse?: boolean;
}

export interface BuiltModel {
  input: Tensor;
  /** The model's output: class scores, a generated image or a patch score map, by task. */
  logits: Tensor;
  /**
   * Every named output: `output` (the logits) and what the architecture exposes (`features` of a zoo
   * classifier, `bottleneck` of a zoo generator).
   */
  outputs: Record<string, Tensor>;
  /**
   * The architecture's own training loss on int64 labels [N], where it has one (MGNet: every glimpse's
   * logits and an auxiliary head). Absent: train on the cross-entropy of `logits`.
   */
  loss?: (labels: Tensor) => Tensor;
}

/** The graph name of a model's parameter, buffer or input under a scope. */
export function scopedName(scope: string | undefined, name: string): string {
  return scope ? `${scope}/${name}` : name;
}

/**
 * A model's parameters and buffers out of a graph's state (its own names, the scope stripped): the
 * values a training run ends with, ready to put back into the Model.
 */
export function modelStateOf(
  model: Model,
  state: { params: ReadonlyMap<string, Float32Array> | Record<string, Float32Array>; buffers: ReadonlyMap<string, unknown> | Record<string, unknown> },
  scope?: string,
): Pick<Model, 'params' | 'buffers'> {
  const get = <T>(from: ReadonlyMap<string, T> | Record<string, T>, name: string): T | undefined =>
    from instanceof Map ? from.get(name) : (from as Record<string, T>)[name];
  const params: Record<string, Float32Array> = {};
  const buffers: Record<string, Float32Array> = {};
  for (const name of Object.keys(model.params)) params[name] = get(state.params, scopedName(scope, name)) ?? model.params[name]!;
  for (const name of Object.keys(model.buffers)) buffers[name] = (get(state.buffers, scopedName(scope, name)) as Float32Array | undefined) ?? model.buffers[name]!;
  return { params, buffers };
}

/**
 * Records the model's forward pass on `g`: parameters and buffers take the model's current values as
 * their initial values (so `initialState(g)` is the model's state), and a downstream node adds its own
 * loss or parametrisation on the returned logits.
 */
export function buildModelGraph(model: Model, g: GraphBuilder, options: BuildOptions): BuiltModel {
  const [c, h, w] = model.meta.inputShape;
  const scope = options.scope;
  if (options.reuse && !options.input) throw new Error(`${model.name}: recording a model again on its parameters (reuse) needs the input tensor`);
  const input = options.input ?? g.input(scopedName(scope, 'input'), [options.batch, c, h, w]);
  const param = (name: string, shape: readonly number[], initial: Parameters<GraphBuilder['param']>[2], dtype?: Parameters<GraphBuilder['param']>[3]): Tensor => {
    const scoped = scopedName(scope, name);
    if (!options.reuse) return g.param(scoped, shape, initial, dtype);
    if (g.kindOf(scoped) !== 'param') throw new Error(`${model.name}: reuse needs an earlier build under scope ${scope ?? '(none)'}; ${scoped} is not a parameter of the graph`);
    return g.tensor(scoped);
  };
  const buffer = (name: string, shape: readonly number[], initial: Parameters<GraphBuilder['buffer']>[2], dtype?: Parameters<GraphBuilder['buffer']>[3]): Tensor => {
    const scoped = scopedName(scope, name);
    return options.reuse && g.kindOf(scoped) === 'buffer' ? g.tensor(scoped) : g.buffer(scoped, shape, initial, dtype);
  };
  const outputs: Record<string, Tensor> = {};
  const wrap = (name: string, t: Tensor): Tensor => {
    const mask = options.skipMasks ? undefined : model.compression.masks[name];
    let out = mask ? mul(t, g.constant(Float32Array.from(mask), t.shape)) : t;
    if (options.parametrize) out = options.parametrize(name, out);
    return out;
  };
  if (model.architecture.kind === 'zoo') {
    let loss: BuiltModel['loss'];
    const build: ZooBuild = {
      g,
      training: options.training,
      param: (name, shape, init) => wrap(name, param(name, shape, model.params[name] ?? init)),
      buffer: (name, shape, init) => buffer(name, shape, model.buffers[name] ?? init),
      classes: model.meta.classes.length,
      width: model.architecture.width,
      outChannels: model.meta.outputShape?.[0] ?? 1,
      options: model.architecture.options ?? {},
      expose: (name, t) => (outputs[name] = t),
      defineLoss: (l) => (loss = l),
      ...(model.architecture.heads && { heads: model.architecture.heads }),
      ...(model.architecture.channels && { channels: model.architecture.channels }),
    };
    const logits = buildZoo(model.architecture.name, input, build);
    return { input, logits, outputs: { ...outputs, output: logits }, ...(loss && { loss }) };
  }
  const logits = replayOnnx(model, g, input, wrap, param, buffer);
  return { input, logits, outputs: { output: logits } };
}

/**
 * Records an imported ONNX graph on `g`: the file is imported into its own builder (opset and
 * attribute conversions happen there), then its nodes are re-recorded here on the given input, with
 * the model's current parameter values.
 */
function replayOnnx(
  model: Model,
  g: GraphBuilder,
  input: Tensor,
  wrap: (name: string, t: Tensor) => Tensor,
  param: (name: string, shape: readonly number[], initial: Float32Array | TensorValues, dtype: DType) => Tensor,
  buffer: (name: string, shape: readonly number[], initial: Float32Array | TensorValues, dtype: DType) => Tensor,
): Tensor {
  if (model.architecture.kind !== 'onnx') throw new Error('not an imported model');
  const arch = model.architecture;
  const imported = importModel(decodeModel(arch.bytes), { shapes: { [arch.input]: [...input.shape] } });
  const src = imported.graph;
  const values = new Map<string, Tensor>([[arch.input, input]]);
  for (const p of src.params.values()) values.set(p.name, wrap(p.name, param(p.name, p.shape, model.params[p.name] ?? p.initial, p.dtype)));
  for (const b of src.buffers.values()) values.set(b.name, buffer(b.name, b.shape, model.buffers[b.name] ?? b.initial, b.dtype));
  const lookup = (name: string): Tensor | null => {
    if (!name) return null;
    const known = values.get(name);
    if (known) return known;
    const constant = src.constantValue(name);
    if (!constant) throw new Error(`imported graph: value ${name} is used before it is defined`);
    const info = src.tensor(name);
    const t = g.constant(constant, info.shape, info.dtype);
    values.set(name, t);
    return t;
  };
  for (const n of src.nodes) {
    const outs = g.node(n.opType, n.inputs.map(lookup), n.attrs, { outputs: n.outputs.length, stopGradient: n.stopGradient });
    n.outputs.forEach((name, i) => values.set(name, outs[i]!));
  }
  const out = imported.outputs[arch.output];
  if (!out) throw new Error(`imported graph has no output ${arch.output}`);
  return lookup(out.name)!;
}

export interface CreateOptions {
  architecture: ZooName;
  width?: number;
  seed?: number;
  /** Sizes of the image architectures (ngf, blocks, depth, ndf, layers) and MGNet's settings. */
  options?: ZooOptions;
}

/** What a model needs to know about the data it will read (`task` and `targetShape` for paired data). */
export type DataContract = Pick<Dataset, 'shape' | 'classes' | 'normalize'> & Partial<Pick<Dataset, 'task' | 'targetShape'>>;

function baseMeta(data: DataContract): ModelMeta {
  return {
    task: 'classify',
    inputShape: [...data.shape],
    classes: [...data.classes],
    normalize: { mean: [...data.normalize.mean], std: [...data.normalize.std] },
    lineage: [],
  };
}

function stateOf(g: GraphBuilder): Pick<Model, 'params' | 'buffers'> {
  const params: Record<string, Float32Array> = {};
  const buffers: Record<string, Float32Array> = {};
  for (const p of g.params.values()) params[p.name] = Float32Array.from(p.initial as Float32Array);
  for (const b of g.buffers.values()) buffers[b.name] = Float32Array.from(b.initial as Float32Array);
  return { params, buffers };
}

/**
 * The meta of a zoo model for the data. A classifier reads the images and predicts the classes; a
 * generator reads the input images of a paired dataset and produces images with the targets' channels;
 * a discriminator judges images of the data's target domain (the targets of a paired dataset, else
 * the images).
 */
function zooMeta(data: DataContract, name: ZooName): ModelMeta {
  const task = zooTask(name);
  const meta = baseMeta(data);
  if (task === 'classify') {
    if (data.classes.length < 2) throw new Error(`a classifier needs at least 2 classes, the data has ${data.classes.length}`);
    return meta;
  }
  const target = data.task === 'paired' ? data.targetShape : undefined;
  if (task === 'image-to-image') {
    if (!target) throw new Error(`${name} is an image-to-image model; it needs a paired dataset (input and target images)`);
    if (target[1] !== data.shape[1] || target[2] !== data.shape[2])
      throw new Error(`${name} keeps the image size, but inputs are ${data.shape.join('x')} and targets ${target.join('x')}`);
    return { ...meta, task, classes: [], outputShape: [...target] };
  }
  return { ...meta, task, classes: [], inputShape: [...(target ?? data.shape)] };
}

/** A zoo model with seeded, untrained weights for data of the given shape (and classes or targets). */
export function createZooModel(data: DataContract, options: CreateOptions): Model {
  const meta = zooMeta(data, options.architecture);
  const architecture: Architecture = { kind: 'zoo', name: options.architecture, width: options.width ?? 1 };
  // Of the classifiers only MGNet reads options (its backbone and glimpses).
  if (meta.task !== 'classify' || options.architecture === 'mgnet') architecture.options = { ...options.options };
  const shell: Model = { kind: 'model', name: options.architecture, architecture, params: {}, buffers: {}, meta, compression: { masks: {}, codebooks: {} } };
  const g = new GraphBuilder({ seed: options.seed ?? 0, training: false });
  const { logits } = buildModelGraph(shell, g, { batch: 1, training: false });
  if (meta.task === 'discriminator') meta.outputShape = logits.shape.slice(1) as [number, number, number];
  return { ...shell, ...stateOf(g) };
}

/**
 * A model from ONNX bytes (one float input [N, C, H, W], one output of class scores). Shape and
 * classes come from the data when given, else from the file (and `condense.input` metadata).
 */
export function importOnnxModel(bytes: Uint8Array, source: string, data?: DataContract): Model {
  const proto: ModelProto = decodeModel(bytes);
  const initializers = new Set(proto.graph.initializer.map((t) => t.name));
  const inputs = proto.graph.input.filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) throw new Error(`expected one input, the file has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  if (proto.graph.output.length < 1) throw new Error('the file declares no output');
  const inputInfo = inputs[0]!;
  const metadata = Object.fromEntries(proto.metadataProps.map((e) => [e.key, e.value]));
  const contract = metadata['condense.input'] ? (JSON.parse(metadata['condense.input']) as Partial<InputContract>) : undefined;
  const dims = inputInfo.shape ?? [];
  if (dims.length !== 4) throw new Error(`input ${inputInfo.name} must be [N, C, H, W], the file says rank ${dims.length}`);
  const fileShape = dims.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : undefined));
  const shape = (data?.shape ?? fileShape) as [number, number, number];
  if (shape.some((d) => d === undefined)) throw new Error(`input ${inputInfo.name} has symbolic image dimensions; connect a dataset to give the shape`);

  const imported = importModel(proto, { shapes: { [inputInfo.name]: [1, ...shape] } });
  const output = proto.graph.output[0]!.name;
  const outShape = imported.outputs[output]!.shape;
  if (outShape.length !== 2) throw new Error(`output ${output} must be class scores [N, K], it is [${outShape.join(', ')}]`);
  const k = outShape[1]!;
  const classes = data?.classes ?? contract?.classes ?? Array.from({ length: k }, (_, i) => String(i));
  if (classes.length !== k) throw new Error(`the model outputs ${k} class scores but the data has ${classes.length} classes`);
  const normalize = data?.normalize ?? { mean: contract?.mean ?? [0], std: contract?.std ?? [1] };
  const state = stateOf(imported.graph);
  const lineage = metadata['condense.lineage'] ? (JSON.parse(metadata['condense.lineage']) as ModelStage[]) : [];
  return {
    kind: 'model',
    name: source.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, ''),
    architecture: { kind: 'onnx', bytes, input: inputInfo.name, output, source },
    ...state,
    meta: { task: 'classify', inputShape: shape, classes: [...classes], normalize, lineage },
    compression: { masks: {}, codebooks: {} },
  };
}

/** The `condense.input` metadata of an exported file: how to feed it raw images. */
export interface InputContract {
  name: string;
  layout: 'NCHW';
  shape: ['N', number, number, number];
  dtype: 'float32';
  /** Multiply 8-bit pixels by this first, then subtract mean and divide by std per channel. */
  valueScale: number;
  mean: number[];
  std: number[];
  classes: string[];
  output: string;
  /** Set for image-to-image and discriminator models. */
  task?: 'image-to-image' | 'discriminator';
  /** Per-sample output shape [c, h, w]; a generator's output is normalised like its input (pixel = (y * std + mean) * 255). */
  outputShape?: [number, number, number];
}

export function inputContractOf(model: Model, inputName: string, outputName: string): InputContract {
  const [c, h, w] = model.meta.inputShape;
  return {
    name: inputName,
    layout: 'NCHW',
    shape: ['N', c, h, w],
    dtype: 'float32',
    valueScale: 1 / 255,
    mean: model.meta.normalize.mean,
    std: model.meta.normalize.std,
    classes: model.meta.classes,
    output: outputName,
    ...(model.meta.task !== 'classify' && { task: model.meta.task, outputShape: model.meta.outputShape }),
  };
}

/** Metric names that measure time (`seconds_per_epoch`, `wall_seconds`, `latency_ms_b1`): they differ from run to run. */
const TIMING_METRIC = /(^|_)(seconds|ms|wall|time)(_|$)/;

/**
 * A copy of the model with a stage appended to its lineage. Timing figures are left out of the stage:
 * the lineage goes into every exported file, and the same graph and seed must give the same bytes.
 * They stay in the node's own Metrics output.
 */
export function withStage(model: Model, stage: ModelStage): Model {
  const metrics = Object.fromEntries(Object.entries(stage.metrics).filter(([name]) => !TIMING_METRIC.test(name)));
  return { ...model, meta: { ...model.meta, lineage: [...model.meta.lineage, { ...stage, metrics }] } };
}

export function parameterCount(model: Model): number {
  return Object.values(model.params).reduce((n, p) => n + p.length, 0);
}

/** Parameters that are not zero after masks. */
export function nonZeroParameterCount(model: Model): number {
  let n = 0;
  for (const [name, p] of Object.entries(model.params)) {
    const mask = model.compression.masks[name];
    for (let i = 0; i < p.length; i++) if (p[i] !== 0 && (!mask || mask[i] !== 0)) n++;
  }
  return n;
}

/** Parameter values with masks applied, as an export or an evaluation sees them. */
export function effectiveParams(model: Model): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, p] of Object.entries(model.params)) {
    const mask = model.compression.masks[name];
    if (!mask) out[name] = p;
    else out[name] = p.map((v, i) => (mask[i] ? v : 0));
  }
  return out;
}

/** Does the dataset fit the model? A sentence saying what differs, or undefined. */
export function dataMismatch(model: Model, data: Pick<Dataset, 'shape' | 'classes' | 'task' | 'name'> & Pick<Partial<Dataset>, 'targetShape'>): string | undefined {
  if (model.meta.task === 'image-to-image') return pairedMismatch(model, data);
  if (model.meta.task === 'discriminator') {
    const images = data.task === 'paired' && data.targetShape ? data.targetShape : data.shape;
    const want = model.meta.inputShape;
    if (images.some((d, i) => d !== want[i]))
      return `${data.name} has ${data.task === 'paired' ? 'target ' : ''}images of ${images.join('x')} but the discriminator judges ${want.join('x')}`;
    return undefined;
  }
  if (data.task !== model.meta.task)
    return `${data.name} is a ${data.task} dataset but the model is a ${model.meta.task} model`;
  const want = model.meta.inputShape;
  if (data.shape.some((d, i) => d !== want[i]))
    return `${data.name} has images of ${data.shape.join('x')} (channels x height x width) but the model expects ${want.join('x')}; set the Dataset's resize/channels params or create the model from this dataset`;
  if (data.classes.length !== model.meta.classes.length)
    return `${data.name} has ${data.classes.length} classes but the model predicts ${model.meta.classes.length}`;
  return undefined;
}

function pairedMismatch(model: Model, data: Pick<Dataset, 'shape' | 'task' | 'name'> & Pick<Partial<Dataset>, 'targetShape'>): string | undefined {
  if (data.task !== 'paired' || !data.targetShape) return `${data.name} is a ${data.task} dataset but the model is an image-to-image model; it needs a paired dataset`;
  const want = model.meta.inputShape;
  if (data.shape.some((d, i) => d !== want[i]))
    return `${data.name} has input images of ${data.shape.join('x')} (channels x height x width) but the model expects ${want.join('x')}; set the Dataset's resize/channels params or create the model from this dataset`;
  const out = model.meta.outputShape;
  if (out && data.targetShape.some((d, i) => d !== out[i])) return `${data.name} has target images of ${data.targetShape.join('x')} but the model produces ${out.join('x')}`;
  return undefined;
}

// Inference ONNX from a Model: eval-mode graph, weights as initializers (masks baked in), a symbolic
// batch dimension, and metadata any runtime can use to feed it raw images (`condense.input`) plus
// where the model came from (`condense.lineage`).

import { GraphBuilder, type GraphNode } from '../graph/graph-builder.ts';
import { encodeModel, type ModelProto, type NodeProto, type TensorProto } from '../onnx/model.ts';
import { tensorProto, tensorValues } from '../onnx/tensor-data.ts';
import { buildModelGraph, effectiveParams, inputContractOf, type Model } from './model.ts';

export interface ExportOptions {
  /** Fold each BatchNormalization that follows a Conv into the Conv's weight and bias. */
  foldBatchNorm?: boolean;
}

export const EXPORT_OUTPUT = 'logits';
/** MGNet's extra outputs: the logits after every glimpse [N, T, classes] and the glimpse boxes [N, T, 4]. */
export const GLIMPSE_LOGITS_OUTPUT = 'glimpse_logits';
export const GLIMPSE_BOXES_OUTPUT = 'glimpse_boxes';

/** The exported graph's output: `logits` for a classifier, `output` for an image or patch-score map. */
export function exportOutputName(model: Model): string {
  return model.meta.task === 'classify' ? EXPORT_OUTPUT : 'output';
}

function describeModel(model: Model): string {
  if (model.meta.task === 'image-to-image') return `image-to-image generator (${model.meta.inputShape.join('x')} to ${model.meta.outputShape?.join('x')})`;
  if (model.meta.task === 'discriminator') return `patch discriminator (${model.meta.inputShape.join('x')} to ${model.meta.outputShape?.join('x')} scores)`;
  return `${model.meta.classes.length}-class image classifier`;
}

/** The inference graph as a ModelProto (see exportOnnx). */
export function exportModelProto(model: Model, options: ExportOptions = {}): ModelProto {
  const masked: Model = { ...model, params: effectiveParams(model) };
  const g = new GraphBuilder({ training: false });
  const inputName = model.architecture.kind === 'onnx' ? model.architecture.input : 'input';
  const [c, h, w] = model.meta.inputShape;
  const input = g.input(inputName, [1, c, h, w]);
  const { logits, outputs: named } = buildModelGraph(masked, g, { batch: 1, training: false, input, skipMasks: true });
  const heads = model.architecture.kind === 'zoo' ? model.architecture.heads : undefined;
  // A multi-head model has one output per head (`task1`, `task2`, ...), each the scores of its own classes.
  const outputs = heads ? Object.fromEntries(heads.map((_, t) => [headOutputName(t), named[`head${t}`]!])) : { [exportOutputName(model)]: logits };
  const outputName = heads ? headOutputName(0) : exportOutputName(model);
  // A model that predicts after every glimpse also gives those predictions and where each glimpse looked,
  // for early exit and for drawing the glimpses; `logits` stays the last glimpse's.
  const glimpsed = model.architecture.kind === 'zoo' && named.glimpse_logits && named.boxes;
  if (glimpsed) Object.assign(outputs, { [GLIMPSE_LOGITS_OUTPUT]: named.glimpse_logits!, [GLIMPSE_BOXES_OUTPUT]: named.boxes! });
  const proto = g.toModel({
    outputs,
    state: 'initializers',
    dynamicBatch: 'N',
    graphName: model.name,
    docString: `${model.name}: ${describeModel(model)} exported by Condense`,
    metadata: {
      'condense.input': JSON.stringify(inputContractOf(model, inputName, outputName)),
      'condense.lineage': JSON.stringify(model.meta.lineage),
      ...(heads && { 'condense.heads': JSON.stringify(headsMetadata(model, heads)) }),
      ...(glimpsed && { 'condense.glimpses': JSON.stringify(glimpseMetadata(named.glimpse_logits!.shape[1]!)) }),
      'condense.architecture': JSON.stringify(
        model.architecture.kind === 'zoo' ? model.architecture : { kind: 'onnx', source: model.architecture.source },
      ),
    },
  });
  return options.foldBatchNorm ? foldBatchNorm(proto) : proto;
}

/** The exported output of head t (0-based) of a multi-head model. */
export function headOutputName(t: number): string {
  return `task${t + 1}`;
}

/** Which output holds which classes, for a runtime reading a multi-head file. */
function headsMetadata(model: Model, heads: readonly number[]): { output: string; classes: string[] }[] {
  let start = 0;
  return heads.map((k, t) => {
    const classes = model.meta.classes.slice(start, start + k);
    start += k;
    return { output: headOutputName(t), classes };
  });
}

/** How a runtime reads the glimpse outputs of a multi-glimpse file. */
function glimpseMetadata(glimpses: number): { glimpses: number; logits: string; boxes: string; boxFormat: string } {
  return {
    glimpses,
    logits: GLIMPSE_LOGITS_OUTPUT,
    boxes: GLIMPSE_BOXES_OUTPUT,
    // The sampler's coordinates: pixel column = (x + 1) / 2 * (width - 1), likewise rows (boxes.ts, alignCorners true).
    boxFormat: 'x0,y0,x1,y1 normalised to [-1, 1], -1 and +1 the centres of the first and last pixel',
  };
}

/** Inference ONNX bytes of the model. */
export function exportOnnx(model: Model, options: ExportOptions = {}): Uint8Array {
  return encodeModel(exportModelProto(model, options));
}

function floatAttr(n: NodeProto, name: string, fallback: number): number {
  return n.attribute.find((a) => a.name === name)?.f ?? fallback;
}

/**
 * Conv followed by BatchNormalization (inference form) becomes one Conv:
 * W' = W * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps), per output channel.
 * Only when the Conv's output feeds nothing but the BN and its weights are used nowhere else.
 */
export function foldBatchNorm(proto: ModelProto): ModelProto {
  const graph = proto.graph;
  const inits = new Map<string, TensorProto>(graph.initializer.map((t) => [t.name, t]));
  const uses = new Map<string, number>();
  for (const n of graph.node) for (const i of n.input) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of graph.output) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);

  const removed = new Set<NodeProto>();
  const replaced = new Map<NodeProto, NodeProto>();
  const newInits = new Map<string, TensorProto>();
  for (const bnNode of graph.node) {
    if (bnNode.opType !== 'BatchNormalization' || bnNode.output.length !== 1) continue;
    const conv = producer.get(bnNode.input[0]!);
    if (!conv || conv.opType !== 'Conv' || replaced.has(conv) || uses.get(conv.output[0]!) !== 1) continue;
    const [wName, bName] = [conv.input[1]!, conv.input[2]];
    const stats = bnNode.input.slice(1, 5).map((n) => inits.get(n));
    const wInit = inits.get(wName);
    if (!wInit || uses.get(wName) !== 1 || stats.some((t) => !t) || (bName && (!inits.has(bName) || uses.get(bName) !== 1))) continue;
    const [gamma, beta, mean, variance] = stats.map((t) => tensorValues(t!) as Float32Array);
    const weight = tensorValues(wInit) as Float32Array;
    const out = wInit.dims[0]!;
    const perOut = weight.length / out;
    const bias = bName ? (tensorValues(inits.get(bName)!) as Float32Array) : new Float32Array(out);
    const eps = floatAttr(bnNode, 'epsilon', 1e-5);
    const w2 = new Float32Array(weight.length);
    const b2 = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      const s = gamma![o]! / Math.sqrt(variance![o]! + eps);
      for (let k = 0; k < perOut; k++) w2[o * perOut + k] = weight[o * perOut + k]! * s;
      b2[o] = (bias[o]! - mean![o]!) * s + beta![o]!;
    }
    const newB = bName || `${wName}.folded_bias`;
    newInits.set(wName, tensorProto(wName, 'float32', wInit.dims, w2));
    newInits.set(newB, tensorProto(newB, 'float32', [out], b2));
    replaced.set(conv, { ...conv, input: [conv.input[0]!, wName, newB], output: [bnNode.output[0]!] });
    removed.add(bnNode);
  }
  if (removed.size === 0) return proto;
  const node = graph.node.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  const used = new Set(node.flatMap((n) => n.input));
  const initializer = [...graph.initializer.map((t) => newInits.get(t.name) ?? t), ...[...newInits.values()].filter((t) => !inits.has(t.name))].filter((t) =>
    used.has(t.name),
  );
  return { ...proto, graph: { ...graph, node, initializer } };
}

/**
 * Multiply-accumulates of one forward pass per sample, from the recorded shapes (Conv, Gemm, MatMul);
 * with `include`, only of the nodes it accepts (one part of a model, such as MGNet's shared backbone).
 */
export function countMacs(g: GraphBuilder, include?: (node: GraphNode) => boolean): number {
  let macs = 0;
  for (const n of g.nodes) {
    if (include && !include(n)) continue;
    if (n.opType === 'Conv' || n.opType === 'ConvTranspose') {
      const w = g.tensor(n.inputs[1]!).shape;
      const y = g.tensor(n.outputs[0]!).shape;
      const x = g.tensor(n.inputs[0]!).shape;
      const kernel = w.slice(2).reduce((a, b) => a * b, 1);
      if (n.opType === 'Conv') macs += (y.reduce((a, b) => a * b, 1) / y[0]!) * w[1]! * kernel;
      else macs += (x.reduce((a, b) => a * b, 1) / x[0]!) * w[1]! * kernel;
    } else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const a = g.tensor(n.inputs[0]!).shape;
      const y = g.tensor(n.outputs[0]!).shape;
      const k = n.opType === 'Gemm' && n.attrs.transA?.kind === 'int' && n.attrs.transA.value === 1 ? a[0]! : a[a.length - 1]!;
      macs += (y.reduce((p, d) => p * d, 1) / y[0]!) * k;
    }
  }
  return macs;
}

// Import an ONNX model into a GraphBuilder, so that it can be run, differentiated and trained like
// a model built here. Float initializers become parameters (BatchNormalization statistics become
// buffers), integer initializers and Constant nodes become constants. Older opsets are converted
// to the opset-18 forms the builder records (attributes that became inputs).

import { AttributeType, type AttributeProto, type ModelProto, type TensorProto } from '../onnx/model.ts';
import { checkTensorShape, dtypeOf, isFloat, tensorValues } from '../onnx/tensor-data.ts';
import { maxTensorElements, raiseHint } from '../storage/limits.ts';
import { GraphBuilder, type Attr, type Attrs, type Tensor } from './graph-builder.ts';
import { isSupportedOp, poolTilesInput } from './shape-inference.ts';

export interface ImportOptions {
  /** Sizes for symbolic dimensions, e.g. { batch: 64 }. */
  dims?: Record<string, number>;
  /** Full shapes for inputs, overriding the file. */
  shapes?: Record<string, number[]>;
  seed?: number;
  training?: boolean;
}

export interface ImportedModel {
  graph: GraphBuilder;
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const MIN_OPSET = 11;

/** Float initializers at these input positions configure the op rather than being learnt. */
const configInputs: Record<string, number[]> = {
  Resize: [1, 2, 3],
  Clip: [1, 2],
  Pad: [1, 2, 3],
  Reshape: [1],
  Expand: [1],
};

/** Reductions whose `axes` moved from an attribute to an input in opset 18 (ReduceSum in 13). */
const reduceAxesInput: Record<string, number> = {
  ReduceSum: 13,
  ReduceMean: 18,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceProd: 18,
  ReduceL2: 18,
  ReduceSumSquare: 18,
};

function convertAttribute(a: AttributeProto): Attr {
  switch (a.type) {
    case AttributeType.INT:
      return { kind: 'int', value: a.i ?? 0 };
    case AttributeType.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case AttributeType.STRING:
      return { kind: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array()) };
    case AttributeType.INTS:
      return { kind: 'ints', value: a.ints ?? [] };
    case AttributeType.FLOATS:
      return { kind: 'floats', value: a.floats ?? [] };
    case AttributeType.TENSOR:
      return { kind: 'tensor', value: a.t! };
    default:
      throw new Error(`attribute ${a.name}: type ${a.type} is not supported`);
  }
}

function resolveShape(name: string, shape: (number | string | null)[] | undefined, options: ImportOptions): number[] {
  const override = options.shapes?.[name];
  if (override) return override;
  if (!shape) throw new Error(`input ${name} has no shape; pass it in options.shapes`);
  return shape.map((d) => {
    if (typeof d === 'number' && d >= 0) return d;
    if (typeof d === 'string' && options.dims?.[d] !== undefined) return options.dims[d]!;
    throw new Error(`input ${name} has a dynamic dimension${typeof d === 'string' ? ` "${d}"` : ''}; give its size in options.dims or options.shapes`);
  });
}

function constantNodeValue(attrs: AttributeProto[]): TensorProto {
  const a = attrs[0];
  if (!a) throw new Error('Constant node without a value');
  switch (a.name) {
    case 'value':
      return a.t!;
    case 'value_float':
      return { name: '', dataType: 1, dims: [], floatData: [a.f ?? 0] };
    case 'value_floats':
      return { name: '', dataType: 1, dims: [a.floats?.length ?? 0], floatData: a.floats ?? [] };
    case 'value_int':
      return { name: '', dataType: 7, dims: [], int64Data: [a.i ?? 0] };
    case 'value_ints':
      return { name: '', dataType: 7, dims: [a.ints?.length ?? 0], int64Data: a.ints ?? [] };
    default:
      throw new Error(`Constant node with ${a.name} is not supported`);
  }
}

export function importModel(model: ModelProto, options: ImportOptions = {}): ImportedModel {
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new Error('the model does not import the default ONNX domain');
  if (opset < MIN_OPSET) throw new Error(`opset ${opset} is too old to import (need ${MIN_OPSET} or newer)`);
  const graph = model.graph;
  // Every op the builder lacks, named at once, so a user sees the whole gap rather than one op per try.
  const unsupported = [
    ...new Set(
      graph.node
        .filter((n) => (n.domain && n.domain !== 'ai.onnx') || (n.opType !== 'Constant' && !isSupportedOp(n.opType)))
        .map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType)),
    ),
  ];
  if (unsupported.length > 0) {
    throw new Error(`the model uses ops Condense cannot import: ${unsupported.sort().join(', ')}`);
  }
  const g = new GraphBuilder({ seed: options.seed, training: options.training });
  const values = new Map<string, Tensor>();

  // How each initializer is used decides whether it is learnt, a statistic or configuration.
  const bufferNames = new Set<string>();
  const configNames = new Set<string>();
  for (const n of graph.node) {
    if (n.opType === 'BatchNormalization') [3, 4].forEach((i) => n.input[i] && bufferNames.add(n.input[i]!));
    for (const i of configInputs[n.opType] ?? []) if (n.input[i]) configNames.add(n.input[i]!);
  }
  // Names from the file are declared before any generated name (constants), so they cannot clash.
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  const constantInitializers: TensorProto[] = [];
  for (const t of graph.initializer) {
    const dtype = dtypeOf(t.dataType);
    if (!isFloat(dtype) || configNames.has(t.name)) constantInitializers.push(t);
    else if (bufferNames.has(t.name)) values.set(t.name, g.buffer(t.name, t.dims, tensorValues(t), dtype));
    else values.set(t.name, g.param(t.name, t.dims, tensorValues(t), dtype));
  }

  const inputs: Record<string, Tensor> = {};
  for (const v of graph.input) {
    if (initializerNames.has(v.name)) continue; // pre-IR-4 models list initializers as inputs too
    const shape = resolveShape(v.name, v.shape, options);
    // A declared input shape sizes every buffer fed to it: bound it before anything is built for it.
    const limit = maxTensorElements();
    checkTensorShape(v.name, shape, limit.value, raiseHint(limit));
    const t = g.input(v.name, shape, dtypeOf(v.elemType));
    inputs[v.name] = t;
    values.set(v.name, t);
  }
  for (const t of constantInitializers) values.set(t.name, g.constant(tensorValues(t), t.dims, dtypeOf(t.dataType)));

  const lookup = (name: string): Tensor | null => {
    if (!name) return null;
    const t = values.get(name);
    if (!t) throw new Error(`value ${name} is used before it is defined`);
    return t;
  };
  const ints = (v: readonly number[]) => g.ints(v);

  for (const n of graph.node) {
    if (n.domain && n.domain !== 'ai.onnx') throw new Error(`op ${n.domain}.${n.opType} is not supported`);
    if (n.opType === 'Constant') {
      const t = constantNodeValue(n.attribute);
      values.set(n.output[0]!, g.constant(tensorValues(t), t.dims, dtypeOf(t.dataType)));
      continue;
    }
    const attrs: Attrs = {};
    for (const a of n.attribute) attrs[a.name] = convertAttribute(a);
    let inputsOf = n.input.map(lookup);
    let opType = n.opType;

    // Attributes that later opsets turned into inputs.
    const axesSince = reduceAxesInput[opType];
    if (axesSince !== undefined && opset < axesSince) {
      const axes = attrs.axes;
      delete attrs.axes;
      inputsOf = [inputsOf[0]!, axes && axes.kind === 'ints' ? ints(axes.value) : null];
    }
    if ((opType === 'Squeeze' || opType === 'Unsqueeze') && opset < 13 && attrs.axes?.kind === 'ints') {
      inputsOf = [inputsOf[0]!, ints(attrs.axes.value)];
      delete attrs.axes;
    }
    if (opType === 'Split' && opset < 13 && attrs.split?.kind === 'ints') {
      inputsOf = [inputsOf[0]!, ints(attrs.split.value)];
      delete attrs.split;
    }
    if (opType === 'Split' && opset >= 18 && !inputsOf[1] && !attrs.num_outputs) attrs.num_outputs = { kind: 'int', value: n.output.length };
    // Dropout at inference is the identity; training an imported model does not re-enable it.
    if (opType === 'Dropout') {
      opType = 'Identity';
      inputsOf = [inputsOf[0]!];
      for (const k of Object.keys(attrs)) delete attrs[k];
    }
    // The MaxPool gradient needs the indices unless the windows tile the input.
    const outputCount =
      opType === 'MaxPool' ? (poolTilesInput(inputsOf[0]!.shape, attrs) ? Math.min(n.output.length, 2) : 2) : opType === 'Identity' ? 1 : n.output.length;
    const outs = g.node(opType, inputsOf, attrs, { outputs: outputCount });
    n.output.forEach((name, i) => {
      if (name && outs[i]) values.set(name, outs[i]!);
    });
  }

  const outputs: Record<string, Tensor> = {};
  for (const v of graph.output) outputs[v.name] = lookup(v.name)!;
  const metadata = Object.fromEntries(model.metadataProps.map((e) => [e.key, e.value]));
  return { graph: g, inputs, outputs, metadata };
}


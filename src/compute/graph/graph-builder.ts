// The graph builder: records ONNX nodes with statically inferred shapes. Ops (ops/*.ts) are free
// functions over Tensor handles; every Tensor knows the builder that owns it, so ops never need it
// passed in. Parameters and buffers become graph inputs of a training graph (the optimiser runs
// outside the graph) and initializers of an exported inference model.

import { createHash } from 'node:crypto';
import {
  AttributeType,
  encodeModel,
  modelProtoOf,
  type AttributeProto,
  type Dim,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../onnx/model.ts';
import {
  dataTypeOf,
  elementCount,
  tensorProto,
  typedFrom,
  type DType,
  type TensorValues,
} from '../onnx/tensor-data.ts';
import { createRng, type Initializer, type Rng } from './init.ts';
import { inferShapes } from './shape-inference.ts';

export const OPSET = 18;

export type Shape = readonly number[];

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'tensor'; value: TensorProto };

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value: [...value] }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value: [...value] }),
};

export type Attrs = Record<string, Attr>;

export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  /** '' marks an omitted optional input, as in ONNX. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
  /** Autodiff treats the node as a constant (its inputs get no gradient through it). */
  readonly stopGradient?: boolean;
}

export interface ValueInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

export class Tensor implements ValueInfo {
  constructor(
    readonly graph: GraphBuilder,
    readonly name: string,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return elementCount(this.shape);
  }
  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

export type ValueKind = 'input' | 'param' | 'buffer' | 'constant' | 'node';

export interface StateInfo {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly initial: TensorValues;
}

/** How a compiled step fills a random input each run (dropout masks). */
export interface RandomInput {
  kind: 'bernoulli';
  /** Probability of `value`; the other outcome is 0. */
  p: number;
  value: number;
}

export interface GraphBuilderOptions {
  /** Seed of the parameter initialisers. */
  seed?: number;
  /** Ops with a train/eval behaviour (batchNorm) read this unless told otherwise. */
  training?: boolean;
}

export interface ModelOptions {
  /** Named outputs; a name that differs from the tensor's own gets an Identity node. */
  outputs: Record<string, Tensor>;
  /** 'inputs' for training graphs (fed each step), 'initializers' for a standalone model. */
  state?: 'inputs' | 'initializers';
  /** Values for the state when it becomes initializers; defaults to the initial values. */
  stateValues?: ReadonlyMap<string, TensorValues>;
  /**
   * Declares dim 0 of the batch inputs and of the outputs as this symbolic name, so the exported
   * model accepts any batch size. Valid when no op bakes the batch size into a constant (the
   * builder's own ops keep it symbolic: flatten copies leading dims with 0).
   */
  dynamicBatch?: string;
  graphName?: string;
  metadata?: Record<string, string>;
  docString?: string;
}

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  private readonly values = new Map<string, ValueInfo & { kind: ValueKind }>();
  private readonly constants = new Map<string, TensorValues>();
  private readonly constantKeys = new Map<string, string>();
  readonly inputs: string[] = [];
  readonly params = new Map<string, StateInfo>();
  readonly buffers = new Map<string, StateInfo>();
  /** New values for buffers computed by the graph (running statistics), fetched by a training step. */
  readonly bufferUpdates = new Map<string, Tensor>();
  /** Inputs a compiled step generates itself from its seed instead of taking them from the batch. */
  readonly randomInputs = new Map<string, RandomInput>();
  training: boolean;
  readonly rng: Rng;
  private counter = 0;

  constructor(options: GraphBuilderOptions = {}) {
    this.training = options.training ?? false;
    this.rng = createRng(options.seed ?? 0);
  }

  private declare(name: string, info: ValueInfo, kind: ValueKind): Tensor {
    if (this.values.has(name)) throw new Error(`graph already has a value named "${name}"`);
    this.values.set(name, { ...info, kind });
    return new Tensor(this, name, [...info.shape], info.dtype);
  }

  /** A fresh value name; `hint` keeps generated graphs readable. */
  uniqueName(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.values.has(name));
    return name;
  }

  input(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape(shape, name);
    this.inputs.push(name);
    return this.declare(name, { shape, dtype }, 'input');
  }

  /** An input filled with fresh random values on every run (see RandomInput). */
  randomInput(hint: string, shape: Shape, spec: RandomInput): Tensor {
    const t = this.input(this.uniqueName(hint), shape, 'float32');
    this.randomInputs.set(t.name, spec);
    return t;
  }

  /** A trainable parameter with its initial value (an initialiser or explicit values). */
  param(name: string, shape: Shape, initial: Initializer | TensorValues, dtype: DType = 'float32'): Tensor {
    checkShape(shape, name);
    const values = typeof initial === 'function' ? initial(shape, this.rng) : initial;
    if (values.length !== elementCount(shape)) throw new Error(`param ${name}: ${values.length} values for shape [${shape}]`);
    this.params.set(name, { name, shape: [...shape], dtype, initial: castValues(values, dtype) });
    return this.declare(name, { shape, dtype }, 'param');
  }

  /** Non-trainable state (running statistics): fed like a parameter, never differentiated. */
  buffer(name: string, shape: Shape, initial: Initializer | TensorValues, dtype: DType = 'float32'): Tensor {
    checkShape(shape, name);
    const values = typeof initial === 'function' ? initial(shape, this.rng) : initial;
    if (values.length !== elementCount(shape)) throw new Error(`buffer ${name}: ${values.length} values for shape [${shape}]`);
    this.buffers.set(name, { name, shape: [...shape], dtype, initial: castValues(values, dtype) });
    return this.declare(name, { shape, dtype }, 'buffer');
  }

  /** Records the value a buffer takes after this step. */
  updateBuffer(buffer: Tensor, next: Tensor): void {
    if (!this.buffers.has(buffer.name)) throw new Error(`${buffer.name} is not a buffer`);
    if (!sameShape(buffer.shape, next.shape)) throw new Error(`buffer ${buffer.name}: update has shape [${next.shape}]`);
    this.bufferUpdates.set(buffer.name, next);
  }

  /** A constant tensor; identical small constants are shared. */
  constant(values: TensorValues | ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    const typed = castValues(values, dtype);
    if (typed.length !== elementCount(shape)) throw new Error(`constant: ${typed.length} values for shape [${shape}]`);
    let key: string | undefined;
    if (typed.length <= 64) {
      key = `${dtype}|${shape.join(',')}|${Array.from(typed as ArrayLike<number | bigint>, String).join(',')}`;
      const existing = this.constantKeys.get(key);
      if (existing) return this.tensor(existing);
    }
    const name = this.uniqueName('const');
    this.constants.set(name, typed);
    if (key) this.constantKeys.set(key, name);
    return this.declare(name, { shape, dtype }, 'constant');
  }

  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.constant([value], [], dtype);
  }

  /** An int64 vector constant (shapes, axes, pads, starts...). */
  ints(values: readonly number[]): Tensor {
    return this.constant(values, [values.length], 'int64');
  }

  tensor(name: string): Tensor {
    const info = this.values.get(name);
    if (!info) throw new Error(`graph has no value named "${name}"`);
    return new Tensor(this, name, info.shape, info.dtype);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  kindOf(name: string): ValueKind | undefined {
    return this.values.get(name)?.kind;
  }

  /** The values of a constant, for shape inference and folding; undefined for computed values. */
  constantValue(name: string): TensorValues | undefined {
    return this.constants.get(name);
  }

  /**
   * Records one ONNX node. Output shapes come from static shape inference, so a mistake (mismatched
   * channels, bad broadcast) fails here, at build time, with the op named.
   */
  node(
    opType: string,
    inputs: readonly (Tensor | null | undefined)[],
    attrs: Attrs = {},
    options: { outputs?: number; stopGradient?: boolean; name?: string } = {},
  ): Tensor[] {
    for (const t of inputs) if (t && t.graph !== this) throw new Error(`${opType}: input ${t.name} belongs to another graph`);
    const infos = inputs.map((t) => (t ? { shape: t.shape, dtype: t.dtype } : null));
    const consts = inputs.map((t) => (t ? this.constants.get(t.name) : undefined));
    let outs: ValueInfo[];
    try {
      outs = inferShapes(opType, infos, attrs, consts, options.outputs ?? 1);
    } catch (e) {
      const shapes = inputs.map((t) => (t ? `[${t.shape.join(', ')}]` : '-')).join(', ');
      throw new Error(`${opType}(${shapes}): ${(e as Error).message}`);
    }
    const name = options.name ?? this.uniqueName(opType.toLowerCase());
    const outputs = outs.map((info, i) => this.declare(outs.length === 1 ? `${name}_out` : `${name}_out${i}`, info, 'node'));
    this.nodes.push({
      name,
      opType,
      inputs: inputs.map((t) => (t ? t.name : '')),
      outputs: outputs.map((t) => t.name),
      attrs,
      stopGradient: options.stopGradient,
    });
    return outputs;
  }

  /** Single-output shorthand of node(). */
  op(opType: string, inputs: readonly (Tensor | null | undefined)[], attrs: Attrs = {}): Tensor {
    return this.node(opType, inputs, attrs)[0]!;
  }

  /** Builds the ONNX model for the given outputs, keeping only the nodes they need. */
  toModel(options: ModelOptions): ModelProto {
    const stateMode = options.state ?? 'inputs';
    const outputEntries = Object.entries(options.outputs);
    const needed = new Set<string>();
    for (const [, t] of outputEntries) needed.add(t.name);
    const keptNodes: GraphNode[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.outputs.some((o) => needed.has(o))) continue;
      keptNodes.push(n);
      for (const inp of n.inputs) if (inp) needed.add(inp);
    }
    keptNodes.reverse();

    const nodeProtos: NodeProto[] = keptNodes.map(nodeToProto);
    const outputNames = new Set<string>();
    for (const [outName, t] of outputEntries) {
      if (outputNames.has(outName)) throw new Error(`duplicate output name ${outName}`);
      outputNames.add(outName);
      if (outName !== t.name) {
        if (this.values.has(outName)) throw new Error(`output name ${outName} collides with a graph value`);
        nodeProtos.push({ name: `alias_${outName}`, opType: 'Identity', domain: '', input: [t.name], output: [outName], attribute: [] });
      }
    }

    const graphInputs: ValueInfoProto[] = [];
    const initializers: TensorProto[] = [];
    const batchDim = options.dynamicBatch;
    for (const name of this.inputs) if (needed.has(name)) graphInputs.push(this.valueInfoProto(name, batchDim));
    for (const state of [...this.params.values(), ...this.buffers.values()]) {
      if (!needed.has(state.name)) continue;
      if (stateMode === 'inputs') graphInputs.push(this.valueInfoProto(state.name));
      else {
        const values = options.stateValues?.get(state.name) ?? state.initial;
        initializers.push(tensorProto(state.name, state.dtype, state.shape, castValues(values, state.dtype)));
      }
    }
    for (const [name, values] of this.constants) {
      if (!needed.has(name)) continue;
      const info = this.values.get(name)!;
      initializers.push(tensorProto(name, info.dtype, info.shape, values));
    }

    return modelProtoOf(
      {
        name: options.graphName ?? 'condense',
        node: nodeProtos,
        initializer: initializers,
        input: graphInputs,
        output: outputEntries.map(([outName, t]) => ({ ...this.valueInfoProto(t.name, batchDim), name: outName })),
        valueInfo: [],
      },
      {
        opset: OPSET,
        producerVersion: '0.1.0',
        docString: options.docString ?? '',
        metadataProps: Object.entries(options.metadata ?? {})
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => ({ key, value })),
      },
    );
  }

  private valueInfoProto(name: string, batchDim?: string): ValueInfoProto {
    const info = this.values.get(name)!;
    const shape: Dim[] = [...info.shape];
    if (batchDim && shape.length > 0) shape[0] = batchDim;
    return { name, elemType: dataTypeOf(info.dtype), shape };
  }
}

function nodeToProto(n: GraphNode): NodeProto {
  const attribute: AttributeProto[] = Object.entries(n.attrs).map(([name, a]) => {
    switch (a.kind) {
      case 'int':
        return { name, type: AttributeType.INT, i: a.value };
      case 'float':
        return { name, type: AttributeType.FLOAT, f: a.value };
      case 'string':
        return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
      case 'ints':
        return { name, type: AttributeType.INTS, ints: a.value };
      case 'floats':
        return { name, type: AttributeType.FLOATS, floats: a.value };
      case 'tensor':
        return { name, type: AttributeType.TENSOR, t: a.value };
    }
  });
  return { name: n.name, opType: n.opType, domain: '', input: [...n.inputs], output: [...n.outputs], attribute };
}

function checkShape(shape: Shape, name: string): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new Error(`${name}: dimensions must be non-negative integers, got [${shape}]`);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function castValues(values: TensorValues | ArrayLike<number | bigint>, dtype: DType): TensorValues {
  const matches =
    (dtype === 'float32' && values instanceof Float32Array) ||
    (dtype === 'float64' && values instanceof Float64Array) ||
    (dtype === 'int64' && values instanceof BigInt64Array) ||
    (dtype === 'int32' && values instanceof Int32Array) ||
    (dtype === 'int8' && values instanceof Int8Array) ||
    ((dtype === 'uint8' || dtype === 'bool') && values instanceof Uint8Array);
  if (matches) return values as TensorValues;
  return typedFrom(dtype, values as ArrayLike<number | bigint>);
}

/** sha256 of the encoded model: the key under which compiled sessions are cached. */
export function modelHash(model: ModelProto): string {
  return createHash('sha256').update(encodeModel(model)).digest('hex');
}

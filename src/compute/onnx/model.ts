// ONNX messages (onnx.proto, IR version 8) as plain objects, with an encoder and a decoder over
// the wire format in protobuf.ts. Only the fields Condense reads or writes are modelled; anything
// else in a decoded file (training info, functions, sparse tensors) is skipped.

import {
  copyBytes,
  ProtoReader,
  ProtoWriter,
  decodeString,
  readBytes,
  readDoubles,
  readFloat32,
  readFloats,
  readInts,
  readVarint,
  type ProtoField,
} from './protobuf.ts';

/** TensorProto.DataType */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** AttributeProto.AttributeType */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export const IR_VERSION = 8;

export interface TensorProto {
  name: string;
  dataType: number;
  dims: number[];
  /** Little-endian packed values; preferred for everything we write. */
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  docString?: string;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
}

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  docString?: string;
}

/** A dimension is a fixed size, a symbolic name, or unknown (null). */
export type Dim = number | string | null;

/** ValueInfoProto restricted to tensor types; `shape` undefined means the rank is unknown. */
export interface ValueInfoProto {
  name: string;
  elemType: number;
  shape?: Dim[];
  docString?: string;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  docString?: string;
}

export interface OperatorSetId {
  domain: string;
  version: number;
}

export interface StringEntry {
  key: string;
  value: string;
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: GraphProto;
  metadataProps: StringEntry[];
}

/** The header fields of a model beyond its graph; unset ones get the values every writer here uses. */
export interface ModelHeader {
  /** Default-domain opset (default 18). */
  opset?: number;
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  docString?: string;
  metadataProps?: StringEntry[];
}

/** A model of one graph in the default domain. */
export function modelProtoOf(graph: GraphProto, header: ModelHeader = {}): ModelProto {
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: header.opset ?? 18 }],
    producerName: header.producerName ?? 'condense',
    producerVersion: header.producerVersion ?? '',
    domain: '',
    modelVersion: header.modelVersion ?? 0,
    docString: header.docString ?? '',
    graph,
    metadataProps: header.metadataProps ?? [],
  };
}

// ---------------------------------------------------------------- encoding

function writeTensor(w: ProtoWriter, t: TensorProto): void {
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  if (t.floatData?.length) w.packedFloats(4, t.floatData);
  if (t.int32Data?.length) w.packedInts(5, t.int32Data);
  if (t.int64Data?.length) w.packedInts(7, t.int64Data);
  if (t.name) w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
  if (t.doubleData?.length) w.packedDoubles(10, t.doubleData);
  if (t.docString) w.string(12, t.docString);
}

function writeAttribute(w: ProtoWriter, a: AttributeProto): void {
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.bytes(4, a.s);
  if (a.t !== undefined) w.message(5, (m) => writeTensor(m, a.t!));
  if (a.g !== undefined) w.message(6, (m) => writeGraph(m, a.g!));
  // Repeated scalars in attributes are declared without [packed] in onnx.proto (proto2), so they
  // are written one per occurrence, which every reader accepts.
  for (const f of a.floats ?? []) w.float(7, f);
  for (const i of a.ints ?? []) w.int(8, i);
  for (const s of a.strings ?? []) w.bytes(9, s);
  for (const t of a.tensors ?? []) w.message(10, (m) => writeTensor(m, t));
  w.int(20, a.type);
}

function writeNode(w: ProtoWriter, n: NodeProto): void {
  for (const i of n.input) w.string(1, i);
  for (const o of n.output) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute) w.message(5, (m) => writeAttribute(m, a));
  if (n.docString) w.string(6, n.docString);
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoProto): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      if (v.shape)
        tensor.message(2, (shape) => {
          for (const d of v.shape!)
            shape.message(1, (dim) => {
              if (typeof d === 'number') dim.int(1, d);
              else if (typeof d === 'string') dim.string(2, d);
            });
        });
    }),
  );
  if (v.docString) w.string(3, v.docString);
}

function writeGraph(w: ProtoWriter, g: GraphProto): void {
  for (const n of g.node) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, (m) => writeTensor(m, t));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.input) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.output) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of g.valueInfo) w.message(13, (m) => writeValueInfo(m, v));
}

export function encodeModel(model: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  if (model.domain) w.string(4, model.domain);
  if (model.modelVersion) w.int(5, model.modelVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (m) => writeGraph(m, model.graph));
  for (const o of model.opsetImport)
    w.message(8, (m) => {
      if (o.domain) m.string(1, o.domain);
      m.int(2, o.version);
    });
  for (const e of model.metadataProps)
    w.message(14, (m) => {
      m.string(1, e.key);
      m.string(2, e.value);
    });
  return w.finish();
}

// ---------------------------------------------------------------- decoding

function fieldsOf(bytes: Uint8Array): Generator<ProtoField> {
  return new ProtoReader(bytes).fields();
}

function readTensor(bytes: Uint8Array): TensorProto {
  const t: TensorProto = { name: '', dataType: 0, dims: [] };
  for (const f of fieldsOf(bytes)) {
    switch (f.field) {
      case 1:
        readInts(f, t.dims);
        break;
      case 2:
        t.dataType = readVarint(f);
        break;
      case 4:
        readFloats(f, (t.floatData ??= []));
        break;
      case 5:
        readInts(f, (t.int32Data ??= []));
        break;
      case 7:
        readInts(f, (t.int64Data ??= []));
        break;
      case 8:
        t.name = decodeString(readBytes(f));
        break;
      case 9:
        // Copy so that typed-array views over it are aligned and independent of the file buffer.
        t.rawData = copyBytes(readBytes(f));
        break;
      case 10:
        readDoubles(f, (t.doubleData ??= []));
        break;
      case 12:
        t.docString = decodeString(readBytes(f));
        break;
      case 14:
        if (readVarint(f) === 1) throw new Error(`tensor ${t.name || '(unnamed)'}: external data is not supported`);
        break;
    }
  }
  return t;
}

function readAttribute(bytes: Uint8Array): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  for (const f of fieldsOf(bytes)) {
    switch (f.field) {
      case 1:
        a.name = decodeString(readBytes(f));
        break;
      case 2:
        a.f = readFloat32(f);
        break;
      case 3:
        a.i = readVarint(f);
        break;
      case 4:
        a.s = copyBytes(readBytes(f));
        break;
      case 5:
        a.t = readTensor(readBytes(f));
        break;
      case 6:
        a.g = readGraph(readBytes(f));
        break;
      case 7:
        readFloats(f, (a.floats ??= []));
        break;
      case 8:
        readInts(f, (a.ints ??= []));
        break;
      case 9:
        (a.strings ??= []).push(copyBytes(readBytes(f)));
        break;
      case 10:
        (a.tensors ??= []).push(readTensor(readBytes(f)));
        break;
      case 20:
        a.type = readVarint(f);
        break;
    }
  }
  return a;
}

function readNode(bytes: Uint8Array): NodeProto {
  const n: NodeProto = { name: '', opType: '', domain: '', input: [], output: [], attribute: [] };
  for (const f of fieldsOf(bytes)) {
    switch (f.field) {
      case 1:
        n.input.push(decodeString(readBytes(f)));
        break;
      case 2:
        n.output.push(decodeString(readBytes(f)));
        break;
      case 3:
        n.name = decodeString(readBytes(f));
        break;
      case 4:
        n.opType = decodeString(readBytes(f));
        break;
      case 5:
        n.attribute.push(readAttribute(readBytes(f)));
        break;
      case 6:
        n.docString = decodeString(readBytes(f));
        break;
      case 7:
        n.domain = decodeString(readBytes(f));
        break;
    }
  }
  return n;
}

function readShape(bytes: Uint8Array): Dim[] {
  const dims: Dim[] = [];
  for (const f of fieldsOf(bytes)) {
    if (f.field !== 1) continue;
    let dim: Dim = null;
    for (const d of fieldsOf(readBytes(f))) {
      if (d.field === 1) dim = readVarint(d);
      else if (d.field === 2) dim = decodeString(readBytes(d));
    }
    dims.push(dim);
  }
  return dims;
}

function readValueInfo(bytes: Uint8Array): ValueInfoProto {
  const v: ValueInfoProto = { name: '', elemType: 0 };
  for (const f of fieldsOf(bytes)) {
    if (f.field === 1) v.name = decodeString(readBytes(f));
    else if (f.field === 3) v.docString = decodeString(readBytes(f));
    else if (f.field === 2) {
      for (const tf of fieldsOf(readBytes(f))) {
        if (tf.field !== 1) continue; // only tensor types are modelled
        for (const tt of fieldsOf(readBytes(tf))) {
          if (tt.field === 1) v.elemType = readVarint(tt);
          else if (tt.field === 2) v.shape = readShape(readBytes(tt));
        }
      }
    }
  }
  return v;
}

function readGraph(bytes: Uint8Array): GraphProto {
  const g: GraphProto = { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] };
  for (const f of fieldsOf(bytes)) {
    switch (f.field) {
      case 1:
        g.node.push(readNode(readBytes(f)));
        break;
      case 2:
        g.name = decodeString(readBytes(f));
        break;
      case 5:
        g.initializer.push(readTensor(readBytes(f)));
        break;
      case 10:
        g.docString = decodeString(readBytes(f));
        break;
      case 11:
        g.input.push(readValueInfo(readBytes(f)));
        break;
      case 12:
        g.output.push(readValueInfo(readBytes(f)));
        break;
      case 13:
        g.valueInfo.push(readValueInfo(readBytes(f)));
        break;
    }
  }
  return g;
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const model: ModelProto = {
    irVersion: 0,
    opsetImport: [],
    producerName: '',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    graph: { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] },
    metadataProps: [],
  };
  let sawGraph = false;
  for (const f of fieldsOf(bytes)) {
    switch (f.field) {
      case 1:
        model.irVersion = readVarint(f);
        break;
      case 2:
        model.producerName = decodeString(readBytes(f));
        break;
      case 3:
        model.producerVersion = decodeString(readBytes(f));
        break;
      case 4:
        model.domain = decodeString(readBytes(f));
        break;
      case 5:
        model.modelVersion = readVarint(f);
        break;
      case 6:
        model.docString = decodeString(readBytes(f));
        break;
      case 7:
        model.graph = readGraph(readBytes(f));
        sawGraph = true;
        break;
      case 8: {
        const o: OperatorSetId = { domain: '', version: 0 };
        for (const of of fieldsOf(readBytes(f))) {
          if (of.field === 1) o.domain = decodeString(readBytes(of));
          else if (of.field === 2) o.version = readVarint(of);
        }
        model.opsetImport.push(o);
        break;
      }
      case 14: {
        const e: StringEntry = { key: '', value: '' };
        for (const ef of fieldsOf(readBytes(f))) {
          if (ef.field === 1) e.key = decodeString(readBytes(ef));
          else if (ef.field === 2) e.value = decodeString(readBytes(ef));
        }
        model.metadataProps.push(e);
        break;
      }
    }
  }
  if (!sawGraph) throw new Error('not an ONNX model: no graph');
  return model;
}


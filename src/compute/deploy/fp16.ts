// fp16 deployment: an inference model with every float tensor in IEEE half precision (binary16), with
// a Cast at the input and the output so callers keep feeding and reading float32.
import { DataType, type ModelProto, type TensorProto } from '../onnx/model.ts';
import { tensorValues } from '../onnx/tensor-data.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits of a float, rounded to nearest even (overflow to infinity, subnormals kept). */
export function halfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** The float value of binary16 bits. */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function halfTensor(t: TensorProto): TensorProto {
  const values = tensorValues(t) as Float32Array;
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = halfBits(values[i]!);
  return { name: t.name, dataType: DataType.FLOAT16, dims: [...t.dims], rawData: new Uint8Array(bits.buffer) };
}

/** The fp16 model: float initializers and activations in half precision, float32 at the boundary. */
export function toFloat16Model(proto: ModelProto): ModelProto {
  const g = proto.graph;
  const input = g.input[0]!;
  const output = g.output[0]!;
  const inner = (name: string) => `${name}_fp16`;
  const cast = (from: string, to: string, type: number) => ({ name: to, opType: 'Cast', domain: '', input: [from], output: [to], attribute: [{ name: 'to', type: 2, i: type }] });
  const rename = (name: string) => (name === input.name ? inner(input.name) : name === output.name ? inner(output.name) : name);
  return {
    ...proto,
    graph: {
      ...g,
      node: [
        cast(input.name, inner(input.name), DataType.FLOAT16),
        ...g.node.map((n) => ({ ...n, input: n.input.map(rename), output: n.output.map(rename) })),
        cast(inner(output.name), output.name, DataType.FLOAT),
      ],
      initializer: g.initializer.map((t) => (t.dataType === DataType.FLOAT ? halfTensor(t) : t)),
      valueInfo: [],
    },
  };
}

/** The fp32 model with every float weight rounded to its fp16 value (activations stay fp32). */
export function withHalfRoundedWeights(proto: ModelProto): ModelProto {
  const round = (t: TensorProto): TensorProto => {
    if (t.dataType !== DataType.FLOAT) return t;
    const values = Float32Array.from(tensorValues(t) as Float32Array, (v) => halfValue(halfBits(v)));
    return { name: t.name, dataType: t.dataType, dims: [...t.dims], rawData: new Uint8Array(values.buffer) };
  };
  return { ...proto, graph: { ...proto.graph, initializer: proto.graph.initializer.map(round) } };
}

// onnxruntime's blocked-channel (NCHWc) convolution for convolutions whose weight is computed or fed.
//
// onnxruntime rewrites a Conv into its NCHWc kernels (com.microsoft.nchwc: ReorderInput, Conv,
// ReorderOutput) only when the weight is a constant initializer, since it reorders the weight once
// at load time. In a training step every weight is a graph input (a parameter) or computed from one
// (the flipped kernel of an input gradient), so all convolutions fall back to im2col + GEMM per
// image, about 2-3x slower on small channel counts. This rewrite does what the transformer does,
// with the weight reorder recorded as Reshape/Transpose nodes (tiny next to the convolution), so
// training and inference-with-fed-weights use the blocked kernels too.
//
// The block size is the CPU's (16 with AVX-512, 8 with AVX2); it is read from onnxruntime itself
// (the channel count ReorderInput pads 4 channels to), so the layout always matches the kernels.

import * as ort from 'onnxruntime-node';
import { AttributeType, DataType, encodeModel, modelProtoOf, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from '../onnx/model.ts';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

let blockSize: Promise<number> | undefined;

/** onnxruntime's NCHWc block size on this CPU, or 0 when its NCHWc kernels are unavailable. */
export function nchwcBlockSize(): Promise<number> {
  blockSize ??= (async () => {
    try {
      const model = modelProtoOf(
        {
          name: 'probe',
          node: [{ name: 'r', opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: ['x'], output: ['y'], attribute: [] }],
          initializer: [],
          input: [{ name: 'x', elemType: DataType.FLOAT, shape: [1, 4, 1, 1] }],
          output: [{ name: 'y', elemType: DataType.FLOAT, shape: [1, null, 1, 1] }],
          valueInfo: [],
        },
        { opset: 18 },
      );
      model.opsetImport.push({ domain: NCHWC_DOMAIN, version: 1 });
      const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
      await session.release();
      const block = Number(out.y!.dims[1]);
      return block >= 4 && (block & (block - 1)) === 0 ? block : 0;
    } catch {
      return 0;
    }
  })();
  return blockSize;
}

/** Output positions (batch x height x width) below which a convolution keeps the plain kernel. */
export const MIN_POSITIONS = 1024;

export interface ValueShape {
  shape: readonly number[];
  dtype: string;
}

const int64Tensor = (name: string, values: readonly number[]): TensorProto => ({
  name,
  dataType: DataType.INT64,
  dims: [values.length],
  rawData: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer),
});

const attrInt = (node: NodeProto, name: string, fallback: number): number => {
  const a = node.attribute.find((x) => x.name === name);
  return a?.i ?? fallback;
};

const intAttr = (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i });

/**
 * Rewrites every 2-D float Conv whose channels suit the blocked kernels into ReorderInput (when the
 * input has at least `block` channels), the NCHWc Conv with a reordered weight, and ReorderOutput.
 * Output channels must fill whole blocks, and the output must have MIN_POSITIONS positions.
 * `valueOf` gives the static shape and dtype of a value; convolutions with unknown shapes are kept.
 */
export function rewriteConvsToNchwc(model: ModelProto, valueOf: (name: string) => ValueShape | undefined, block: number): ModelProto {
  if (block <= 1) return model;
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const reorderedInputs = new Map<string, string>();
  let rewritten = 0;
  for (const node of model.graph.node) {
    const x = valueOf(node.input[0] ?? '');
    const w = valueOf(node.input[1] ?? '');
    const applies =
      node.opType === 'Conv' &&
      node.domain === '' &&
      x?.dtype === 'float32' &&
      w?.dtype === 'float32' &&
      x.shape.length === 4 &&
      w.shape.length === 4 &&
      attrInt(node, 'group', 1) === 1 &&
      !node.attribute.some((a) => a.name === 'auto_pad' && a.s && new TextDecoder().decode(a.s) !== 'NOTSET');
    if (!applies) {
      nodes.push(node);
      continue;
    }
    const [o, c, kh, kw] = w.shape as [number, number, number, number];
    const nchwInput = c < block;
    if (!nchwInput && c % block !== 0) {
      nodes.push(node);
      continue;
    }
    // Output channels padded to the block cost more than the blocked kernel saves (measured on
    // LeNet-5's 6-channel layers), as onnxruntime's own transformer also requires whole blocks.
    // The weight reorder is a 6-D Transpose of the whole weight each run: with few output positions
    // (a 256->512 4x4 layer at 3x3) it costs as much as the convolution saves.
    const y = valueOf(node.output[0] ?? '');
    const positions = y ? y.shape[0]! * y.shape.slice(2).reduce((p, d) => p * d, 1) : 0;
    if (o % block !== 0 || positions < MIN_POSITIONS) {
      nodes.push(node);
      continue;
    }
    // Value names unique per rewrite; node names keep the original's, so profiles still name the layer.
    const k = `nchwc${rewritten++}`;
    const at = `${node.name}/nchwc`;
    const op = block;
    const oPad = o;
    let weight = node.input[1]!;
    let bias = node.input[2] || '';
    if (oPad !== o) {
      initializers.push(int64Tensor(`${k}_wpads`, [0, 0, 0, 0, oPad - o, 0, 0, 0]));
      nodes.push({ name: `${at}_wpad`, opType: 'Pad', domain: '', input: [weight, `${k}_wpads`], output: [`${k}_wpadded`], attribute: [] });
      weight = `${k}_wpadded`;
      if (bias) {
        initializers.push(int64Tensor(`${k}_bpads`, [0, oPad - o]));
        nodes.push({ name: `${at}_bpad`, opType: 'Pad', domain: '', input: [bias, `${k}_bpads`], output: [`${k}_bpadded`], attribute: [] });
        bias = `${k}_bpadded`;
      }
    }
    // OIHWBiBo: [O/B][C/B][kh][kw][bi][bo]; OIHWBo (NCHW input): [O/B][C][kh][kw][bo].
    const blocked = nchwInput ? [oPad / op, op, c, kh, kw] : [oPad / op, op, c / op, op, kh, kw];
    const perm = nchwInput ? [0, 2, 3, 4, 1] : [0, 2, 4, 5, 3, 1];
    initializers.push(int64Tensor(`${k}_wblocked`, blocked), int64Tensor(`${k}_wshape`, [oPad, c, kh, kw]));
    nodes.push(
      { name: `${at}_wsplit`, opType: 'Reshape', domain: '', input: [weight, `${k}_wblocked`], output: [`${k}_w6`], attribute: [] },
      { name: `${at}_wperm`, opType: 'Transpose', domain: '', input: [`${k}_w6`], output: [`${k}_w6t`], attribute: [{ name: 'perm', type: AttributeType.INTS, ints: perm }] },
      { name: `${at}_wjoin`, opType: 'Reshape', domain: '', input: [`${k}_w6t`, `${k}_wshape`], output: [`${k}_w`], attribute: [] },
    );
    let input = node.input[0]!;
    if (!nchwInput) {
      let r = reorderedInputs.get(input);
      if (!r) {
        r = `${k}_x`;
        reorderedInputs.set(input, r);
        nodes.push({ name: `${at}_reorder_in`, opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: [input], output: [r], attribute: [] });
      }
      input = r;
    }
    const attrs = node.attribute.filter((a) => ['kernel_shape', 'pads', 'strides', 'dilations', 'group'].includes(a.name));
    nodes.push(
      { name: `${at}_conv`, opType: 'Conv', domain: NCHWC_DOMAIN, input: bias ? [input, `${k}_w`, bias] : [input, `${k}_w`], output: [`${k}_y`], attribute: attrs },
      { name: `${at}_reorder_out`, opType: 'ReorderOutput', domain: NCHWC_DOMAIN, input: [`${k}_y`], output: [node.output[0]!], attribute: [intAttr('channels', o)] },
    );
  }
  if (rewritten === 0) return model;
  return {
    ...model,
    opsetImport: [...model.opsetImport.filter((s) => s.domain !== NCHWC_DOMAIN), { domain: NCHWC_DOMAIN, version: 1 }],
    graph: { ...model.graph, node: nodes, initializer: [...model.graph.initializer, ...initializers] },
  };
}

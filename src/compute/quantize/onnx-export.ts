// The ONNX form of a weight-shared model: each quantised weight is stored as uint8 codebook indices plus
// a float codebook, and the graph rebuilds the weight with Cast (ONNX Gather takes int32/int64 indices,
// not uint8) and Gather before its Conv/Gemm. The file is about a quarter of the fp32 one for those
// layers and any ONNX runtime runs it unchanged.
import { AttributeType, DataType, encodeModel, type ModelProto, type NodeProto, type TensorProto } from '../onnx/model.ts';
import { tensorProto } from '../onnx/tensor-data.ts';
import { exportModelProto, foldBatchNorm } from '../model/export.ts';
import type { Model } from '../model/model.ts';

export interface CodebookExportOptions {
  /** Fold batch norm into the convolutions whose weights stay float (a quantised conv keeps its BN: folding would rescale its codebook per channel). */
  foldBatchNorm?: boolean;
}

const attrInt = (name: string, value: number) => ({ name, type: AttributeType.INT, i: value });

/** The inference graph with every layer in `model.compression.codebooks` stored as indices + codebook. */
export function exportCodebookModelProto(model: Model, options: CodebookExportOptions = {}): ModelProto {
  const proto = exportModelProto(model);
  const books = model.compression.codebooks;
  const initializer: TensorProto[] = [];
  const decode: NodeProto[] = [];
  for (const t of proto.graph.initializer) {
    const book = books[t.name];
    if (!book) {
      initializer.push(t);
      continue;
    }
    if (book.centers.length > 256) throw new Error(`${t.name}: ${book.centers.length} codebook entries do not fit uint8 indices (at most 256)`);
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (book.assignments.length !== count) throw new Error(`${t.name}: ${book.assignments.length} codebook assignments for ${count} weights`);
    const indices = `${t.name}.codebook_indices`;
    const codebook = `${t.name}.codebook`;
    initializer.push(tensorProto(indices, 'uint8', t.dims, Uint8Array.from(book.assignments)), tensorProto(codebook, 'float32', [book.centers.length], Float32Array.from(book.centers)));
    decode.push(
      { name: `${t.name}.cast`, opType: 'Cast', domain: '', input: [indices], output: [`${indices}.int32`], attribute: [attrInt('to', DataType.INT32)] },
      // Gather on a 1-D codebook with indices of the weight's shape gives the weight's shape.
      { name: `${t.name}.gather`, opType: 'Gather', domain: '', input: [codebook, `${indices}.int32`], output: [t.name], attribute: [attrInt('axis', 0)] },
    );
  }
  const missing = Object.keys(books).filter((name) => !proto.graph.initializer.some((t) => t.name === name));
  if (missing.length > 0) throw new Error(`codebooks for ${missing.join(', ')}, which the exported graph does not use`);
  const out: ModelProto = { ...proto, graph: { ...proto.graph, initializer, node: [...decode, ...proto.graph.node] } };
  // The quantised weights are no longer initializers, so the folding leaves their convs alone.
  return options.foldBatchNorm ? foldBatchNorm(out) : out;
}

export function exportCodebookOnnx(model: Model, options: CodebookExportOptions = {}): Uint8Array {
  return encodeModel(exportCodebookModelProto(model, options));
}

// The Export node: writes a model as an inference ONNX file that any runtime can load, with its input
// contract (`condense.input`) and lineage in metadata_props.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { exportOnnx } from '../../src/compute/model/export';
import { writeFileAtomic } from '../../src/compute/storage/write-atomic';
import { parameterCount } from '../../src/compute/model/model';
import { shrinkModel } from '../../src/compute/prune/shrink';
import { defineNode, NodeError } from '../../src/shared/node-sdk';
import type { Metrics } from '../../src/shared/values';

export default defineNode({
  type: 'condense.model.export',
  version: 1,
  title: 'Export ONNX',
  category: 'Export',
  description: 'Writes the model as an inference ONNX file (weights inside, any batch size) with its input contract and lineage.',
  inputs: {
    model: { type: 'Model', required: true, description: 'The model to write.' },
  },
  outputs: {
    metrics: {
      type: 'Metrics',
      description: 'bytes, parameters and channels_removed; a table with the path, bytes and sha256 of the file, and with shrink a table of the shrunk layers.',
    },
  },
  params: z.object({
    path: z.string().default('model.onnx').meta({ format: 'path', help: 'The .onnx file to write, relative to the graph file. Its folder is created.' }),
    foldBatchNorm: z.boolean().default(true).meta({ help: 'Fold batch normalisation into the preceding convolution (same outputs, fewer ops).' }),
    shrink: z
      .boolean()
      .default(false)
      .meta({ help: 'Remove the filters and channels that pruning left without effect, so any runtime runs a smaller dense model (same outputs).' }),
  }),
  // The file on disk is the point of this node: re-writing it on every run (cheap) guarantees it exists
  // and matches the model, even after someone deleted or edited it.
  cache: 'never',
  infer: (p) => ({ issues: p.path.trim() ? [] : [{ param: 'path', message: 'set path to the .onnx file to write' }] }),
  async execute(ctx) {
    const p = ctx.params;
    if (!p.path.trim()) throw new NodeError('set path to the .onnx file to write', { param: 'path' });
    const file = ctx.resolvePath(p.path);
    let model = ctx.inputs.model;
    const shrunk = p.shrink ? shrinkModel(model) : undefined;
    if (shrunk) {
      model = shrunk.model;
      const total = Object.values(shrunk.removed).reduce((a, b) => a + b, 0);
      ctx.log(shrunk.skipped ? `not shrunk: ${shrunk.skipped}` : `shrunk: ${total} channels removed from ${Object.keys(shrunk.removed).length} layers`);
    }
    ctx.progress(0, 'encoding');
    const bytes = exportOnnx(model, { foldBatchNorm: p.foldBatchNorm });
    try {
      writeFileAtomic(file, bytes);
    } catch (e) {
      throw new NodeError(`cannot write ${file}: ${(e as Error).message}`, { param: 'path', file });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    ctx.log(`wrote ${file} (${bytes.byteLength.toLocaleString('en')} bytes, sha256 ${sha256.slice(0, 12)})`);
    ctx.progress(1, 'written');
    const metrics: Metrics = {
      kind: 'metrics',
      values: {
        bytes: bytes.byteLength,
        parameters: parameterCount(model),
        ...(shrunk && { channels_removed: Object.values(shrunk.removed).reduce((a, b) => a + b, 0) }),
      },
      tables: [
        { title: 'Exported file', columns: ['path', 'bytes', 'sha256'], rows: [[file, bytes.byteLength, sha256]] },
        ...(shrunk
          ? [
              {
                title: 'Shrunk layers',
                columns: ['layer', 'removed', 'kept'],
                rows: Object.entries(shrunk.removed).map(([layer, n]): [string, number, number] => [
                  layer,
                  n,
                  model.architecture.kind === 'zoo' ? (model.architecture.channels?.[layer] ?? 0) : 0,
                ]),
              },
            ]
          : []),
      ],
    };
    return { metrics };
  },
});

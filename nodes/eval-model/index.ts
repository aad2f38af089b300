// The Evaluate node: how good (accuracy, per-class accuracy, confusion, loss), how big (parameters,
// non-zero parameters, bytes, MACs) and how fast (onnxruntime latency) a classifier is on a test set.
import { z } from 'zod';
import { GraphBuilder } from '../../src/compute/graph/graph-builder';
import { encodePng } from '../../src/compute/image/codec';
import { renderConfusion } from '../../src/compute/model/confusion-image';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { countMacs, exportOnnx } from '../../src/compute/model/export';
import { measureLatency } from '../../src/compute/model/latency';
import { buildModelGraph, dataMismatch, nonZeroParameterCount, parameterCount } from '../../src/compute/model/model';
import { defineNode, NodeError } from '../../src/shared/node-sdk';
import type { Metrics, Report, Table } from '../../src/shared/values';

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

export default defineNode({
  type: 'condense.eval.model',
  version: 1,
  title: 'Evaluate',
  category: 'Evaluate',
  description: 'Accuracy, per-class accuracy, confusion matrix and loss on a test set; parameters, MACs, bytes; onnxruntime latency.',
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'The classifier to evaluate.' },
    test: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Test images, read with the model normalisation.' },
  },
  outputs: {
    metrics: { type: 'Metrics', description: 'accuracy, loss, parameters, nonzero_parameters, macs, bytes, latency_ms_b1, latency_ms_bN; per-class and confusion tables.' },
    report: { type: 'Report', description: 'Confusion matrix image and the tables.' },
  },
  params: z.object({
    batchSize: z.number().int().min(1).max(4096).default(256).meta({ help: 'Images per evaluation batch (does not change the results).', unit: 'images' }),
    latency: z.boolean().default(true).meta({ help: 'Measure onnxruntime inference latency of the exported model.' }),
    latencyBatch: z.number().int().min(1).max(1024).default(64).meta({ help: 'The larger batch size latency is measured at (besides 1).', unit: 'images' }),
    latencyRuns: z.number().int().min(1).max(1000).default(20).meta({ help: 'Timed runs per batch size; the median is reported.' }),
  }),
  async execute(ctx) {
    const { model, test } = ctx.inputs;
    const p = ctx.params;
    const problem = dataMismatch(model, test);
    if (problem) throw new NodeError(problem, { port: 'test' });
    if (test.count === 0) throw new NodeError(`${test.name} is empty`, { port: 'test' });

    ctx.progress(0, 'evaluating');
    const ev = await evaluateClassifier(model, test, {
      batchSize: p.batchSize,
      signal: ctx.signal,
      onBatch: (done, total) => ctx.progress((0.7 * done) / total, `batch ${done}/${total}`),
    });
    const g = new GraphBuilder({ training: false });
    buildModelGraph(model, g, { batch: 1, training: false });
    const onnx = exportOnnx(model);
    const values: Record<string, number> = {
      accuracy: round(ev.accuracy),
      loss: round(ev.loss),
      count: ev.count,
      parameters: parameterCount(model),
      nonzero_parameters: nonZeroParameterCount(model),
      macs: countMacs(g),
      bytes: Object.values(model.params).reduce((n, a) => n + a.byteLength, 0) + Object.values(model.buffers).reduce((n, a) => n + a.byteLength, 0),
      onnx_bytes: onnx.byteLength,
    };
    if (p.latency) {
      ctx.progress(0.75, 'measuring latency');
      const batches = p.latencyBatch === 1 ? [1] : [1, p.latencyBatch];
      const ms = await measureLatency(onnx, model.meta.inputShape, batches, p.latencyRuns, { signal: ctx.signal });
      values.latency_ms_b1 = round(ms[1]!, 3);
      if (p.latencyBatch !== 1) values[`latency_ms_b${p.latencyBatch}`] = round(ms[p.latencyBatch]!, 3);
    }
    const classes = model.meta.classes;
    const perClass: Table = {
      title: 'Per-class accuracy',
      columns: ['label', 'class', 'count', 'accuracy'],
      rows: ev.confusion.map((row, i) => [i, classes[i] ?? String(i), row.reduce((a, b) => a + b, 0), Number.isNaN(ev.perClass[i]!) ? null : round(ev.perClass[i]!)]),
    };
    const confusion: Table = {
      title: 'Confusion matrix (rows: true class, columns: predicted)',
      columns: ['true \\ predicted', ...classes],
      rows: ev.confusion.map((row, i) => [classes[i] ?? String(i), ...row]),
    };
    const image = await ctx.artifacts.write('confusion.png', encodePng(renderConfusion(ev.confusion)), 'image/png');
    const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).map(([k, v]) => [k, v]) };
    ctx.log(`${model.name} on ${test.name}: accuracy ${(100 * ev.accuracy).toFixed(2)}%, loss ${ev.loss.toFixed(4)}`);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables: [perClass, confusion] };
    const report: Report = {
      kind: 'report',
      title: `Evaluate: ${model.name} on ${test.name}`,
      images: [image],
      tables: [summary, perClass, confusion],
      text: `${model.name} on ${test.name} (${ev.count} images): accuracy ${(100 * ev.accuracy).toFixed(2)}%, mean cross-entropy ${ev.loss.toFixed(4)}.\nStages: ${model.meta.lineage.map((s) => s.node).join(' -> ') || 'none'}`,
    };
    return { metrics, report };
  },
});

// The frequency analyzer: how much of each first-layer conv kernel's energy lies above a radial cutoff
// (arXiv 1911.12044; methods.md section 9, step 1), the layer's high-frequency proportion, and each
// kernel drawn beside its power spectrum. The measurement is src/compute/frequency/spectrum.ts.
import { z } from 'zod';
import { firstConvLayer } from '../../src/compute/frequency/frequency-training';
import { kernelSpectra } from '../../src/compute/frequency/spectrum';
import { encodePng } from '../../src/compute/image/codec';
import { renderKernelSpectra } from '../../src/compute/image/robustness-charts';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import type { PortFacts } from '../../src/shared/port-facts';
import type { Metrics, Report, Table } from '../../src/shared/values';

export const spectrumParams = {
  pad: z.number().int().min(4).max(64).default(16).meta({ help: 'Side each kernel is zero-padded to before its 2-D DFT (at least the kernel size).', unit: 'pixels' }),
  cutoff: z.number().min(0.05).max(1.4).default(0.5).meta({ help: 'Radial cutoff as a fraction of Nyquist: frequencies above cutoff x 0.5 cycles/pixel count as high.' }),
};
const params = z.object(spectrumParams);

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

/** The issue of a model whose first weight layer is known (from the Model node's facts) not to be a conv. */
export function firstConvIssues(model: PortFacts | undefined, nodeTitle: string, pad?: number): { port?: string; param?: string; message: string }[] {
  const first = model?.weightLayers?.[0];
  if (!first) return [];
  if (first.kind !== 'conv' || first.shape.length !== 4)
    return [{ port: 'model', message: `${model?.modelName ?? 'the model'}'s first weight layer is ${first.name} (${first.kind} [${first.shape.join(', ')}]), not a 2-D convolution; ${nodeTitle} needs a conv first layer` }];
  if (pad !== undefined && pad < Math.max(first.shape[2]!, first.shape[3]!))
    return [{ param: 'pad', message: `pad ${pad} is smaller than ${first.name}'s ${first.shape[2]}x${first.shape[3]} kernels` }];
  return [];
}

export default defineNode({
  type: 'condense.analyze.frequency',
  version: 1,
  title: 'Frequency analyzer',
  category: 'Analyze',
  description: "The first conv layer's kernels in frequency: each kernel's share of energy above a radial cutoff, the layer's high-frequency proportion, and every kernel beside its power spectrum.",
  inputs: {
    model: { type: 'Model', required: true, description: 'A model whose first weight layer is a 2-D convolution.' },
  },
  outputs: {
    metrics: { type: 'Metrics', description: 'high_frequency_proportion, mean_high_share, kernels; a per-kernel table.' },
    report: { type: 'Report', description: 'kernel-spectra.png: each kernel (grey) beside its log power spectrum (the cutoff drawn white), and the table.' },
  },
  params,
  infer: (p, inputs) => ({ issues: firstConvIssues(inputs.model, 'the frequency analyzer', p.pad) as NonNullable<InferResult['issues']> }),
  async execute(ctx) {
    const { model } = ctx.inputs;
    const p = ctx.params;
    const first = firstConvLayer(model);
    if ('problem' in first) throw new NodeError(first.problem, { port: 'model' });
    const layer = first.layer;
    const [, , kh, kw] = layer.shape as [number, number, number, number];
    if (p.pad < Math.max(kh, kw)) throw new NodeError(`pad ${p.pad} is smaller than ${layer.name}'s ${kh}x${kw} kernels`, { param: 'pad' });
    ctx.progress(0, 'spectra');
    const weight = model.params[layer.name]!;
    const s = kernelSpectra(weight, layer.shape, { pad: p.pad, cutoff: p.cutoff });
    const values = { high_frequency_proportion: round(s.highProportion), mean_high_share: round(s.meanHighShare), kernels: layer.shape[0]! };
    const table: Table = {
      title: `${layer.name} [${layer.shape.join(', ')}]: high-frequency share per kernel (radius > ${p.cutoff} Nyquist, padded to ${p.pad}x${p.pad})`,
      columns: ['kernel', 'high-frequency share', 'high-frequency kernel', 'L2 norm'],
      rows: s.highShare.map((share, k) => {
        const size = weight.length / layer.shape[0]!;
        let norm = 0;
        for (let i = 0; i < size; i++) norm += weight[k * size + i]! ** 2;
        return [k, round(share), share > 0.5 ? 'yes' : 'no', round(Math.sqrt(norm))];
      }),
    };
    const image = await ctx.artifacts.write('kernel-spectra.png', encodePng(renderKernelSpectra(weight, layer.shape, s)), 'image/png');
    const text = `${model.name}, ${layer.name}: ${s.highShare.filter((v) => v > 0.5).length} of ${layer.shape[0]} kernels are high-frequency (proportion ${values.high_frequency_proportion}), mean high-frequency share ${values.mean_high_share}. Red frame: high-frequency kernel; blue: low. Spectra are centred (DC in the middle), log scale over 4 decades.`;
    ctx.log(text);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables: [table] };
    const report: Report = { kind: 'report', title: `Frequency analyzer: ${model.name}`, images: [image], tables: [{ title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values) }, table], text };
    return { metrics, report };
  },
});

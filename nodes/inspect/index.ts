// The Inspect dataset node: what a dataset looks like (a sample grid), how its classes are balanced and
// what its pixel statistics are, as a Report to look at and Metrics to compare.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { channelStats, classCounts } from '../../src/compute/data/transforms';
import { renderBarChart } from '../../src/compute/image/bar-chart';
import { encodePng } from '../../src/compute/image/codec';
import { renderSampleGrid } from '../../src/compute/image/grid';
import { defineNode } from '../../src/shared/node-sdk';
import type { Table } from '../../src/shared/values';

function channelNames(channels: number): string[] {
  if (channels === 1) return ['grey'];
  if (channels === 3) return ['red', 'green', 'blue'];
  return Array.from({ length: channels }, (_, i) => `channel ${i}`);
}

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));

function statsTable(title: string, stats: { mean: number[]; std: number[] }): Table {
  return {
    title,
    columns: ['channel', 'mean', 'std'],
    rows: channelNames(stats.mean.length).map((name, i) => [name, round(stats.mean[i]), round(stats.std[i])]),
  };
}

function describe(dataset: Dataset): string {
  const lines = [
    `${dataset.name}: ${dataset.count} ${dataset.task === 'paired' ? 'image pairs' : 'images'} of ${dataset.shape.join('x')} (channels x height x width)`,
  ];
  if (dataset.task === 'classify') lines.push(`${dataset.classes.length} classes: ${dataset.classes.join(', ')}`);
  if (dataset.targetShape) lines.push(`targets: ${dataset.targetShape.join('x')}`);
  lines.push(`source: ${dataset.source.kind}${dataset.source.files.length > 0 ? `, ${dataset.source.files.length} file(s)` : ''}`);
  if (dataset.source.note) lines.push(`note: ${dataset.source.note}`);
  const fmt = (values: number[]) => values.map((v) => round(v)).join(', ');
  lines.push(`normalisation recorded for models: mean [${fmt(dataset.normalize.mean)}], std [${fmt(dataset.normalize.std)}]`);
  if (dataset.count === 0) lines.push('The dataset is empty.');
  return lines.join('\n');
}

export default defineNode({
  type: 'condense.data.inspect',
  version: 1,
  title: 'Inspect dataset',
  category: 'Data',
  description: 'Shows sample images per class, the class histogram and per-channel statistics of a dataset.',
  inputs: {
    dataset: { type: 'Dataset', required: true, description: 'The dataset to look at.' },
  },
  outputs: {
    report: { type: 'Report', description: 'Sample grid, class histogram (table and chart), channel statistics, source note.' },
    metrics: { type: 'Metrics', description: 'count, classes, and mean_<channel> / std_<channel> in 0..1 units.' },
  },
  params: z.object({
    samples: z.number().int().min(1).max(32).default(8).meta({ help: 'Images shown per class (pairs, for paired datasets).', unit: 'images' }),
    split: z.string().default('').meta({ help: 'A label for the report title, e.g. train or test. Empty: the dataset name only.' }),
  }),
  async execute(ctx) {
    const { dataset } = ctx.inputs;
    const { samples, split } = ctx.params;
    ctx.progress(0, 'rendering samples');
    const grid = await ctx.artifacts.write('samples.png', encodePng(renderSampleGrid(dataset, { perClass: samples })), 'image/png');
    ctx.signal.throwIfAborted();

    ctx.progress(0.4, 'computing statistics');
    const stats = channelStats(dataset);
    const tables: Table[] = [statsTable('Per-channel mean and std (pixel / 255)', stats)];
    if (dataset.targets && dataset.targetShape) {
      const targets: Dataset = { ...dataset, shape: dataset.targetShape, pixels: dataset.targets };
      tables.push(statsTable('Targets: per-channel mean and std (pixel / 255)', channelStats(targets)));
    }
    const images = [grid];
    let histogram: Table | undefined;
    if (dataset.task === 'classify') {
      const counts = classCounts(dataset);
      histogram = {
        title: 'Class histogram',
        columns: ['label', 'class', 'count', 'share'],
        rows: counts.map((count, label) => [
          label,
          dataset.classes[label] ?? String(label),
          count,
          dataset.count > 0 ? round(count / dataset.count) : 0,
        ]),
      };
      tables.unshift(histogram);
      ctx.progress(0.8, 'drawing histogram');
      images.push(await ctx.artifacts.write('class-histogram.png', encodePng(renderBarChart(counts)), 'image/png'));
    }

    const values: Record<string, number> = { count: dataset.count, classes: dataset.classes.length };
    channelNames(stats.mean.length).forEach((name, i) => {
      values[`mean_${name}`] = stats.mean[i];
      values[`std_${name}`] = stats.std[i];
    });
    ctx.progress(1, 'done');
    return {
      report: {
        kind: 'report',
        title: `Inspect: ${dataset.name}${split && !dataset.name.includes(split) ? ` [${split}]` : ''}`,
        images,
        tables,
        text: describe(dataset),
      },
      metrics: { kind: 'metrics', values, tables: histogram ? [tables[1], histogram] : [tables[0]] },
    };
  },
});

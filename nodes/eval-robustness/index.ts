// The robustness evaluation node: clean accuracy, accuracy under common corruptions (CIFAR-10-C /
// MNIST-C style, 5 severities, seeded; src/compute/robustness/corruptions.ts) and under FGSM / PGD
// L-inf attacks (src/compute/robustness/adversarial.ts), with the corruption error relative to a
// reference model when one is connected (the -C benchmarks' CE). Draws the corruption x severity
// heatmap, the accuracy-vs-eps curve and a strip of corrupted samples.
import { z } from 'zod';
import type { Dataset } from '../../src/compute/data/dataset';
import { subsetDataset } from '../../src/compute/data/transforms';
import { encodePng } from '../../src/compute/image/codec';
import { renderAccuracyHeatmap, renderImageGrid, renderLineChart, type LineSeries } from '../../src/compute/image/robustness-charts';
import { evaluateClassifier } from '../../src/compute/model/evaluate';
import { dataMismatch, type Model } from '../../src/compute/model/model';
import { attackProblem, type AttackName } from '../../src/compute/robustness/adversarial';
import { corruptionSizeProblem, corruptPixels, parseCorruptionList, type CorruptionName } from '../../src/compute/robustness/corruptions';
import { corruptionErrors, evaluateRobustness, type ModelRobustness } from '../../src/compute/robustness/robustness';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataIssues } from '../../src/shared/port-facts';
import { seedParam } from '../../src/shared/training-params';
import type { Metrics, Report, Table } from '../../src/shared/values';

const ATTACKS = { 'fgsm+pgd': ['fgsm', 'pgd'], pgd: ['pgd'], fgsm: ['fgsm'], none: [] } as const satisfies Record<string, readonly AttackName[]>;
const adversarial = { attacks: ['fgsm+pgd', 'pgd', 'fgsm'] } as const;

export const robustnessParams = z.object({
  corruptions: z
    .string()
    .default('all')
    .meta({
      help: 'Comma-separated corruptions, or all: gaussian-noise, shot-noise, impulse-noise, gaussian-blur, defocus-blur, motion-blur, contrast, brightness, pixelate, jpeg, elastic. Empty: none.',
    }),
  severities: z.string().default('1,2,3,4,5').meta({ help: 'Comma-separated severities, each 1 (mild) to 5 (strong); the table of each corruption is in the node README.' }),
  count: z.number().int().min(0).max(1_000_000).default(2000).meta({ help: 'Test images the corruptions are applied to (the first n; 0: all). Clean accuracy always uses all.', unit: 'images' }),
  attacks: z.enum(['fgsm+pgd', 'pgd', 'fgsm', 'none']).default('fgsm+pgd').meta({ help: 'L-inf attacks run at every eps: FGSM (one step), PGD (steps of size stepSize, projected on the eps-ball).' }),
  eps: z.string().default('0,0.01,0.02,0.05,0.1').meta({ help: 'Comma-separated L-inf radii in pixel units of [0, 1] (8/255 = 0.0314); 0 is the clean accuracy.', appliesWhen: adversarial }),
  pgdSteps: z.number().int().min(1).max(1000).default(10).meta({ help: 'PGD iterations.', appliesWhen: adversarial }),
  pgdStepSize: z.number().min(0).max(1).default(0).meta({ help: 'PGD step in pixel units; 0: 2.5 eps / steps (Madry et al.).', appliesWhen: adversarial }),
  randomStart: z.boolean().default(true).meta({ help: 'PGD starts from a uniform point of the eps-ball.', appliesWhen: adversarial }),
  adversarialCount: z.number().int().min(1).max(1_000_000).default(500).meta({ help: 'Test images attacked (the first n); PGD costs steps + 1 passes per image.', unit: 'images', appliesWhen: adversarial }),
  seed: seedParam('Seed of the corruptions and of PGD\'s random start (the same seed corrupts the same images the same way for every model).'),
});
type Params = z.infer<typeof robustnessParams>;

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

interface Choice {
  corruptions: CorruptionName[];
  severities: number[];
  eps: number[];
  attacks: AttackName[];
}

/** The params read into lists, or the first problem with the param it concerns (pure: infer and execute). */
export function robustnessChoice(p: Params, shape?: readonly [number, number, number]): Choice | { param: keyof Params; message: string } {
  const parsed = p.corruptions.trim() === '' ? { names: [] } : parseCorruptionList(p.corruptions);
  if ('unknown' in parsed) return { param: 'corruptions', message: `unknown corruption${parsed.unknown.length > 1 ? 's' : ''} ${parsed.unknown.map((n) => `"${n}"`).join(', ')}; known: all, ${parseCorruptionNames()}` };
  const severities = p.severities.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const badSeverity = severities.find((s) => !Number.isInteger(s) || s < 1 || s > 5);
  if (badSeverity !== undefined || (parsed.names.length > 0 && severities.length === 0))
    return { param: 'severities', message: `severities are integers 1..5, got "${p.severities}"` };
  if (shape)
    for (const name of parsed.names) {
      const problem = corruptionSizeProblem(name, shape);
      if (problem) return { param: 'corruptions', message: `${problem}; leave ${name} out of corruptions or resize the data in its Dataset node` };
    }
  const attacks = [...ATTACKS[p.attacks]];
  const eps = attacks.length === 0 ? [] : p.eps.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  for (const e of eps) {
    const problem = attackProblem({ attack: 'pgd', eps: e, steps: p.pgdSteps, stepSize: p.pgdStepSize || undefined });
    if (problem) return { param: problem.option === 'eps' ? 'eps' : problem.option === 'steps' ? 'pgdSteps' : 'pgdStepSize', message: problem.message };
  }
  if (attacks.length > 0 && eps.length === 0) return { param: 'eps', message: 'eps lists no radius; give at least one (0.03), or set attacks to none' };
  if (parsed.names.length === 0 && attacks.length === 0) return { param: 'corruptions', message: 'nothing to measure: no corruption and attacks none' };
  return { corruptions: parsed.names, severities: [...new Set(severities)].sort((a, b) => a - b), eps: [...new Set(eps)].sort((a, b) => a - b), attacks };
}

const parseCorruptionNames = (): string => {
  const all = parseCorruptionList('all');
  return 'names' in all ? all.names.join(', ') : '';
};

const firstN = (data: Dataset, n: number): Dataset => (n > 0 && n < data.count ? subsetDataset(data, Array.from({ length: n }, (_, i) => i), `${data.name} (first ${n})`) : data);

/** The first test image, clean and at every chosen severity, one row per corruption. */
function sampleStrip(data: Dataset, choice: Choice, seed: number): Uint8Array {
  const one = subsetDataset(data, [0]);
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  const rows = choice.corruptions.map((name) => [one.pixels.slice(0, size), ...choice.severities.map((s) => corruptPixels(one, name, s, seed))]);
  const scale = Math.max(1, Math.floor(56 / Math.max(data.shape[1], data.shape[2])));
  return encodePng(renderImageGrid(rows, data.shape, choice.corruptions, ['clean', ...choice.severities.map(String)], scale));
}

export default defineNode({
  type: 'condense.eval.robustness',
  version: 1,
  title: 'Robustness',
  category: 'Evaluate',
  description:
    'Accuracy of a classifier under common corruptions (noise, blur, contrast, brightness, pixelate, JPEG, elastic; 5 severities, seeded) and FGSM / PGD attacks, with the corruption error relative to a reference model (mCE).',
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'The classifier to measure.' },
    test: { type: 'Dataset', required: true, constraints: { task: 'classify' }, description: 'Test images (corrupted and attacked here).' },
    reference: { type: 'Model', constraints: { task: 'classify' }, description: 'Optional: the model the corruption error (CE, mCE) is relative to, e.g. the dense model before compression.' },
  },
  outputs: {
    metrics: {
      type: 'Metrics',
      description:
        'clean_accuracy, mean_corruption_accuracy, acc_<corruption>_s<severity>, acc_<corruption>; with a reference: mce, relative_mce, ce_<corruption>, reference_*; pgd_eps_<eps>, fgsm_eps_<eps>.',
    },
    report: { type: 'Report', description: 'Corruption x severity heatmap, accuracy-vs-eps curve, corrupted samples, and the tables.' },
  },
  params: robustnessParams,
  infer: (p, inputs) => {
    const issues: NonNullable<InferResult['issues']> = [
      ...classifierIssues(inputs.model, 'Robustness'),
      ...classifierIssues(inputs.reference, 'Robustness', 'reference'),
      ...modelDataIssues(inputs, ['test']),
      ...modelDataIssues({ model: inputs.reference, test: inputs.test }, ['test']).map((i) => ({ ...i, port: 'reference' })),
    ];
    const choice = robustnessChoice(p, inputs.test?.shape);
    if ('message' in choice) issues.push({ param: choice.param, message: choice.message });
    return { issues };
  },
  async execute(ctx) {
    const { model, test, reference } = ctx.inputs;
    const p = ctx.params;
    const started = performance.now();
    for (const [port, m] of [['model', model], ['reference', reference]] as const) {
      if (!m) continue;
      if (m.meta.task !== 'classify') throw new NodeError(`${m.name} is an ${m.meta.task} model; Robustness takes classifiers`, { port });
      const problem = dataMismatch(m, test);
      if (problem) throw new NodeError(problem, { port: port === 'model' ? 'test' : 'reference' });
    }
    if (test.count === 0) throw new NodeError(`${test.name} is empty`, { port: 'test' });
    const choice = robustnessChoice(p, test.shape);
    if ('message' in choice) throw new NodeError(choice.message, { param: choice.param });

    const models: Model[] = reference ? [model, reference] : [model];
    const corruptSet = firstN(test, p.count);
    ctx.log(`${choice.corruptions.length} corruptions x ${choice.severities.length} severities on ${corruptSet.count} images; ${choice.attacks.join(', ') || 'no attack'} at eps ${choice.eps.join(', ') || '-'} on ${Math.min(p.adversarialCount, test.count)} images`);
    const results = await evaluateRobustness(
      models,
      corruptSet,
      {
        corruptions: choice.corruptions,
        severities: choice.severities,
        attacks: choice.attacks,
        eps: choice.eps,
        pgdSteps: p.pgdSteps,
        pgdStepSize: p.pgdStepSize || undefined,
        randomStart: p.randomStart,
        seed: p.seed,
        adversarialCount: Math.min(p.adversarialCount, test.count),
      },
      { signal: ctx.signal, progress: (f, m) => ctx.progress(0.95 * f, m) },
    );
    const [own, ref] = results as [ModelRobustness, ModelRobustness | undefined];
    // Clean accuracy on every test image even when the corruptions use fewer.
    const clean = corruptSet === test ? own.clean : (await evaluateClassifier(model, test, { signal: ctx.signal })).accuracy;

    const values: Record<string, number> = { clean_accuracy: round(clean), corruption_images: corruptSet.count };
    if (choice.corruptions.length > 0) {
      values.mean_corruption_accuracy = round(own.meanCorruption);
      if (corruptSet !== test) values.clean_accuracy_corruption_images = round(own.clean);
    }
    const tables: Table[] = [];
    if (choice.corruptions.length > 0) {
      const rows: Table['rows'] = [];
      for (const name of choice.corruptions) {
        const accs = own.corruption[name]!;
        choice.severities.forEach((s, i) => (values[`acc_${name}_s${s}`] = round(accs[i]!)));
        values[`acc_${name}`] = round(accs.reduce((a, b) => a + b, 0) / accs.length);
        rows.push([name, ...accs.map((a) => round(a)), values[`acc_${name}`]!]);
      }
      tables.push({ title: `Accuracy per corruption and severity (${corruptSet.count} images; clean ${(100 * own.clean).toFixed(2)}%)`, columns: ['corruption', ...choice.severities.map((s) => `severity ${s}`), 'mean'], rows });
    }
    if (ref && choice.corruptions.length > 0) {
      const ce = corruptionErrors(own, ref);
      Object.assign(values, { mce: round(ce.mce), relative_mce: round(ce.relativeMce), reference_clean_accuracy: round(ref.clean), reference_mean_corruption_accuracy: round(ref.meanCorruption) });
      for (const name of choice.corruptions) values[`ce_${name}`] = round(ce.ce[name]!);
      tables.push({
        title: `Corruption error relative to ${reference!.name} (CE = sum of errors over severities / the reference's; 1 = as robust)`,
        columns: ['corruption', 'CE', 'relative CE', `${model.name} mean accuracy`, `${reference!.name} mean accuracy`],
        rows: choice.corruptions.map((n) => {
          const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
          return [n, round(ce.ce[n]!), round(ce.relativeCe[n]!), round(mean(own.corruption[n]!)), round(mean(ref.corruption[n]!))];
        }),
      });
    }
    if (choice.attacks.length > 0) {
      for (const a of own.adversarial) values[`${a.attack}_eps_${a.eps}`] = round(a.accuracy);
      if (ref) for (const a of ref.adversarial) values[`reference_${a.attack}_eps_${a.eps}`] = round(a.accuracy);
      tables.push({
        title: `Accuracy under attack (${Math.min(p.adversarialCount, test.count)} images; PGD ${p.pgdSteps} steps, step ${p.pgdStepSize || '2.5 eps / steps'}, ${p.randomStart ? 'random start' : 'no random start'})`,
        columns: ['attack', 'eps', model.name, ...(ref ? [reference!.name] : [])],
        rows: own.adversarial.map((a, i) => [a.attack.toUpperCase(), a.eps, round(a.accuracy), ...(ref ? [round(ref.adversarial[i]!.accuracy)] : [])]),
      });
    }
    values.seconds = round((performance.now() - started) / 1000, 2);

    ctx.progress(0.96, 'drawing');
    const images = [];
    if (choice.corruptions.length > 0) {
      const heat = renderAccuracyHeatmap(
        choice.corruptions,
        [...choice.severities.map((s) => `S${s}`), 'MEAN'],
        choice.corruptions.map((n) => [...own.corruption[n]!, values[`acc_${n}`]!]),
        `${model.name}: accuracy %, clean ${(100 * own.clean).toFixed(1)}`,
      );
      images.push(await ctx.artifacts.write('corruption-heatmap.png', encodePng(heat), 'image/png'));
      images.push(await ctx.artifacts.write('corrupted-samples.png', sampleStrip(corruptSet, choice, p.seed), 'image/png'));
    }
    if (choice.attacks.length > 0) {
      const series: LineSeries[] = [];
      for (const [who, r] of [[model.name, own], ...(ref ? [[reference!.name, ref] as const] : [])] as const)
        for (const attack of choice.attacks) series.push({ name: `${who} ${attack}`, points: r.adversarial.filter((a) => a.attack === attack).map((a) => [a.eps, a.accuracy] as const) });
      images.push(await ctx.artifacts.write('accuracy-vs-eps.png', encodePng(renderLineChart(series, { title: 'Accuracy against L-inf eps', xLabel: 'eps', yRange: [0, 1] })), 'image/png'));
    }
    const summary: Table = { title: 'Summary', columns: ['metric', 'value'], rows: Object.entries(values).filter(([k]) => !k.startsWith('acc_') && !k.startsWith('ce_')).map(([k, v]) => [k, v]) };
    const text =
      `${model.name} on ${test.name}: clean ${(100 * clean).toFixed(2)}%` +
      (choice.corruptions.length > 0 ? `, mean corruption accuracy ${(100 * own.meanCorruption).toFixed(2)}% (${choice.corruptions.length} corruptions x ${choice.severities.length} severities, ${corruptSet.count} images)` : '') +
      (values.mce !== undefined ? `, mCE ${values.mce} relative to ${reference!.name}` : '') +
      (own.adversarial.length > 0 ? `; ${own.adversarial.map((a) => `${a.attack.toUpperCase()} eps ${a.eps}: ${(100 * a.accuracy).toFixed(1)}%`).join(', ')}` : '') +
      '. corrupted-samples.png: the first test image clean and at each severity.';
    ctx.log(text);
    ctx.progress(1, 'done');
    const metrics: Metrics = { kind: 'metrics', values, tables };
    const report: Report = { kind: 'report', title: `Robustness: ${model.name}`, images, tables: [summary, ...tables], text };
    return { metrics, report };
  },
});

// The Deploy node: turns a classifier into a package for a target (fp32 ONNX, an int8 or fp16 model
// when chosen, a generated C99 library), measures it on this host, estimates it on the target with a
// per-layer roofline model, and checks the budgets as pass/fail badges on the node.
import { z } from 'zod';
import { UnsupportedOpError } from '../../src/compute/deploy/c-library/index';
import { deployModel } from '../../src/compute/deploy/deploy';
import { measureHostFigures } from '../../src/compute/deploy/host-measure';
import { packageFolderProblem } from '../../src/compute/deploy/package-folder';
import { bundledTargetFile, bundledTargetIds, completeProfile, readTargetProfile, TargetProfileError, type TargetProfile } from '../../src/compute/deploy/targets';
import { encodePng } from '../../src/compute/image/codec';
import { dataMismatch } from '../../src/compute/model/model';
import { defineNode, NodeError, type InferResult } from '../../src/shared/node-sdk';
import { classifierIssues, modelDataIssues } from '../../src/shared/port-facts';
import type { Metrics, Report } from '../../src/shared/values';

const TARGETS = bundledTargetIds();
const targetIds = (TARGETS.length ? TARGETS : ['host']) as [string, ...string[]];

const params = z.object({
  target: z
    .enum(targetIds)
    .default(targetIds.includes('host') ? 'host' : targetIds[0])
    .meta({ help: 'Target profile (resources/targets/<id>.json). host: this machine, its figures measured when the node runs.' }),
  targetFile: z.string().default('').meta({ format: 'path', help: 'Your own target profile JSON (same fields as resources/targets/*.json); replaces target when set.' }),
  precision: z.enum(['fp32', 'fp16', 'int8']).default('fp32').meta({ help: 'fp32; int8: static quantization calibrated on the calibration input; fp16: only for targets with fp16 arithmetic.' }),
  calibration: z.enum(['minmax', 'percentile']).default('minmax').meta({ help: 'int8: activation ranges from the min and max over the calibration images, or from percentiles (clips outliers).' }),
  percentile: z.number().min(90).max(100).default(99.99).meta({ help: 'int8 percentile calibration: the share of values kept inside the range.', unit: '%' }),
  calibrationSamples: z.number().int().min(1).max(100000).default(256).meta({ help: 'int8: calibration images used (the first ones of the calibration input).', unit: 'images' }),
  floatFirstConv: z
    .boolean()
    .default(true)
    .meta({ help: 'int8: keep the first convolution in fp32. It reads the raw image (1-3 channels), where integer kernels are slower than float ones and rounding costs most.' }),
  batchSize: z.number().int().min(1).max(1024).default(1).meta({ help: 'Batch size of the latency measurement and the estimate.', unit: 'images' }),
  threads: z.number().int().min(1).max(256).default(1).meta({ help: 'onnxruntime threads on this host; the estimate assumes this many of the target cores (at most all of them).' }),
  runs: z.number().int().min(5).max(100000).default(100).meta({ help: 'Timed runs for the latency percentiles (after a tenth as many warm-up runs, at least 3).', unit: 'runs' }),
  latencyBudgetMs: z.number().min(0).default(0).meta({ help: 'Latency budget: measured p50 on the host profile, the estimate on other targets. 0: none.', unit: 'ms' }),
  ramBudgetBytes: z.number().int().min(0).default(0).meta({ help: 'RAM budget: measured peak memory on the host profile, the estimate (activations + weights) on other targets. 0: none.', unit: 'bytes' }),
  flashBudgetBytes: z.number().int().min(0).default(0).meta({ help: 'Flash budget: bytes of the deployed model file. 0: none.', unit: 'bytes' }),
  cLibrary: z.boolean().default(true).meta({ help: 'Generate the C99 library, build it and check it against onnxruntime (fails on ops the generator lacks).' }),
  cSamples: z.number().int().min(1).max(100000).default(1000).meta({ help: 'Test images run through the C library on this host (at most 200 under qemu for ARM targets).', unit: 'images' }),
  folder: z.string().default('deploy/{target}-{precision}').meta({ format: 'path', help: 'The package folder, relative to the graph file; {target} and {precision} are filled in. Replaced as a whole on each run.' }),
});

export default defineNode({
  type: 'condense.deploy.target',
  version: 1,
  title: 'Deploy to target',
  category: 'Export',
  description:
    'Packages a classifier for a target (fp32 ONNX, int8 or fp16 model, C99 library), measures latency, memory and accuracy on this host, estimates latency, RAM and flash on the target (per-layer roofline), and checks budgets.',
  inputs: {
    model: { type: 'Model', required: true, constraints: { task: 'classify' }, description: 'The classifier to deploy.' },
    test: { type: 'Dataset', constraints: { task: 'classify' }, description: 'Optional test images: accuracy of what is deployed, and agreement with the source model.' },
    calibration: { type: 'Dataset', constraints: { task: 'classify' }, description: 'int8: calibration images (training images, never the test set).' },
  },
  outputs: {
    package: { type: 'DeployPackage', description: 'The package folder: model.onnx, model.int8.onnx or model.fp16.onnx, c/, manifest.json (sha256 of every file), report.md, latency-per-layer.png.' },
    metrics: {
      type: 'Metrics',
      description:
        'latency_p50/p90/p99_ms, throughput_per_s, peak_memory_bytes, file_bytes, accuracy, fp32_agreement_with_source, accuracy_change_points, speedup_vs_fp32, c_ms_per_sample, c_agreement, estimated_latency_ms, estimated_ram_bytes, estimated_flash_bytes, estimate_error_pct, budget_*_ok.',
    },
    report: { type: 'Report', description: 'Latency per layer chart, the measured, estimated, int8 and budget tables; one badge per budget.' },
  },
  params,
  // The package folder on disk is the point of this node, and the figures are measurements of this
  // machine now: it re-runs every time, so the folder exists and matches after any run.
  cache: 'never',
  files: (p, resolve) => (p.targetFile.trim() ? [resolve(p.targetFile)] : []),
  infer: (p, inputs) => {
    const issues: NonNullable<InferResult['issues']> = [...classifierIssues(inputs.model, 'Deploy'), ...modelDataIssues(inputs, ['test', 'calibration'])];
    if (p.precision === 'int8' && !('calibration' in inputs)) issues.push({ port: 'calibration', message: 'int8 needs calibration images: connect a training split here' });
    if (!p.folder.trim()) issues.push({ param: 'folder', message: 'set folder to where the package goes' });
    return { issues };
  },
  async execute(ctx) {
    const { model, test, calibration } = ctx.inputs;
    const p = ctx.params;
    if (model.meta.task !== 'classify') throw new NodeError(`${model.name} is an ${model.meta.task} model; Deploy takes classifiers`, { port: 'model' });
    for (const [port, data] of [['test', test], ['calibration', calibration]] as const) {
      const problem = data && dataMismatch(model, data);
      if (problem) throw new NodeError(problem, { port });
      if (data && data.count === 0) throw new NodeError(`${data.name} is empty`, { port });
    }
    if (p.precision === 'int8' && !calibration) throw new NodeError('int8 needs calibration images: connect a training split to the calibration input', { port: 'calibration' });

    const userFile = p.targetFile.trim();
    const param = userFile ? 'targetFile' : 'target';
    let profileFile: string;
    let profile;
    try {
      profileFile = userFile ? ctx.resolvePath(userFile) : bundledTargetFile(p.target);
      profile = readTargetProfile(profileFile);
    } catch (e) {
      if (e instanceof TargetProfileError) throw new NodeError(e.message, { param, file: e.file });
      throw e;
    }
    if (p.precision === 'fp16' && profile.peakGflops.fp16 === null) {
      throw new NodeError(
        `${profile.name} has no fp16 arithmetic (${profile.isa})${profile.measured ? '; onnxruntime on this machine would run an fp16 graph by casting it to fp32' : ''}; choose fp32 or int8, or a target with fp16 such as phone-cortex-a76`,
        { param: 'precision' },
      );
    }
    if (!p.folder.trim()) throw new NodeError('set folder to where the package goes', { param: 'folder' });
    const folder = ctx.resolvePath(p.folder.replaceAll('{target}', profile.id).replaceAll('{precision}', p.precision));
    const folderProblem = packageFolderProblem(folder, ctx.resolvePath('.'));
    if (folderProblem) throw new NodeError(folderProblem, { param: 'folder' });
    ctx.progress(0, profile.measured ? 'measuring this machine' : `loading ${profile.id}`);
    const target: TargetProfile = await completeProfile(profile, profileFile, () => measureHostFigures(p.threads, folder));
    if (profile.measured) ctx.log(`this host: ${target.peakGflops.fp32} GFLOP/s fp32, ${target.peakGflops.int8} GOP/s int8 (onnxruntime, ${p.threads} thread${p.threads > 1 ? 's' : ''}), ${target.memoryBandwidthGBs} GB/s copy`);

    let outcome;
    try {
      outcome = await deployModel(
        model,
        target,
        { test, calibration },
        {
          precision: p.precision,
          calibrationMethod: p.calibration,
          percentile: p.percentile,
          calibrationSamples: Math.min(p.calibrationSamples, calibration?.count ?? 0),
          floatFirstConv: p.floatFirstConv,
          batch: p.batchSize,
          threads: p.threads,
          warmup: Math.max(3, Math.round(p.runs / 10)),
          runs: p.runs,
          cLibrary: p.cLibrary,
          cSamples: p.cSamples,
          budgets: { latencyMs: p.latencyBudgetMs, ramBytes: p.ramBudgetBytes, flashBytes: p.flashBudgetBytes },
          folder,
        },
        { signal: ctx.signal, progress: (f, m) => ctx.progress(f, m), log: (m, l) => ctx.log(m, l) },
      );
    } catch (e) {
      if (e instanceof UnsupportedOpError) throw new NodeError(`${e.message}; set cLibrary off to deploy without the C library`, { param: 'cLibrary' });
      throw e;
    }
    for (const b of outcome.badges) ctx.log(`budget ${b.ok ? 'met' : 'MISSED'}: ${b.detail}`, b.ok ? 'info' : 'warn');
    ctx.log(`wrote ${folder} (${outcome.files.length} files)`);
    const chart = await ctx.artifacts.write('latency-per-layer.png', encodePng(outcome.chart), 'image/png');
    ctx.progress(1, 'deployed');
    const metrics: Metrics = { kind: 'metrics', values: outcome.values, tables: outcome.tables };
    const report: Report = {
      kind: 'report',
      title: `Deploy: ${model.name} to ${target.id} (${p.precision})`,
      images: [chart],
      tables: outcome.tables,
      text: outcome.text,
      badges: outcome.badges,
    };
    return { package: outcome.pkg, metrics, report };
  },
});

// Deployment of a classifier to a target profile: the deployed artifacts (fp32 ONNX with batch norm
// folded, the int8 QDQ or fp16 model when chosen, the generated C library), what they do on this host
// (latency percentiles, throughput, peak memory, file bytes, accuracy against the source model), the
// roofline estimate on the target, budget checks, and the package folder with its manifest and report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import { encodePng } from '../image/codec.ts';
import { renderLatencyBars } from '../image/latency-bars.ts';
import type { PlanarImage } from '../image/image.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import { exportModelProto } from '../model/export.ts';
import type { Model } from '../model/model.ts';
import { encodeModel } from '../onnx/model.ts';
import { createSession, runSession } from '../ort/session.ts';
import type { Badge, DeployPackage, Table } from '../../shared/values';
import { buildCLibrary, generateCLibrary, runCLibrary } from './c-library/index.ts';
import { checkBudget, formatBytes, formatMs, type BudgetCheck } from './budgets.ts';
import { toFloat16Model, withHalfRoundedWeights } from './fp16.ts';
import { argmaxRows, measureFilesLatency, modelInputs, onnxLogits, type LatencyMeasurement } from './host-measure.ts';
import { PACKAGE_FORMAT, writePackageFolder, type PackageEntry, type PackagedFile } from './package-folder.ts';
import { optimizedOpCounts, quantizeInt8, type CalibrationMethod } from './quantize-int8.ts';
import { estimateOnTarget, type Estimate, type Precision } from './roofline.ts';
import { markdownReport } from './report-markdown.ts';
import type { TargetProfile } from './targets.ts';

export interface DeployOptions {
  precision: Precision;
  calibrationMethod: CalibrationMethod;
  percentile: number;
  calibrationSamples: number;
  /** int8: keep the first convolution in fp32 (few input channels: integer kernels are slow there). */
  floatFirstConv: boolean;
  batch: number;
  /** Threads for onnxruntime on this host and the share of the target's cores the estimate assumes. */
  threads: number;
  warmup: number;
  runs: number;
  cLibrary: boolean;
  /** Test images run through the C library on this host (and under qemu for ARM targets, at most 200). */
  cSamples: number;
  budgets: { latencyMs: number; ramBytes: number; flashBytes: number };
  folder: string;
}

export interface DeployEnvironment {
  signal?: AbortSignal;
  progress: (fraction: number, message: string) => void;
  log: (message: string, level?: 'info' | 'warn') => void;
}

/** One deployed artifact as run on this host. */
export interface ArtifactRun {
  name: string;
  file: string;
  bytes: number;
  latency?: LatencyMeasurement;
  /** ms per sample of the C library harness (batch 1). */
  msPerSample?: number;
  accuracy?: number;
  /** Fraction of test images on which its prediction equals the reference's. */
  agreement?: number;
  agreementWith?: string;
  /** The C library: share of test images predicted as the source model predicts them. */
  agreementWithSource?: number;
  /** Largest absolute difference of an output score against the reference. */
  maxAbsDiff?: number;
  samples?: number;
  note?: string;
}

export interface DeployOutcome {
  pkg: DeployPackage;
  values: Record<string, number>;
  tables: Table[];
  badges: Badge[];
  chart: PlanarImage;
  text: string;
  files: PackagedFile[];
}

const round = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : NaN;
}

function accuracyOf(predictions: Int32Array, labels: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[i]) hits++;
  return predictions.length ? hits / predictions.length : NaN;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Deterministic inputs for checks when no test set is connected (the values do not change the work). */
function syntheticInputs(count: number, size: number): Float32Array {
  return Float32Array.from({ length: count * size }, (_, i) => Math.sin(i * 12.9898) * 0.8);
}

export async function deployModel(model: Model, profile: TargetProfile, data: { test?: Dataset; calibration?: Dataset }, o: DeployOptions, env: DeployEnvironment): Promise<DeployOutcome> {
  const k = model.meta.classes.length;
  const proto = exportModelProto(model, { foldBatchNorm: true });
  const fp32 = encodeModel(proto);
  // Generated first: an op it cannot translate fails here, before anything slow.
  const lib = o.cLibrary ? generateCLibrary(proto) : undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'condense-deploy-'));
  try {
    const fp32File = join(scratch, 'model.onnx');
    writeFileSync(fp32File, fp32);
    const entries: PackageEntry[] = [{ path: 'model.onnx', data: fp32 }];
    const tables: Table[] = [];
    const values: Record<string, number> = {};
    const test = data.test;

    // --- the chosen precision's artifact ----------------------------------------------------------
    let chosen: { name: string; path: string; bytes: Uint8Array; runnable: boolean; note?: string } = { name: 'fp32 ONNX', path: 'model.onnx', bytes: fp32, runnable: true };
    let int8Facts: { kernels: Record<string, number>; activations: number; weights: number; removedRelus: number; floatNodes: string[] } | undefined;
    if (o.precision === 'int8') {
      env.progress(0.05, 'calibrating int8');
      const calib = modelInputs(model, data.calibration!, o.calibrationSamples);
      const firstConv = proto.graph.node.find((n) => n.opType === 'Conv')?.name;
      const floatNodes = new Set(o.floatFirstConv && firstConv ? [firstConv] : []);
      const q = await quantizeInt8(proto, calib, model.meta.inputShape, {
        floatNodes,
        method: o.calibrationMethod,
        percentile: o.percentile,
        threads: o.threads,
        signal: env.signal,
        onProgress: (f) => env.progress(0.05 + 0.15 * f, 'calibrating int8'),
      });
      const bytes = encodeModel(q.proto);
      const kernels = await optimizedOpCounts(bytes, o.threads, join(scratch, 'optimized.onnx'));
      int8Facts = { kernels, activations: q.activations.length, weights: q.weights.length, removedRelus: q.removedRelus, floatNodes: [...floatNodes] };
      chosen = { name: 'int8 ONNX (QDQ)', path: 'model.int8.onnx', bytes, runnable: true };
      const integer = Object.entries(kernels).filter(([op]) => /^(QLinear|QGemm|MatMulInteger|ConvInteger|DynamicQuantize)/.test(op));
      env.log(`int8: ${q.weights.length} weights per-channel, ${q.activations.length} activations per-tensor (${o.calibrationMethod}); onnxruntime runs ${integer.map(([op, n]) => `${n} ${op}`).join(', ') || 'no integer kernels'}`);
      if (!integer.length) env.log('onnxruntime did not fuse any QDQ group into an integer kernel; the int8 model runs in float with quantize/dequantize steps', 'warn');
    } else if (o.precision === 'fp16') {
      const bytes = encodeModel(toFloat16Model(proto));
      let runnable = true;
      let note: string | undefined;
      try {
        // onnxruntime runs an fp16 op without an fp16 kernel by casting around it to fp32: say so.
        const casts = ((await optimizedOpCounts(bytes, 1, join(scratch, 'optimized.onnx'))).Cast ?? 0) - 2;
        if (casts > 0) note = `on this host onnxruntime added ${casts} casts to run ops without fp16 kernels in fp32, so its latency here is not fp16 arithmetic`;
      } catch (e) {
        runnable = false;
        note = `onnxruntime cannot run it on this host (${(e as Error).message.split('\n')[0]!.slice(0, 160)}); its accuracy is measured with fp16-rounded weights and fp32 activations, and its latency only estimated`;
        env.log(`fp16: ${note}`, 'warn');
      }
      chosen = { name: 'fp16 ONNX', path: 'model.fp16.onnx', bytes, runnable, note };
    }
    if (chosen.path !== 'model.onnx') entries.push({ path: chosen.path, data: chosen.bytes });
    const chosenFile = join(scratch, chosen.path);
    writeFileSync(chosenFile, chosen.bytes);

    // --- latency on this host ---------------------------------------------------------------------
    env.progress(0.2, 'measuring latency on this host');
    const latencyOptions = { batch: o.batch, threads: o.threads, warmup: o.warmup, runs: o.runs, signal: env.signal };
    // fp32 and the chosen artifact are timed in one process, their runs interleaved: a fair ratio.
    const timed = chosen.path !== 'model.onnx' && chosen.runnable ? [fp32File, chosenFile] : [fp32File];
    const latencies = await measureFilesLatency(timed, model.meta.inputShape, latencyOptions);
    const runs: ArtifactRun[] = [{ name: 'fp32 ONNX', file: 'model.onnx', bytes: fp32.byteLength, latency: latencies[0]! }];
    let chosenRun = runs[0]!;
    if (chosen.path !== 'model.onnx') {
      chosenRun = { name: chosen.name, file: chosen.path, bytes: chosen.bytes.byteLength, note: chosen.note, latency: latencies[1] };
      runs.push(chosenRun);
    }

    // --- accuracy against the source model --------------------------------------------------------
    let fp32Logits: Float32Array | undefined;
    let fp32Predictions: Int32Array | undefined;
    let sourcePredictions: Int32Array | undefined;
    if (test) {
      env.progress(0.4, 'checking accuracy on the test set');
      const source = await evaluateClassifier(model, test, { batchSize: 256, intraOpThreads: o.threads, signal: env.signal });
      values.source_accuracy = round(source.accuracy);
      sourcePredictions = source.predictions;
      fp32Logits = await onnxLogits(fp32, model, test, { threads: o.threads, signal: env.signal });
      fp32Predictions = argmaxRows(fp32Logits, k);
      Object.assign(runs[0]!, { accuracy: accuracyOf(fp32Predictions, test.labels), agreement: agreement(fp32Predictions, source.predictions), agreementWith: 'source model', samples: test.count });
      if (chosenRun !== runs[0]) {
        const bytes = chosen.runnable ? chosen.bytes : encodeModel(withHalfRoundedWeights(proto));
        const predictions = argmaxRows(await onnxLogits(bytes, model, test, { threads: o.threads, signal: env.signal }), k);
        Object.assign(chosenRun, { accuracy: accuracyOf(predictions, test.labels), agreement: agreement(predictions, fp32Predictions), agreementWith: 'fp32 ONNX', samples: test.count });
      }
    }

    // --- the C library ----------------------------------------------------------------------------
    if (lib) {
      env.progress(0.55, 'building the C library');
      const cDir = join(scratch, 'c');
      const count = Math.max(1, Math.min(o.cSamples, test?.count ?? 64));
      const inputs = test ? modelInputs(model, test, count) : syntheticInputs(count, lib.inputSize);
      const reference = fp32Logits ? fp32Logits.subarray(0, count * k) : await referenceLogits(fp32, inputs, count, model, o.threads);
      const referencePredictions = argmaxRows(reference, k);
      const checkRun = async (name: string, target: 'host' | 'aarch64', samples: number): Promise<ArtifactRun> => {
        const built = await buildCLibrary(lib, join(cDir, target), target);
        if ('skipped' in built) return { name, file: 'c/', bytes: 0, note: `skipped: ${built.skipped}` };
        const run = await runCLibrary(built, inputs.subarray(0, samples * lib.inputSize), samples, lib, { signal: env.signal, minMs: target === 'host' ? 200 : 0 });
        const predictions = argmaxRows(run.outputs, k);
        return {
          name,
          file: 'c/',
          bytes: lib.weightBytes,
          msPerSample: run.msPerSample,
          agreement: agreement(predictions, referencePredictions.subarray(0, samples)),
          agreementWith: 'fp32 ONNX (onnxruntime)',
          agreementWithSource: sourcePredictions && agreement(predictions, sourcePredictions.subarray(0, samples)),
          maxAbsDiff: maxAbsDiff(run.outputs, reference.subarray(0, samples * k)),
          accuracy: test ? accuracyOf(predictions, test.labels.subarray(0, samples)) : undefined,
          samples,
          note: built.runner ? `cross-compiled with ${built.compiler}, run under ${built.runner}` : `built with ${built.compiler}`,
        };
      };
      runs.push(await checkRun('C library (this host)', 'host', count));
      if (profile.arch === 'aarch64') {
        env.progress(0.65, 'cross-compiling the C library for aarch64');
        runs.push(await checkRun('C library (aarch64, qemu)', 'aarch64', Math.min(count, 200)));
      } else if (profile.arch === 'armv7e-m') {
        env.log(`${profile.name}: no Cortex-M toolchain (arm-none-eabi-gcc) is used here; the C library was checked on this host only`, 'warn');
      }
      for (const [name, text] of Object.entries(lib.files)) entries.push({ path: `c/${name}`, data: text });
    }

    // --- roofline estimate on the target ----------------------------------------------------------
    env.progress(0.75, 'estimating on the target');
    const estimate = estimateOnTarget(proto, profile, { precision: o.precision, inputShape: model.meta.inputShape, batch: o.batch, threads: o.threads, floatLayers: new Set(int8Facts?.floatNodes) });
    const fp32Estimate = o.precision === 'fp32' ? estimate : estimateOnTarget(proto, profile, { precision: 'fp32', inputShape: model.meta.inputShape, batch: o.batch, threads: o.threads });

    // --- figures ----------------------------------------------------------------------------------
    const m = chosenRun.latency;
    const fp32Latency = runs[0]!.latency!;
    Object.assign(values, {
      file_bytes: chosen.bytes.byteLength,
      fp32_file_bytes: fp32.byteLength,
      latency_p50_ms: round(fp32Latency.p50, 4),
      latency_p90_ms: round(fp32Latency.p90, 4),
      latency_p99_ms: round(fp32Latency.p99, 4),
      throughput_per_s: round(fp32Latency.throughput, 1),
      estimated_latency_ms: round(estimate.latencyMs, 5),
      estimated_ram_bytes: estimate.ramBytes,
      estimated_flash_bytes: estimate.flashBytes,
      macs: estimate.macs,
    });
    if (fp32Latency.peakBytes !== null) values.peak_memory_bytes = fp32Latency.peakBytes;
    if (m && chosenRun !== runs[0]) {
      Object.assign(values, {
        latency_p50_ms: round(m.p50, 4),
        latency_p90_ms: round(m.p90, 4),
        latency_p99_ms: round(m.p99, 4),
        throughput_per_s: round(m.throughput, 1),
        fp32_latency_p50_ms: round(fp32Latency.p50, 4),
        speedup_vs_fp32: round(fp32Latency.p50 / m.p50, 3),
      });
      if (m.peakBytes !== null) values.peak_memory_bytes = m.peakBytes;
    }
    if (runs[0]!.accuracy !== undefined) {
      values.fp32_accuracy = round(runs[0]!.accuracy);
      values.fp32_agreement_with_source = round(runs[0]!.agreement!);
      values.accuracy = round(chosenRun.accuracy ?? runs[0]!.accuracy);
      if (chosenRun !== runs[0] && chosenRun.accuracy !== undefined) values.accuracy_change_points = round(100 * (chosenRun.accuracy - runs[0]!.accuracy), 2);
    }
    const cHost = runs.find((r) => r.name === 'C library (this host)');
    if (cHost?.msPerSample !== undefined) {
      values.c_ms_per_sample = round(cHost.msPerSample, 4);
      values.c_agreement = round(cHost.agreement!);
      if (cHost.agreementWithSource !== undefined) values.c_agreement_with_source = round(cHost.agreementWithSource);
      values.c_max_abs_diff = cHost.maxAbsDiff!;
    }
    const cArm = runs.find((r) => r.name.startsWith('C library (aarch64'));
    if (cArm?.agreement !== undefined) values.c_aarch64_agreement = round(cArm.agreement);
    const isHost = profile.measured;
    const measuredForEstimate = isHost ? (o.precision === 'fp32' ? fp32Latency : m) : undefined;
    if (measuredForEstimate) values.estimate_error_pct = round((100 * (estimate.latencyMs - measuredForEstimate.p50)) / measuredForEstimate.p50, 1);

    // --- budgets ----------------------------------------------------------------------------------
    const checks: BudgetCheck[] = [];
    const where = isHost ? 'measured on this host' : `estimated for ${profile.id}`;
    const latencyValue = isHost && m ? m.p50 : estimate.latencyMs;
    if (o.budgets.latencyMs > 0) checks.push(checkBudget('latency', latencyValue, o.budgets.latencyMs, formatMs, isHost && m ? `p50 ${where}, batch ${o.batch}` : `${where}, batch ${o.batch}`));
    const ramValue = isHost && m?.peakBytes != null ? m.peakBytes : estimate.ramBytes;
    if (o.budgets.ramBytes > 0) checks.push(checkBudget('RAM', ramValue, o.budgets.ramBytes, formatBytes, isHost && m?.peakBytes != null ? `peak resident ${where}` : `${where}`));
    if (o.budgets.flashBytes > 0) checks.push(checkBudget('flash', chosen.bytes.byteLength, o.budgets.flashBytes, formatBytes, `${chosen.path} file`));
    if (!isHost) {
      checks.push(checkBudget('fits RAM', estimate.ramBytes, profile.ramBytes, formatBytes, `estimated activations${profile.weightsInFlash ? '' : ' + weights'} vs the ${profile.id} RAM`));
      checks.push(checkBudget('fits flash', chosen.bytes.byteLength, profile.flashBytes, formatBytes, `${chosen.path} vs the ${profile.id} flash`));
    }
    for (const c of checks) values[`budget_${c.label.replace(/\s+/g, '_').toLowerCase()}_ok`] = c.ok ? 1 : 0;

    // --- tables, chart, report, package -------------------------------------------------------------
    tables.push(measuredTable(runs, o.batch));
    tables.push(estimateTable(estimate, profile));
    if (isHost) tables.push(estimateVsMeasuredTable([[`fp32`, fp32Estimate, fp32Latency], ...(o.precision !== 'fp32' && m ? [[o.precision, estimate, m] as const] : [])]));
    if (int8Facts) {
      tables.push({
        title: 'int8: kernels onnxruntime runs after fusing the QDQ groups',
        columns: ['op', 'count'],
        rows: Object.entries(int8Facts.kernels).sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => [op, n]),
      });
    }
    if (checks.length) tables.push({ title: 'Budgets', columns: ['budget', 'value', 'limit', 'ok', 'detail'], rows: checks.map((c) => [c.label, round(c.value, 4), c.limit, c.ok ? 'yes' : 'no', c.detail]) });
    tables.push(profileTable(profile));

    const timeText = (ms: number) => (ms < 1 ? `${Number((ms * 1000).toPrecision(3))} us` : `${Number(ms.toPrecision(3))} ms`);
    const chart = renderLatencyBars(
      [
        ...estimate.layers.filter((l) => l.bound !== 'none').map((l) => ({ label: `${l.name} ${l.opType}`, value: l.ms, category: l.bound === 'compute' ? 0 : 1, text: `${timeText(l.ms)} ${(100 * l.share).toFixed(1)}%` })),
        { label: 'total estimate', value: estimate.latencyMs, category: 2, text: timeText(estimate.latencyMs) },
        ...(isHost && measuredForEstimate ? [{ label: 'measured p50', value: measuredForEstimate.p50, category: 3, text: timeText(measuredForEstimate.p50) }] : []),
      ],
      { title: `${model.name} ${o.precision} on ${profile.id}: estimated latency per layer (batch ${o.batch})`, categories: ['compute-bound', 'memory-bound', 'total', ...(isHost ? ['measured'] : [])] },
    );
    const png = encodePng(chart);
    entries.push({ path: 'latency-per-layer.png', data: png });
    const text = summaryText(model, profile, o, runs, estimate, values, int8Facts);
    entries.push({ path: 'report.md', data: markdownReport(`Deploy ${model.name} to ${profile.name} (${o.precision})`, text, tables, 'latency-per-layer.png') });
    env.progress(0.9, 'writing the package');
    const files = writePackageFolder(o.folder, entries, (list) => ({
      format: PACKAGE_FORMAT,
      version: 1,
      model: model.name,
      target: profile.id,
      precision: o.precision,
      input: JSON.parse(proto.metadataProps.find((e) => e.key === 'condense.input')?.value ?? 'null'),
      lineage: model.meta.lineage.map((s) => s.node),
      files: list,
    }));
    return {
      pkg: { kind: 'deploy-package', target: profile.id, precision: o.precision, folder: o.folder, files },
      values,
      tables,
      badges: checks.map(({ label, ok, detail }) => ({ label, ok, detail })),
      chart,
      text,
      files,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function referenceLogits(onnx: Uint8Array, inputs: Float32Array, count: number, model: Model, threads: number): Promise<Float32Array> {
  const session = await createSession(onnx, { intraOpThreads: threads });
  try {
    const out = await runSession(session, { [session.inputNames[0]!]: { dtype: 'float32', shape: [count, ...model.meta.inputShape], values: inputs } });
    return out[session.outputNames[0]!]!.values as Float32Array;
  } finally {
    await session.release();
  }
}

function measuredTable(runs: ArtifactRun[], batch: number): Table {
  const pct = (v?: number) => (v === undefined ? null : round(100 * v, 2));
  return {
    title: `Measured on this host (onnxruntime at batch ${batch}; the C library at batch 1)`,
    columns: ['artifact', 'file', 'bytes', 'p50 ms', 'p90 ms', 'p99 ms', 'throughput /s', 'peak memory', 'accuracy %', 'agreement %', 'with', 'max |diff|', 'samples', 'note'],
    rows: runs.map((r) => [
      r.name,
      r.file,
      r.bytes,
      r.latency ? round(r.latency.p50, 4) : r.msPerSample !== undefined ? round(r.msPerSample, 4) : null,
      r.latency ? round(r.latency.p90, 4) : null,
      r.latency ? round(r.latency.p99, 4) : null,
      r.latency ? round(r.latency.throughput, 1) : r.msPerSample ? round(1000 / r.msPerSample, 1) : null,
      r.latency?.peakBytes != null ? formatBytes(r.latency.peakBytes) : null,
      pct(r.accuracy),
      pct(r.agreement),
      r.agreementWith ?? null,
      r.maxAbsDiff !== undefined ? Number(r.maxAbsDiff.toExponential(2)) : null,
      r.samples ?? null,
      r.note ?? null,
    ]),
  };
}

function estimateTable(e: Estimate, profile: TargetProfile): Table {
  return {
    title: `Roofline estimate on ${profile.id} (${e.precision}, batch ${e.batch}, ${e.threads} of ${profile.cores} cores: ${round(e.peakGops, 2)} G${e.precision === 'int8' ? 'OP' : 'FLOP'}/s, ${e.bandwidthGBs} GB/s)`,
    columns: ['layer', 'op', 'output', 'MACs/sample', 'ops', 'bytes moved', 'ops/byte', 'compute ms', 'memory ms', 'estimate ms', 'bound', 'share %'],
    rows: [
      ...e.layers.map((l) => [l.name, l.opType, l.outputShape.join('x'), l.macs, l.ops, l.bytes, round(l.intensity, 2), round(l.computeMs, 6), round(l.memoryMs, 6), round(l.ms, 6), l.bound, round(100 * l.share, 1)]),
      ['total', '', '', e.macs, e.layers.reduce((s, l) => s + l.ops, 0), e.layers.reduce((s, l) => s + l.bytes, 0), null, null, null, round(e.latencyMs, 6), '', 100],
    ],
  };
}

function estimateVsMeasuredTable(rows: (readonly [string, Estimate, LatencyMeasurement])[]): Table {
  return {
    title: 'This host: roofline estimate vs measured p50',
    columns: ['precision', 'estimate ms', 'measured p50 ms', 'estimate / measured', 'error %'],
    rows: rows.map(([p, e, m]) => [p, round(e.latencyMs, 5), round(m.p50, 5), round(e.latencyMs / m.p50, 3), round((100 * (e.latencyMs - m.p50)) / m.p50, 1)]),
  };
}

function profileTable(p: TargetProfile): Table {
  return {
    title: `Target profile ${p.id}${p.measured ? ' (measured on this host)' : ''}`,
    columns: ['figure', 'value'],
    rows: [
      ['name', p.name],
      ['ISA', p.isa],
      ['cores', p.cores],
      ['clock GHz', p.clockGHz],
      ['peak fp32 GFLOP/s', p.peakGflops.fp32],
      ['peak fp16 GFLOP/s', p.peakGflops.fp16 ?? 'no fp16 arithmetic'],
      ['peak int8 GOP/s', p.peakGflops.int8],
      ['memory bandwidth GB/s', p.memoryBandwidthGBs],
      ['caches', Object.entries(p.cacheBytes).map(([k, v]) => `${k} ${formatBytes(v!)}`).join(', ') || 'unknown'],
      ['RAM', formatBytes(p.ramBytes)],
      ['flash', formatBytes(p.flashBytes)],
      ['weights in flash', p.weightsInFlash ? 'yes' : 'no'],
      ['notes', p.notes],
      ['sources', p.sources.join('; ')],
      ['file', p.file],
    ],
  };
}

function summaryText(model: Model, profile: TargetProfile, o: DeployOptions, runs: ArtifactRun[], e: Estimate, values: Record<string, number>, int8?: { removedRelus: number; activations: number; weights: number; floatNodes: string[] }): string {
  const lines = [
    `${model.name} deployed for ${profile.name} (${profile.id}) in ${o.precision}, batch ${o.batch}, ${o.threads} thread${o.threads > 1 ? 's' : ''}.`,
    `Roofline estimate: t = sum over layers of max(ops / peak, bytes / bandwidth) = ${formatMs(e.latencyMs)} on ${profile.id}; RAM ${formatBytes(e.ramBytes)} (peak live activations ${formatBytes(e.activationBytes)}${profile.weightsInFlash ? ', weights in flash' : ` + weights ${formatBytes(e.weightBytes)}`}), flash ${formatBytes(e.flashBytes)} of weights. It assumes the profile's peak compute, one pass over memory per layer and no per-op overhead, so a real run is slower unless it beats those peaks.`,
  ];
  const fp32 = runs[0]!;
  lines.push(`Measured on this host: fp32 ONNX p50 ${formatMs(fp32.latency!.p50)}, p99 ${formatMs(fp32.latency!.p99)}, ${fp32.latency!.throughput.toFixed(0)} samples/s.`);
  if (values.estimate_error_pct !== undefined) lines.push(`The ${o.precision} estimate is ${Math.abs(values.estimate_error_pct)}% ${values.estimate_error_pct < 0 ? 'below' : 'above'} the measured ${o.precision} p50 on this host.`);
  if (fp32.agreement !== undefined) lines.push(`The deployed fp32 ONNX gives the source model's prediction on ${(100 * fp32.agreement).toFixed(2)}% of ${fp32.samples} test images (accuracy ${(100 * fp32.accuracy!).toFixed(2)}%, source ${(100 * values.source_accuracy!).toFixed(2)}%).`);
  if (int8) {
    const speed = values.speedup_vs_fp32;
    lines.push(
      `int8 (${o.calibrationMethod}${o.calibrationMethod === 'percentile' ? ` ${o.percentile}%` : ''} calibration on ${o.calibrationSamples} images, ${int8.weights} weights per-channel, ${int8.activations} activations per-tensor, ${int8.removedRelus} Relu folded into the quantizer${int8.floatNodes.length ? `, ${int8.floatNodes.join(', ')} kept in fp32` : ''}): ` +
        `${values.accuracy_change_points !== undefined ? `accuracy ${values.accuracy_change_points >= 0 ? '+' : ''}${values.accuracy_change_points} points vs fp32, ` : ''}` +
        `${speed !== undefined ? `p50 speedup ${speed}x vs fp32 on this host${speed < 1 ? ' (slower: at this size quantize/dequantize and kernel overheads outweigh the cheaper arithmetic)' : ''}` : ''}.`,
    );
  }
  for (const r of runs.filter((r) => r.name.startsWith('C library'))) {
    if (r.agreement !== undefined) lines.push(`${r.name}: same prediction as onnxruntime on ${(100 * r.agreement).toFixed(2)}% of ${r.samples} inputs${r.agreementWithSource !== undefined ? ` (as the source model on ${(100 * r.agreementWithSource).toFixed(2)}%)` : ''}, largest score difference ${r.maxAbsDiff!.toExponential(2)}, ${formatMs(r.msPerSample!)} per sample (${r.note}).`);
    else lines.push(`${r.name}: ${r.note}.`);
  }
  return lines.join('\n');
}

// Whole training steps of a zoo model (forward + backward in one session, as TrainStep compiles it)
// under several lowerings and session settings, run round-robin so machine load hits them alike;
// minimum and median per variant.
// Run: npx tsx bench/compute/zoo-step.bench.ts [resnet8|lenet5|...] [rounds] [threads] [variant ...]
//   variants: base (the defaults), plain-conv (no NCHWc rewrite), dw-conv / dw-matmul / dw-shifted
//   (conv weight-gradient lowerings), dx-conv-transpose / dx-flipped-conv, level-extended, no-spin, intraN (thread count); join with +

import type * as ort from 'onnxruntime-node';
import type { ConvInputGradLowering } from '../../src/compute/autodiff/conv-input-grad.ts';
import type { ConvWeightGradLowering } from '../../src/compute/autodiff/conv-weight-grad.ts';
import { grad } from '../../src/compute/autodiff/grad.ts';
import { GraphBuilder } from '../../src/compute/graph/graph-builder.ts';
import * as F from '../../src/compute/graph/ops/index.ts';
import { buildModelGraph, createZooModel } from '../../src/compute/model/model.ts';
import { nchwcBlockSize, rewriteConvsToNchwc } from '../../src/compute/ort/nchwc.ts';
import { createSession, type HostTensor } from '../../src/compute/ort/session.ts';
import { roundRobinTimes } from './round-robin.ts';

const which = process.argv[2] ?? 'resnet8';
const rounds = Number(process.argv[3] ?? 20);
const threads = Number(process.argv[4] ?? 2);
const variantNames = process.argv.slice(5).length ? process.argv.slice(5) : ['base', 'plain-conv'];
const batch = 64;
const [c, h, w] = which === 'lenet5' || which === 'mlp' ? [1, 28, 28] : [3, 32, 32];

interface Variant {
  name: string;
  nchwc: boolean;
  weightGrad?: ConvWeightGradLowering;
  inputGrad?: ConvInputGradLowering;
  level: 'all' | 'extended';
  spinning: boolean;
  intraOp?: number;
}

function variantOf(name: string): Variant {
  const v: Variant = { name, nchwc: true, level: 'all', spinning: true };
  for (const part of name.split('+')) {
    if (part === 'plain-conv') v.nchwc = false;
    else if (part.startsWith('dw-')) v.weightGrad = part.slice(3) as ConvWeightGradLowering;
    else if (part.startsWith('dx-')) v.inputGrad = part.slice(3) as ConvInputGradLowering;
    else if (part === 'level-extended') v.level = 'extended';
    else if (part === 'no-spin') v.spinning = false;
    else if (part.startsWith('intra')) v.intraOp = Number(part.slice(5));
    else if (part !== 'base') throw new Error(`unknown variant part ${part}`);
  }
  return v;
}

async function compile(v: Variant): Promise<{ session: ort.InferenceSession; feeds: Record<string, HostTensor> }> {
  const data = { shape: [c, h, w] as [number, number, number], classes: Array.from({ length: 10 }, (_, i) => String(i)), normalize: { mean: [0], std: [1] } };
  const model = createZooModel(data, { architecture: which as never, seed: 0 });
  const g = new GraphBuilder({ training: true });
  const { logits } = buildModelGraph(model, g, { batch, training: true });
  const labels = g.input('labels', [batch], 'int64');
  const loss = F.crossEntropy(logits, labels);
  const params = [...g.params.keys()];
  const grads = grad(
    g,
    loss,
    params.map((p) => g.tensor(p)),
    { ...(v.weightGrad ? { convWeightGrad: v.weightGrad } : {}), ...(v.inputGrad ? { convInputGrad: v.inputGrad } : {}) },
  );
  const outputs = Object.fromEntries([['loss', loss], ...params.map((p, i) => [`grad:${p}`, grads[i]!]), ...[...g.bufferUpdates].map(([b, t]) => [`buffer:${b}`, t])]);
  let onnx = g.toModel({ outputs, state: 'inputs' });
  if (v.nchwc) onnx = rewriteConvsToNchwc(onnx, (n) => (g.has(n) ? g.tensor(n) : undefined), await nchwcBlockSize());
  const session = await createSession(onnx, { intraOpThreads: v.intraOp ?? threads, optimizationLevel: v.level, nchwc: false, spinning: v.spinning });
  let s = 1;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const feeds: Record<string, HostTensor> = {
    input: { dtype: 'float32', shape: [batch, c, h, w], values: Float32Array.from({ length: batch * c * h * w }, () => rnd() * 2 - 1) },
    labels: { dtype: 'int64', shape: [batch], values: BigInt64Array.from({ length: batch }, () => BigInt(Math.floor(rnd() * 10))) },
  };
  for (const p of [...g.params.values(), ...g.buffers.values()]) feeds[p.name] = { dtype: p.dtype, shape: p.shape, values: p.initial };
  return { session, feeds };
}

const variants = variantNames.map(variantOf);
const compiled = [];
for (const v of variants) compiled.push(await compile(v));
const times = await roundRobinTimes(compiled, rounds);
const rows = variants.map((v, i) => {
  const sorted = times[i]!;
  return { variant: v.name, min_ms: Number(sorted[0]!.toFixed(2)), median_ms: Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2)) };
});
console.log(JSON.stringify({ model: which, batch, threads, rounds, rows }, null, 2));

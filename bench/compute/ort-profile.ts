// Where the time of a compiled training step goes inside onnxruntime: the zoo model's training graph
// (forward + gradients, as TrainStep compiles it) run with onnxruntime's own profiler, its per-node
// kernel times summed by op type and split into forward and backward nodes.
// Run: npx tsx bench/compute/ort-profile.ts [resnet8|lenet5|pix2pix-d|pix2pix-g] [steps] [threads] [--nodes N] [--level all|extended|basic]
//      [--no-nchwc] (plain Conv nodes, as before the NCHWc rewrite) [--dw conv|batched-matmul|shifted-matmul]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { grad } from '../../src/compute/autodiff/grad.ts';
import { GraphBuilder, type Tensor } from '../../src/compute/graph/graph-builder.ts';
import * as F from '../../src/compute/graph/ops/index.ts';
import { buildModelGraph, createZooModel } from '../../src/compute/model/model.ts';
import { encodeModel } from '../../src/compute/onnx/model.ts';
import { nchwcBlockSize, rewriteConvsToNchwc } from '../../src/compute/ort/nchwc.ts';
import { toOrt } from '../../src/compute/ort/session.ts';
import { pix2pixGraph } from './pix2pix-graph.ts';

const valued = new Set(['--nodes', '--level', '--dw']);
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !valued.has(all[i - 1]!));
const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const which = positional[0] ?? 'resnet8';
const steps = Number(positional[1] ?? 20);
const threads = Number(positional[2] ?? 2);
const topNodes = Number(flag('nodes', '25'));
const level = flag('level', 'all') as 'all' | 'extended' | 'basic';

let s = 1;
const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const random = (shape: number[]) => toOrt({ dtype: 'float32', shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rnd() * 2 - 1) });
const g = new GraphBuilder({ training: true });
const batchFeeds: Record<string, ort.Tensor> = {};
let loss: Tensor;
let params: string[];
if (which === 'pix2pix-d' || which === 'pix2pix-g') {
  // The bench's pix2pix pair at 32x32, batch 16: the D step or the G step.
  const batch = 16;
  const pair = pix2pixGraph(g, batch);
  loss = which === 'pix2pix-d' ? pair.dLoss : pair.gLoss;
  params = which === 'pix2pix-d' ? pair.dParams : pair.gParams;
  batchFeeds.input = random([batch, 3, 32, 32]);
  batchFeeds.target = random([batch, 3, 32, 32]);
  if (which === 'pix2pix-d') batchFeeds.fake = random([batch, 3, 32, 32]);
} else {
  const [c, h, w] = which === 'lenet5' ? [1, 28, 28] : [3, 32, 32];
  const batch = 64;
  const data = { shape: [c, h, w] as [number, number, number], classes: Array.from({ length: 10 }, (_, i) => String(i)), normalize: { mean: [0], std: [1] } };
  const model = createZooModel(data, { architecture: which as 'resnet8', seed: 0 });
  const { logits } = buildModelGraph(model, g, { batch, training: true });
  const labels = g.input('labels', [batch], 'int64');
  loss = F.crossEntropy(logits, labels);
  params = [...g.params.keys()];
  batchFeeds.input = random([batch, c, h, w]);
  batchFeeds.labels = toOrt({ dtype: 'int64', shape: [batch], values: BigInt64Array.from({ length: batch }, () => BigInt(Math.floor(rnd() * 10))) });
}
const forwardNodes = new Set(g.nodes.map((n) => n.name));
const grads = grad(
  g,
  loss,
  params.map((p) => g.tensor(p)),
  process.argv.includes('--dw') ? { convWeightGrad: flag('dw', 'auto') as never } : {},
);
const outputs: Record<string, Tensor> = { loss };
params.forEach((p, i) => (outputs[`grad:${p}`] = grads[i]!));
for (const [b, t] of g.bufferUpdates) outputs[`buffer:${b}`] = t;
const plain = g.toModel({ outputs, state: 'inputs' });
const onnx = process.argv.includes('--no-nchwc') ? plain : rewriteConvsToNchwc(plain, (n) => (g.has(n) ? g.tensor(n) : undefined), await nchwcBlockSize());
const opCounts = new Map<string, number>();
for (const n of onnx.graph.node) opCounts.set(n.opType, (opCounts.get(n.opType) ?? 0) + 1);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-'));
const session = await ort.InferenceSession.create(encodeModel(onnx), {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: level,
  enableProfiling: true,
  profileFilePrefix: path.join(dir, 'step'),
});
const feeds: Record<string, ort.Tensor> = { ...batchFeeds };
for (const name of session.inputNames) {
  const p = g.params.get(name) ?? g.buffers.get(name);
  if (p) feeds[name] = toOrt({ dtype: p.dtype, shape: p.shape, values: p.initial });
}
const wall: number[] = [];
for (let i = 0; i < steps + 3; i++) {
  const t = performance.now();
  await session.run(feeds);
  if (i >= 3) wall.push(performance.now() - t);
}
session.endProfiling();
await session.release();
const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
if (!file) throw new Error('onnxruntime wrote no profile');
interface Event {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; node_index?: string };
}
const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Event[];
fs.rmSync(dir, { recursive: true });

// Skip the three warm-up runs: keep the kernel events after the 3rd "model_run".
const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const perRun = kernels.length / runs.length;
const counted = kernels.slice(Math.round(3 * perRun));
const runsCounted = runs.length - 3;
const byOp = new Map<string, { fwd: number; bwd: number; count: number }>();
const byNode = new Map<string, { op: string; us: number }>();
let total = 0;
for (const e of counted) {
  const node = e.name.slice(0, -'_kernel_time'.length);
  const op = e.args?.op_name ?? '?';
  // Fused nodes keep the name of the first node they absorbed, followed by a suffix.
  const base = node.split('/')[0]!.replace(/_(token|fused)_?\d*$/i, '');
  const fwd = forwardNodes.has(node) || forwardNodes.has(base);
  const r = byOp.get(op) ?? { fwd: 0, bwd: 0, count: 0 };
  if (fwd) r.fwd += e.dur;
  else r.bwd += e.dur;
  r.count++;
  byOp.set(op, r);
  const n = byNode.get(node) ?? { op, us: 0 };
  n.us += e.dur;
  byNode.set(node, n);
  total += e.dur;
}
const nodeByName = new Map(onnx.graph.node.map((n) => [n.name, n]));
/** The input shapes of a recorded node, for telling the top nodes apart. */
function shapesOf(name: string): string {
  const node = nodeByName.get(name) ?? nodeByName.get(name.split('/')[0]!.replace(/_(token|fused|nchwc)_?\d*$/i, ''));
  if (!node) return '';
  return node.input.map((i) => (i && g.has(i) ? `[${g.tensor(i).shape}]` : '-')).join(' ');
}
const ms = (us: number) => Number((us / 1000 / runsCounted).toFixed(3));
const sortedWall = [...wall].sort((a, b) => a - b);
const ops = [...byOp].sort((a, b) => b[1].fwd + b[1].bwd - (a[1].fwd + a[1].bwd));
console.log(
  JSON.stringify(
    {
      model: which,
      batch: batchFeeds.input!.dims[0],
      threads,
      level,
      steps: runsCounted,
      onnx_nodes: onnx.graph.node.length,
      onnx_ops: Object.fromEntries([...opCounts].sort((a, b) => b[1] - a[1])),
      kernels_per_run: perRun,
      wall_ms: { min: Number(sortedWall[0]!.toFixed(2)), median: Number(sortedWall[Math.floor(sortedWall.length / 2)]!.toFixed(2)) },
      kernel_ms_per_step: ms(total),
      by_op_ms_per_step: Object.fromEntries(ops.map(([op, r]) => [op, { forward: ms(r.fwd), backward: ms(r.bwd), kernels: r.count / runsCounted }])),
      top_nodes_ms: Object.fromEntries(
        [...byNode]
          .sort((a, b) => b[1].us - a[1].us)
          .slice(0, topNodes)
          .map(([n, r]) => [`${n} (${r.op} ${shapesOf(n)})`, ms(r.us)]),
      ),
    },
    null,
    2,
  ),
);

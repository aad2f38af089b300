// Measures the convolution gradient lowerings on onnxruntime's CPU provider.
// Run: npx tsx bench/compute/conv-grad.bench.ts [threads] [basic|extended|all]
// Prints, per layer shape, the time of the forward conv, the input gradient (ConvTranspose) and
// the weight-gradient lowerings, each as its own session (median of repeated runs).

import { GraphBuilder, type Tensor } from '../../src/compute/graph/graph-builder.ts';
import { conv2d } from '../../src/compute/graph/ops/index.ts';
import { createSession, runSession, type HostTensor } from '../../src/compute/ort/session.ts';
import { attr } from '../../src/compute/graph/graph-builder.ts';
import { convInputGradByFlippedConv } from '../../src/compute/autodiff/conv-input-grad.ts';
import { convWeightGradByBatchedMatmul, convWeightGradByConv } from '../../src/compute/autodiff/conv-weight-grad.ts';
import { sum } from '../../src/compute/graph/ops/index.ts';

const threads = Number(process.argv[2] ?? 0) || undefined;
const optimizationLevel = (process.argv[3] ?? 'all') as 'basic' | 'extended' | 'all';

interface Layer {
  name: string;
  n: number;
  c: number;
  o: number;
  hw: number;
  k: number;
  stride: number;
}

const layers: Layer[] = [
  { name: 'mnist conv1 1->32 28x28', n: 64, c: 1, o: 32, hw: 28, k: 3, stride: 1 },
  { name: 'mnist conv2 32->64 14x14', n: 64, c: 32, o: 64, hw: 14, k: 3, stride: 1 },
  { name: 'cifar 64->64 32x32', n: 64, c: 64, o: 64, hw: 32, k: 3, stride: 1 },
  { name: 'cifar 64->128 16x16 s2', n: 64, c: 64, o: 128, hw: 32, k: 3, stride: 2 },
  { name: 'resnet 128->128 8x8', n: 64, c: 128, o: 128, hw: 8, k: 3, stride: 1 },
];

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

async function time(build: (g: GraphBuilder) => Tensor, inputs: Record<string, number[]>): Promise<number> {
  const g = new GraphBuilder();
  const feeds: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(inputs)) {
    g.input(name, shape);
    feeds[name] = { dtype: 'float32', shape, values: random(shape.reduce((p, d) => p * d, 1)) };
  }
  const y = build(g);
  const session = await createSession(g.toModel({ outputs: { y } }), { intraOpThreads: threads, optimizationLevel });
  for (let i = 0; i < 3; i++) await runSession(session, feeds);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await runSession(session, feeds);
    times.push(performance.now() - t0);
  }
  await session.release();
  return times.sort((a, b) => a - b)[5]!;
}

for (const l of layers) {
  const pad = (l.k - 1) / 2;
  const ho = Math.floor((l.hw + 2 * pad - l.k) / l.stride) + 1;
  const xs = [l.n, l.c, l.hw, l.hw];
  const ws = [l.o, l.c, l.k, l.k];
  const dys = [l.n, l.o, ho, ho];
  const geo = { strides: [l.stride, l.stride], dilations: [1, 1], pads: [pad, pad, pad, pad], group: 1 };
  // The forward output is summed: fetching a large tensor from onnxruntime-node costs more than the conv.
  const fwd = await time((g) => sum(conv2d(g.tensor('x'), g.tensor('w'), null, { stride: l.stride, padding: pad }), [1]), { x: xs, w: ws });
  const dx = await time(
    (g) =>
      g.op('ConvTranspose', [g.tensor('dy'), g.tensor('w')], {
        strides: attr.ints(geo.strides),
        pads: attr.ints(geo.pads),
        output_padding: attr.ints([l.hw - (l.stride * (ho - 1) + l.k - 2 * pad), l.hw - (l.stride * (ho - 1) + l.k - 2 * pad)]),
      }),
    { dy: dys, w: ws },
  );
  const flippedOk = l.stride === 1;
  const dxFlipped = flippedOk ? await time((g) => convInputGradByFlippedConv(g.tensor('dy'), g.tensor('w'), geo), { dy: dys, w: ws }) : NaN;
  const dwConv = await time((g) => convWeightGradByConv(g.tensor('x'), g.tensor('dy'), [l.k, l.k], geo), { x: xs, dy: dys });
  const dwBatched = await time((g) => convWeightGradByBatchedMatmul(g.tensor('x'), g.tensor('dy'), [l.k, l.k], geo), { x: xs, dy: dys });
  console.log(
    `${l.name.padEnd(28)} forward ${fwd.toFixed(2)} ms | dx ConvTranspose ${dx.toFixed(2)} ms | dx flipped conv ${dxFlipped.toFixed(2)} ms | dW conv-over-batch ${dwConv.toFixed(2)} ms | dW batched MatMul ${dwBatched.toFixed(2)} ms`,
  );
}

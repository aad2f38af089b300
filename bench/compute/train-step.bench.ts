// Time of one training step (forward + backward in one session) of a small CNN, per conv gradient
// lowering and onnxruntime optimisation level. The variants run round-robin so that load from
// other processes affects them alike; the median is reported.
// Run: npx tsx bench/compute/train-step.bench.ts [threads] [batch] [rounds] [mnist|cifar]
//   mnist: 1x28x28, conv32-pool-conv64-pool-fc128-fc10
//   cifar: 3x32x32, conv32-conv32-pool-conv64-conv64-pool-fc10

import type { ConvInputGradLowering } from '../../src/compute/autodiff/conv-input-grad.ts';
import type { ConvWeightGradLowering } from '../../src/compute/autodiff/conv-weight-grad.ts';
import { grad } from '../../src/compute/autodiff/grad.ts';
import { GraphBuilder } from '../../src/compute/graph/graph-builder.ts';
import { conv2dLayer, linearLayer } from '../../src/compute/graph/layers.ts';
import * as F from '../../src/compute/graph/ops/index.ts';
import { createSession, type HostTensor } from '../../src/compute/ort/session.ts';
import { roundRobinTimes } from './round-robin.ts';
import type * as ort from 'onnxruntime-node';

const threads = Number(process.argv[2] ?? 0) || undefined;
const n = Number(process.argv[3] ?? 64);
const rounds = Number(process.argv[4] ?? 20);
const model = process.argv[5] === 'cifar' ? 'cifar' : 'mnist';
const inputShape = model === 'cifar' ? [n, 3, 32, 32] : [n, 1, 28, 28];

interface Variant {
  label: string;
  weight: ConvWeightGradLowering;
  input: ConvInputGradLowering;
  level: 'extended' | 'all';
}

const variants: Variant[] = [];
for (const level of ['extended', 'all'] as const)
  for (const weight of ['conv', 'batched-matmul'] as const)
    for (const input of ['conv-transpose', 'flipped-conv'] as const)
      variants.push({ label: `opt ${level.padEnd(8)} dW ${weight.padEnd(14)} dx ${input.padEnd(14)}`, weight, input, level });

async function compile(v: Variant): Promise<{ session: ort.InferenceSession; feeds: Record<string, HostTensor> }> {
  const g = new GraphBuilder({ seed: 1, training: true });
  const x = g.input('x', inputShape);
  const y = g.input('y', [n], 'int64');
  let logits;
  if (model === 'cifar') {
    let h = F.relu(conv2dLayer(x, 'conv1', 32, 3, { padding: 1 }));
    h = F.maxPool2d(F.relu(conv2dLayer(h, 'conv2', 32, 3, { padding: 1 })), { kernel: 2 });
    h = F.relu(conv2dLayer(h, 'conv3', 64, 3, { padding: 1 }));
    h = F.maxPool2d(F.relu(conv2dLayer(h, 'conv4', 64, 3, { padding: 1 })), { kernel: 2 });
    logits = linearLayer(F.flatten(h), 'fc', 10);
  } else {
    let h = F.maxPool2d(F.relu(conv2dLayer(x, 'conv1', 32, 3, { padding: 1 })), { kernel: 2 });
    h = F.maxPool2d(F.relu(conv2dLayer(h, 'conv2', 64, 3, { padding: 1 })), { kernel: 2 });
    logits = linearLayer(F.relu(linearLayer(F.flatten(h), 'fc1', 128)), 'fc2', 10);
  }
  const loss = F.crossEntropy(logits, y);
  const params = [...g.params.keys()];
  const grads = grad(
    g,
    loss,
    params.map((p) => g.tensor(p)),
    { convWeightGrad: v.weight, convInputGrad: v.input },
  );
  const outputs = Object.fromEntries([['loss', loss], ...params.map((p, i) => [`grad:${p}`, grads[i]!])]);
  const session = await createSession(g.toModel({ outputs }), { intraOpThreads: threads, optimizationLevel: v.level });
  const feeds: Record<string, HostTensor> = {
    x: { dtype: 'float32', shape: inputShape, values: Float32Array.from({ length: inputShape.reduce((p, d) => p * d, 1) }, () => Math.random()) },
    y: { dtype: 'int64', shape: [n], values: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 10)) },
  };
  for (const p of g.params.values()) feeds[p.name] = { dtype: p.dtype, shape: p.shape, values: p.initial };
  return { session, feeds };
}

const compiled = await Promise.all(variants.map(compile));
const times = await roundRobinTimes(compiled, rounds);
variants.forEach((v, i) => {
  const sorted = times[i]!;
  console.log(`${model} batch ${n}, ${v.label} median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms/step, min ${sorted[0]!.toFixed(1)}`);
});

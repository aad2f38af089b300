import { describe, expect, it } from 'vitest';
import { attr, GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { createSession, runSession } from '../ort/session.ts';
import { checkGradients, type GradCheckOptions } from './grad-check.ts';
import { grad } from './grad.ts';
import {
  affineGridRef,
  avgPool2dRef,
  conv2dRef,
  convTranspose2dRef,
  erfRef,
  globalAvgPoolRef,
  gridSampleRef,
  haarLevelRef,
  instanceNormRef,
  resizeBilinearRef,
  upsampleNearestRef,
} from './reference-ops.ts';

const TIMEOUT = 60_000;

async function expectGradOk(options: GradCheckOptions): Promise<void> {
  const result = await checkGradients(options);
  for (const [name, err] of Object.entries(result.relativeError)) expect(err, `relative error of d/d${name}`).toBeLessThan(1e-3);
  if (result.forwardError !== undefined) expect(result.forwardError, 'reference forward vs onnxruntime').toBeLessThan(1e-4);
}

function count(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Values in ±[0.2, 1): away from the kinks of relu, abs, clamp and friends. */
function awayFromZero(shape: number[], seed = 7): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count(shape) }, () => (rng() < 0.5 ? -1 : 1) * (0.2 + 0.8 * rng()));
}

function positive(shape: number[], seed = 9): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count(shape) }, () => 0.5 + rng());
}

/** Distinct values (shuffled grid), so max pooling and max reductions have no ties. */
function distinct(shape: number[], seed = 11): number[] {
  const n = count(shape);
  const rng = createRng(seed);
  const v = Array.from({ length: n }, (_, i) => -1 + (2 * i) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v;
}

type Unary = (x: Tensor) => Tensor;

describe('gradient rules (finite differences, float64 reference)', () => {
  describe('elementwise', () => {
    const unary: [string, Unary, (s: number[]) => number[]][] = [
      ['neg', F.neg, awayFromZero],
      ['abs', F.abs, awayFromZero],
      ['exp', F.exp, awayFromZero],
      ['log', F.log, positive],
      ['sqrt', F.sqrt, positive],
      ['reciprocal', F.reciprocal, awayFromZero],
      ['relu', F.relu, awayFromZero],
      ['leakyRelu', (x) => F.leakyRelu(x, 0.2), awayFromZero],
      ['sigmoid', F.sigmoid, awayFromZero],
      ['tanh', F.tanh, awayFromZero],
      ['softplus', F.softplus, awayFromZero],
      ['elu', (x) => F.elu(x, 0.7), awayFromZero],
      ['hardSigmoid', F.hardSigmoid, (s) => awayFromZero(s).map((v) => v * 2.5)],
      ['hardSwish', F.hardSwish, (s) => awayFromZero(s).map((v) => v * 2.5)],
      ['identity', F.identity, awayFromZero],
      ['square', F.square, awayFromZero],
      ['pow (constant 3)', (x) => F.pow(x, 3), awayFromZero],
      ['pow (constant 0.5)', (x) => F.pow(x, 0.5), positive],
      ['clamp', (x) => F.clamp(x, -0.5, 0.5), (s) => awayFromZero(s).map((v) => (Math.abs(Math.abs(v) - 0.5) < 0.05 ? v * 0.5 : v))],
      ['clamp (min only)', (x) => F.clamp(x, 0.1), awayFromZero],
      ['cast round trip', (x) => F.cast(F.cast(x, 'float64'), x.dtype), awayFromZero],
      ['softmax', (x) => F.softmax(x, 1), awayFromZero],
      ['softmax (axis -1)', (x) => F.softmax(x, -1), awayFromZero],
      ['logSoftmax', (x) => F.logSoftmax(x, 1), awayFromZero],
    ];
    for (const [name, op, values] of unary)
      it(name, { timeout: TIMEOUT }, () => expectGradOk({ build: ({ x }) => op(x!), inputs: [{ name: 'x', shape: [2, 3, 4], values: values([2, 3, 4]) }] }));

    const binary: [string, (a: Tensor, b: Tensor) => Tensor, number[], number[], (s: number[], seed: number) => number[]][] = [
      ['add (broadcast)', F.add, [2, 3, 4], [3, 1], awayFromZero],
      ['sub (broadcast)', F.sub, [2, 3], [3], awayFromZero],
      ['mul (broadcast)', F.mul, [2, 3, 4], [1, 3, 1], awayFromZero],
      ['div (broadcast)', F.div, [2, 3, 4], [4], awayFromZero],
      ['pow (tensor exponent)', F.pow, [2, 3], [2, 3], positive],
      ['maximum', F.maximum, [2, 3], [2, 3], distinct],
      ['minimum (broadcast)', F.minimum, [2, 3], [3], distinct],
    ];
    for (const [name, op, sa, sb, values] of binary)
      it(name, { timeout: TIMEOUT }, () =>
        expectGradOk({
          build: ({ a, b }) => op(a!, b!),
          inputs: [
            { name: 'a', shape: sa, values: values(sa, 3) },
            { name: 'b', shape: sb, values: values(sb, 4).map((v) => v * 0.9 + 0.01) },
          ],
        }),
      );

    // Erf has no float64 kernel in onnxruntime: the reference is a float64 series.
    it('erf', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ x }) => F.erf(x!), inputs: [{ name: 'x', shape: [2, 3] }], reference: (v) => v.x!.map(erfRef) }),
    );
    it('gelu (exact)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x }) => F.gelu(x!),
        inputs: [{ name: 'x', shape: [2, 3], values: [-2, -1, -0.3, 0.2, 0.9, 2.5] }],
        reference: (v) => v.x!.map((x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2))),
      }),
    );
    it('gelu (tanh approximation)', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ x }) => F.gelu(x!, { approximate: 'tanh' }), inputs: [{ name: 'x', shape: [2, 3], values: [-2, -1, -0.3, 0.2, 0.9, 2.5] }] }),
    );

    it('where', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ c, a, b }) => F.where(F.greater(c!, 0), a!, b!),
        inputs: [
          { name: 'c', shape: [2, 3], grad: false },
          { name: 'a', shape: [2, 3] },
          { name: 'b', shape: [3] },
        ],
      }),
    );

    it('prelu (per-channel slope)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, a }) => F.prelu(x!, a!),
        inputs: [
          { name: 'x', shape: [2, 3, 2], values: awayFromZero([2, 3, 2]) },
          { name: 'a', shape: [3, 1] },
        ],
      }),
    );

    it('variadic sum', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ a, b, c }) => a!.graph.op('Sum', [a!, b!, c!]),
        inputs: [
          { name: 'a', shape: [2, 3] },
          { name: 'b', shape: [3] },
          { name: 'c', shape: [2, 1] },
        ],
      }),
    );

    it('a value used several times accumulates its gradients', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ x }) => F.add(F.mul(x!, x!), F.tanh(x!)), inputs: [{ name: 'x', shape: [3, 2] }] }),
    );
  });

  describe('linear algebra', () => {
    it('matmul (2-D)', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ a, b }) => F.matmul(a!, b!), inputs: [{ name: 'a', shape: [3, 4] }, { name: 'b', shape: [4, 5] }] }),
    );
    it('matmul (batched, broadcast)', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ a, b }) => F.matmul(a!, b!), inputs: [{ name: 'a', shape: [2, 1, 3, 4] }, { name: 'b', shape: [3, 4, 2] }] }),
    );
    it('linear (Gemm with bias)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b }) => F.linear(x!, w!, b!),
        inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [5, 4] }, { name: 'b', shape: [5] }],
      }),
    );
    it('linear over 3-D input (MatMul + Add)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b }) => F.linear(x!, w!, b!),
        inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 'w', shape: [5, 4] }, { name: 'b', shape: [5] }],
      }),
    );
    for (const transA of [0, 1])
      for (const transB of [0, 1])
        it(`Gemm transA=${transA} transB=${transB} alpha beta`, { timeout: TIMEOUT }, () =>
          expectGradOk({
            build: ({ a, b, c }) =>
              a!.graph.op('Gemm', [a!, b!, c!], { transA: attr.int(transA), transB: attr.int(transB), alpha: attr.float(0.7), beta: attr.float(1.3) }),
            inputs: [
              { name: 'a', shape: transA ? [4, 3] : [3, 4] },
              { name: 'b', shape: transB ? [5, 4] : [4, 5] },
              { name: 'c', shape: [1, 5] },
            ],
          }),
        );
  });

  describe('convolution', () => {
    const cases: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; geo: F.Conv2dOptions; bias: boolean }[] = [
      { name: '3x3 pad 1', x: [2, 3, 5, 5], w: [4, 3, 3, 3], geo: { padding: 1 }, bias: true },
      { name: 'stride 2, even input', x: [2, 2, 6, 6], w: [3, 2, 3, 3], geo: { stride: 2, padding: 1 }, bias: true },
      { name: 'stride 2, odd input, no pad', x: [1, 2, 7, 5], w: [2, 2, 3, 2], geo: { stride: 2 }, bias: false },
      { name: 'dilation 2', x: [2, 2, 7, 7], w: [2, 2, 3, 3], geo: { dilation: 2, padding: 2 }, bias: true },
      { name: 'stride 2 dilation 2', x: [1, 2, 9, 8], w: [2, 2, 2, 3], geo: { dilation: 2, stride: 2, padding: 1 }, bias: false },
      { name: 'groups 2', x: [2, 4, 5, 5], w: [6, 2, 3, 3], geo: { groups: 2, padding: 1 }, bias: true },
      { name: 'depthwise stride 2', x: [2, 3, 6, 6], w: [3, 1, 3, 3], geo: { groups: 3, padding: 1, stride: 2 }, bias: true },
      { name: '1x1', x: [2, 3, 4, 4], w: [5, 3, 1, 1], geo: {}, bias: true },
      // More weights than positions: the MatMul lowerings put the batch into the contraction.
      { name: 'few positions, many channels', x: [2, 12, 2, 2], w: [10, 12, 3, 3], geo: { padding: 1 }, bias: false },
    ];
    const pair = (v: number | readonly [number, number] | undefined, d: number): [number, number] =>
      v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
    // Every applicable combination of the weight- and input-gradient lowerings.
    const convVariants = cases.flatMap((c) =>
      (['conv', 'batched-matmul', 'shifted-matmul'] as const)
        .filter((weight) => weight === 'conv' || (c.geo.groups ?? 1) === 1)
        .flatMap((weight) =>
          (['conv-transpose', 'flipped-conv', 'matmul-col2im'] as const)
            .filter((input) => input === 'conv-transpose' || (input === 'matmul-col2im' ? (c.geo.groups ?? 1) === 1 : c.geo.stride === undefined))
            .map((input) => ({ c, weight, input })),
        ),
    );
    for (const { c, weight, input } of convVariants)
      it(`conv2d ${c.name} (weight gradient: ${weight}, input gradient: ${input})`, { timeout: TIMEOUT }, () =>
        expectGradOk({
          gradOptions: { convWeightGrad: weight, convInputGrad: input },
          build: ({ x, w, b }) => F.conv2d(x!, w!, c.bias ? b! : null, c.geo),
          inputs: [
            { name: 'x', shape: c.x },
            { name: 'w', shape: c.w },
            { name: 'b', shape: [c.w[0]], grad: c.bias },
          ],
          reference: (v) =>
            conv2dRef(v.x!, c.x, v.w!, c.w, c.bias ? v.b! : null, {
              stride: pair(c.geo.stride, 1),
              padding: pair(c.geo.padding, 0),
              dilation: pair(c.geo.dilation, 1),
              groups: c.geo.groups ?? 1,
            }),
        }),
      );

    const tcases: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; s: number; p: number; op: number; d: number; groups: number }[] = [
      { name: 'stride 2 pad 1 output padding 1', x: [2, 3, 3, 3], w: [3, 2, 3, 3], s: 2, p: 1, op: 1, d: 1, groups: 1 },
      { name: 'stride 1', x: [1, 2, 4, 3], w: [2, 3, 2, 2], s: 1, p: 0, op: 0, d: 1, groups: 1 },
      { name: 'groups 2 dilation 2', x: [2, 4, 3, 3], w: [4, 1, 2, 2], s: 2, p: 1, op: 0, d: 2, groups: 2 },
    ];
    const transposeVariants = tcases.flatMap((c) =>
      (['conv', 'batched-matmul', 'shifted-matmul'] as const).filter((weight) => weight === 'conv' || c.groups === 1).map((weight) => ({ c, weight })),
    );
    for (const { c, weight } of transposeVariants)
      it(`convTranspose2d ${c.name} (weight gradient: ${weight})`, { timeout: TIMEOUT }, () =>
        expectGradOk({
          gradOptions: { convWeightGrad: weight },
          build: ({ x, w, b }) => F.convTranspose2d(x!, w!, b!, { stride: c.s, padding: c.p, outputPadding: c.op, dilation: c.d, groups: c.groups }),
          inputs: [
            { name: 'x', shape: c.x },
            { name: 'w', shape: c.w },
            { name: 'b', shape: [c.w[1] * c.groups] },
          ],
          reference: (v) =>
            convTranspose2dRef(v.x!, c.x, v.w!, c.w, v.b!, {
              stride: [c.s, c.s],
              padding: [c.p, c.p],
              dilation: [c.d, c.d],
              outputPadding: [c.op, c.op],
              groups: c.groups,
            }),
        }),
      );
  });

  describe('pooling', () => {
    it('maxPool2d 2x2 tiling the input (no indices)', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ x }) => F.maxPool2d(x!, { kernel: 2 }), inputs: [{ name: 'x', shape: [2, 2, 4, 6], values: distinct([2, 2, 4, 6]) }] }),
    );
    it('maxPool2d 2x2 on an odd size (indices)', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ x }) => F.maxPool2d(x!, { kernel: 2 }), inputs: [{ name: 'x', shape: [2, 2, 5, 6], values: distinct([2, 2, 5, 6]) }] }),
    );
    it('maxPool2d 3x3 stride 2 pad 1 (overlapping)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x }) => F.maxPool2d(x!, { kernel: 3, stride: 2, padding: 1 }),
        inputs: [{ name: 'x', shape: [2, 2, 5, 5], values: distinct([2, 2, 5, 5]) }],
      }),
    );
    it('maxPool2d ceil mode', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x }) => F.maxPool2d(x!, { kernel: 2, stride: 2, ceilMode: true }),
        inputs: [{ name: 'x', shape: [1, 2, 5, 5], values: distinct([1, 2, 5, 5]) }],
      }),
    );
    for (const [k, s, p, include, ceil] of [
      [2, 2, 0, false, false],
      [3, 2, 1, false, false],
      [3, 2, 1, true, false],
      [3, 1, 1, false, false],
      [2, 2, 0, false, true],
      [3, 2, 1, true, true],
    ] as const)
      it(`avgPool2d k${k} s${s} p${p} countIncludePad=${include} ceilMode=${ceil}`, { timeout: TIMEOUT }, () =>
        expectGradOk({
          build: ({ x }) => F.avgPool2d(x!, { kernel: k, stride: s, padding: p, countIncludePad: include, ceilMode: ceil }),
          inputs: [{ name: 'x', shape: [2, 2, 5, 6] }],
          reference: (v) => avgPool2dRef(v.x!, [2, 2, 5, 6], [k, k], [s, s], [p, p], include, ceil),
        }),
      );
    it('globalAvgPool', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ x }) => F.globalAvgPool(x!), inputs: [{ name: 'x', shape: [2, 3, 3, 4] }], reference: (v) => globalAvgPoolRef(v.x!, [2, 3, 3, 4]) }),
    );
    it('upsampleNearest x2', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x }) => F.upsampleNearest(x!, 2),
        inputs: [{ name: 'x', shape: [1, 2, 3, 2] }],
        reference: (v) => upsampleNearestRef(v.x!, [1, 2, 3, 2], 2),
      }),
    );
  });

  describe('shape ops', () => {
    const cases: [string, Unary, number[]][] = [
      ['reshape', (x) => F.reshape(x, [4, -1]), [2, 3, 4]],
      ['flatten', (x) => F.flatten(x), [2, 3, 2, 2]],
      ['Flatten op', (x) => x.graph.op('Flatten', [x], { axis: attr.int(2) }), [2, 3, 2, 2]],
      ['transpose', (x) => F.transpose(x, [2, 0, 1]), [2, 3, 4]],
      ['slice', (x) => F.slice(x, [1, -3], [3, 100], [1, 2]), [2, 3, 4]],
      ['pad', (x) => F.pad(x, [0, 1, 2, 1, 0, 1], 0.5), [2, 3, 4]],
      ['unsqueeze', (x) => F.mul(F.unsqueeze(x, [1]), x.graph.constant([1, 2, 3, 4, 5, 6], [1, 1, 2, 3], x.dtype)), [2, 3]],
      ['squeeze', (x) => F.squeeze(x, [1]), [2, 1, 3]],
      ['expand', (x) => F.expand(x, [2, 3, 4]), [3, 1]],
      ['concat', (x) => F.concat([x, F.mul(x, 2), F.slice(x, [0], [1], [1])], 1), [2, 3]],
      ['split', (x) => F.mul(F.split(x, [1, 3], 1)[1]!, 3), [2, 4]],
      ['gather rows (repeated ids accumulate)', (x) => F.gather(x, x.graph.constant([0, 2, 2, 1, -1, 2], [2, 3], 'int64')), [4, 3]],
      ['embedding', (x) => F.embedding(x.graph.constant([3, 3, 0], [3], 'int64'), x), [4, 2]],
      ['tile', (x) => F.tile(x, [2, 1, 3]), [2, 3, 2]],
      ['gatherElements', (x) => x.graph.op('GatherElements', [x, x.graph.constant([0, 2, 2, 1, 0, 0], [2, 3], 'int64')], { axis: attr.int(1) }), [2, 3]],
    ];
    for (const [name, op, shape] of cases)
      it(name, { timeout: TIMEOUT }, () => expectGradOk({ build: ({ x }) => op(x!), inputs: [{ name: 'x', shape }] }));
  });

  describe('reductions', () => {
    const cases: [string, Unary, (s: number[]) => number[]][] = [
      ['sum over axes', (x) => F.sum(x, [0, 2]), awayFromZero],
      ['sum keepdims', (x) => F.sum(x, [1], true), awayFromZero],
      ['sum all', (x) => F.sum(x), awayFromZero],
      ['mean', (x) => F.mean(x, [2]), awayFromZero],
      ['mean all keepdims', (x) => F.mean(x, undefined, true), awayFromZero],
      ['max', (x) => F.max(x, [1]), distinct],
      ['min keepdims', (x) => F.min(x, [0, 2], true), distinct],
      ['l2 norm', (x) => F.l2Norm(x, [2]), awayFromZero],
      ['sum of squares', (x) => x.graph.op('ReduceSumSquare', [x, x.graph.ints([1])], { keepdims: attr.int(0) }), awayFromZero],
    ];
    for (const [name, op, values] of cases)
      it(name, { timeout: TIMEOUT }, () => expectGradOk({ build: ({ x }) => op(x!), inputs: [{ name: 'x', shape: [2, 3, 4], values: values([2, 3, 4]) }] }));
  });

  describe('normalisation and losses', () => {
    it('batchNorm (training: batch statistics)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b, m, v }) => F.batchNorm(x!, { weight: w!, bias: b!, runningMean: m!, runningVar: v! }, { training: true }),
        inputs: [
          { name: 'x', shape: [3, 2, 2, 2] },
          { name: 'w', shape: [2] },
          { name: 'b', shape: [2] },
          { name: 'm', shape: [2], grad: false },
          { name: 'v', shape: [2], values: [1, 2], grad: false },
        ],
      }),
    );
    it('batchNorm (eval: running statistics)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b, m, v }) => F.batchNorm(x!, { weight: w!, bias: b!, runningMean: m!, runningVar: v! }, { training: false }),
        inputs: [
          { name: 'x', shape: [3, 2, 2, 2] },
          { name: 'w', shape: [2] },
          { name: 'b', shape: [2] },
          { name: 'm', shape: [2], grad: false },
          { name: 'v', shape: [2], values: [0.5, 2], grad: false },
        ],
      }),
    );
    it('batchNorm over [N, C] (1-D)', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b, m, v }) => F.batchNorm(x!, { weight: w!, bias: b!, runningMean: m!, runningVar: v! }, { training: true }),
        inputs: [
          { name: 'x', shape: [4, 3] },
          { name: 'w', shape: [3] },
          { name: 'b', shape: [3] },
          { name: 'm', shape: [3], grad: false },
          { name: 'v', shape: [3], values: [1, 1, 1], grad: false },
        ],
      }),
    );
    it('layerNorm with affine parameters', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b }) => F.layerNorm(x!, 2, w!, b!),
        inputs: [
          { name: 'x', shape: [2, 3, 4] },
          { name: 'w', shape: [3, 4] },
          { name: 'b', shape: [4] },
        ],
      }),
    );
    it('groupNorm', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x, w, b }) => F.groupNorm(x!, 2, w!, b!),
        inputs: [
          { name: 'x', shape: [2, 4, 2, 2] },
          { name: 'w', shape: [4] },
          { name: 'b', shape: [4] },
        ],
      }),
    );
    it('crossEntropy', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ z, y }) => F.crossEntropy(z!, y!),
        inputs: [
          { name: 'z', shape: [4, 3] },
          { name: 'y', shape: [4], int: true, values: [0, 2, 1, 2] },
        ],
      }),
    );
    it('crossEntropy with label smoothing, summed', { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ z, y }) => F.crossEntropy(z!, y!, { labelSmoothing: 0.1, reduction: 'sum' }),
        inputs: [
          { name: 'z', shape: [3, 5] },
          { name: 'y', shape: [3], int: true, values: [4, 0, 1] },
        ],
      }),
    );
    it('mseLoss', { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ a, b }) => F.mseLoss(a!, b!), inputs: [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [3, 2] }] }),
    );
  });

  // Conv has no float64 kernel in onnxruntime and is checked on its own above with a TS reference.
  it('a small network end to end (maxPool, batchNorm, relu, linear, crossEntropy)', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x, gam, bet, m, v, w2, b2, y }) => {
        const p = F.maxPool2d(x!, { kernel: 2 });
        const n = F.relu(F.batchNorm(p, { weight: gam!, bias: bet!, runningMean: m!, runningVar: v! }, { training: true }));
        return F.crossEntropy(F.linear(F.flatten(n), w2!, b2!), y!);
      },
      inputs: [
        { name: 'x', shape: [3, 2, 4, 4], values: distinct([3, 2, 4, 4]) },
        { name: 'gam', shape: [2] },
        { name: 'bet', shape: [2] },
        { name: 'm', shape: [2], grad: false },
        { name: 'v', shape: [2], values: [1, 1], grad: false },
        { name: 'w2', shape: [3, 8] },
        { name: 'b2', shape: [3] },
        { name: 'y', shape: [3], int: true, values: [2, 0, 1] },
      ],
    }),
  );
});

describe('gradient rules of losses, normalisation and spatial ops (finite differences)', () => {
  it('nllLoss of logSoftmax', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ z, y }) => F.nllLoss(F.logSoftmax(z!, 1), y!),
      inputs: [
        { name: 'z', shape: [4, 3] },
        { name: 'y', shape: [4], int: true, values: [0, 2, 1, 2] },
      ],
    }),
  );
  it('nllLoss per pixel, summed', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ z, y }) => F.nllLoss(F.logSoftmax(z!, 1), y!, { reduction: 'sum' }),
      inputs: [
        { name: 'z', shape: [2, 3, 2, 2] },
        { name: 'y', shape: [2, 2, 2], int: true, values: [0, 1, 2, 2, 1, 0, 0, 2] },
      ],
    }),
  );
  it('l1Loss', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ a, b }) => F.l1Loss(a!, b!),
      inputs: [
        { name: 'a', shape: [3, 4], values: awayFromZero([3, 4], 3) },
        { name: 'b', shape: [3, 4], values: awayFromZero([3, 4], 4).map((v) => v * 0.3) },
      ],
    }),
  );
  it('bceWithLogits with soft targets', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ z, t }) => F.bceWithLogits(z!, t!),
      inputs: [
        { name: 'z', shape: [3, 4], values: awayFromZero([3, 4]).map((v) => v * 4) },
        { name: 't', shape: [3, 4], values: positive([3, 4]).map((v) => v / 1.5) },
      ],
    }),
  );
  for (const real of [true, false])
    it(`lsganLoss (target ${real ? 'real' : 'fake'})`, { timeout: TIMEOUT }, () =>
      expectGradOk({ build: ({ p }) => F.lsganLoss(p!, real), inputs: [{ name: 'p', shape: [2, 1, 3, 3] }] }),
    );
  it('instanceNorm with affine parameters', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x, w, b }) => F.instanceNorm(x!, { weight: w!, bias: b! }),
      inputs: [
        { name: 'x', shape: [2, 3, 3, 2] },
        { name: 'w', shape: [3] },
        { name: 'b', shape: [3] },
      ],
    }),
  );
  it('instanceNorm without affine parameters', { timeout: TIMEOUT }, () =>
    expectGradOk({ build: ({ x }) => F.instanceNorm(x!, { eps: 1e-3 }), inputs: [{ name: 'x', shape: [2, 2, 2, 3] }] }),
  );
  it('ONNX InstanceNormalization (imported models)', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x, w, b }) => x!.graph.op('InstanceNormalization', [x!, w!, b!], { epsilon: attr.float(1e-4) }),
      inputs: [
        { name: 'x', shape: [2, 3, 2, 3] },
        { name: 'w', shape: [3] },
        { name: 'b', shape: [3] },
      ],
      reference: (v) => instanceNormRef(v.x!, [2, 3, 2, 3], v.w!, v.b!, 1e-4),
    }),
  );
  it('gatherElements along axis 0 (repeated indices accumulate)', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x }) => F.gatherElements(x!, x!.graph.constant([0, 2, 1, 0, 0, 2, 2, 2, 1], [3, 3], 'int64'), 0),
      inputs: [{ name: 'x', shape: [3, 3] }],
    }),
  );

  it('haarDwt, two levels (loss on the detail bands)', { timeout: TIMEOUT }, () => {
    const shape: [number, number, number, number] = [1, 2, 6, 4];
    return expectGradOk({
      build: ({ x }) => {
        const d = F.haarDwt(x!, 2);
        return F.concat(d.levels.flatMap((l) => [l.lh, l.hl, l.hh].map((b) => F.reshape(b, [-1]))), 0);
      },
      inputs: [{ name: 'x', shape }],
      reference: (v) => {
        const one = haarLevelRef(v.x!, shape);
        const two = haarLevelRef(one.ll, [1, 2, 3, 2]);
        return Float64Array.from([...one.lh, ...one.hl, ...one.hh, ...two.lh, ...two.hl, ...two.hh]);
      },
    });
  });

  for (const scale of [2, 3, 1.5])
    it(`upsampleBilinear x${scale}`, { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x }) => F.upsampleBilinear(x!, scale),
        inputs: [{ name: 'x', shape: [2, 2, 3, 4] }],
        reference: (v) => resizeBilinearRef(v.x!, [2, 2, 3, 4], scale),
      }),
    );

  // As PyTorch exports bilinear upsampling: output sizes instead of scales, pytorch_half_pixel.
  for (const [oh, ow] of [
    [6, 8],
    [1, 6],
  ] as const)
    it(`Resize linear pytorch_half_pixel to sizes ${oh}x${ow}`, { timeout: TIMEOUT }, () =>
      expectGradOk({
        build: ({ x }) =>
          x!.graph.op('Resize', [x!, null, null, x!.graph.ints([2, 2, oh, ow])], {
            mode: attr.string('linear'),
            coordinate_transformation_mode: attr.string('pytorch_half_pixel'),
          }),
        inputs: [{ name: 'x', shape: [2, 2, 3, 4] }],
        reference: (v) => resizeBilinearRef(v.x!, [2, 2, 3, 4], 0, { h: oh, w: ow, pytorchHalfPixel: true }),
      }),
    );

  it('gridSample w.r.t. x and the grid (points outside the image included)', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x, grid }) => F.gridSample(x!, grid!),
      inputs: [
        { name: 'x', shape: [2, 2, 3, 4] },
        { name: 'grid', shape: [2, 3, 2, 2], values: awayFromZero([2, 3, 2, 2], 5).map((v) => v * 1.15) },
      ],
      reference: (v) => gridSampleRef(v.x!, [2, 2, 3, 4], v.grid!, 3, 2),
    }),
  );

  it('affineGrid + gridSample w.r.t. x and theta', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x, theta }) => F.gridSample(x!, F.affineGrid(theta!, [2, 2, 3, 3])),
      inputs: [
        { name: 'x', shape: [2, 2, 4, 5] },
        // No sample lands on a pixel centre, where bilinear sampling has a kink.
        { name: 'theta', shape: [2, 2, 3], values: [0.7, 0.15, 0.13, -0.2, 0.6, -0.05, 0.5, -0.1, -0.3, 0.05, 0.45, 0.2] },
      ],
      reference: (v) => gridSampleRef(v.x!, [2, 2, 4, 5], affineGridRef(v.theta!, 2, 3, 3), 3, 3),
    }),
  );

  it('affineGrid + gridSample with align corners w.r.t. x and theta', { timeout: TIMEOUT }, () =>
    expectGradOk({
      build: ({ x, theta }) => F.gridSample(x!, F.affineGrid(theta!, [2, 2, 3, 3], { alignCorners: true }), { alignCorners: true }),
      inputs: [
        { name: 'x', shape: [2, 2, 4, 5] },
        // As above: no sample on a pixel centre; the second transform reaches past the image.
        { name: 'theta', shape: [2, 2, 3], values: [0.55, 0.1, 0.13, -0.15, 0.6, -0.07, 0.9, -0.1, 0.31, 0.05, 0.45, 0.2] },
      ],
      reference: (v) => gridSampleRef(v.x!, [2, 2, 4, 5], affineGridRef(v.theta!, 2, 3, 3, true), 3, 3, true),
    }),
  );
});

describe('gradScale', () => {
  it('is the identity forward and scales the gradient', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [4]);
    const y = F.gradScale(x, 0.02);
    const [dx] = grad(g, F.sum(F.mul(y, y)), [x]);
    const session = await createSession(g.toModel({ outputs: { y, dx: dx! } }), { intraOpThreads: 1 });
    const values = new Float32Array([0.1, -2.5, 3.75, 1e-3]);
    const out = await runSession(session, { x: { dtype: 'float32', shape: [4], values } });
    await session.release();
    expect(Array.from(out.y!.values as Float32Array)).toEqual(Array.from(values));
    const dxValues = Array.from(out.dx!.values as Float32Array);
    values.forEach((v, i) => expect(dxValues[i]).toBeCloseTo(0.02 * 2 * v, 6));
  });
});

describe('grad()', () => {
  it('splits a max-pool gradient evenly between tied maxima', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 1, 2, 4]);
    const y = F.maxPool2d(x, { kernel: 2 });
    expect(g.nodes.find((n) => n.opType === 'MaxPool')!.outputs).toHaveLength(1);
    const [dx] = grad(g, F.sum(F.mul(y, g.constant([4, 8], [1, 1, 1, 2]))), [x]);
    const session = await createSession(g.toModel({ outputs: { dx: dx! } }), { intraOpThreads: 1 });
    const out = await runSession(session, { x: { dtype: 'float32', shape: [1, 1, 2, 4], values: new Float32Array([1, 1, 0, 5, 1, 1, 2, 3]) } });
    expect(Array.from(out.dx!.values as Float32Array)).toEqual([1, 1, 0, 8, 1, 1, 0, 0]);
  });

  it('treats stopGradient values as constants', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [3]);
    const loss = F.sum(F.mul(x, F.stopGradient(x)));
    const [dx] = grad(g, loss, [x]);
    const session = await createSession(g.toModel({ outputs: { dx: dx! } }), { intraOpThreads: 1 });
    const out = await runSession(session, { x: { dtype: 'float32', shape: [3], values: new Float32Array([1, -2, 3]) } });
    expect(Array.from(out.dx!.values as Float32Array)).toEqual([1, -2, 3]);
  });

  it('gives zeros for tensors the loss does not depend on', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2]);
    const unused = g.input('u', [2, 2]);
    const [du] = grad(g, F.sum(F.exp(x)), [unused]);
    expect(du!.shape).toEqual([2, 2]);
    const session = await createSession(g.toModel({ outputs: { du: du! } }), { intraOpThreads: 1 });
    const out = await runSession(session, {});
    expect(Array.from(out.du!.values as Float32Array)).toEqual([0, 0, 0, 0]);
  });

  it('rejects a non-scalar loss and ops without a rule', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2]);
    expect(() => grad(g, F.exp(x), [x])).toThrow(/scalar/);
    const prod = g.op('ReduceProd', [x, g.ints([0])], { keepdims: attr.int(0) });
    expect(() => grad(g, prod, [x])).toThrow(/no gradient rule for ReduceProd/);
  });
});

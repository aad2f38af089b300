import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportModelProto } from '../../model/export.ts';
import { CLASSIFIER_NAMES, createZooModel, type Model } from '../../model/model.ts';
import { AttributeType, DataType, modelProtoOf, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from '../../onnx/model.ts';
import { tensorProto } from '../../onnx/tensor-data.ts';
import { createSession, runSession } from '../../ort/session.ts';
import { buildCLibrary, generateCLibrary, runCLibrary, UnsupportedOpError, type BuildOptions, type BuiltLibrary, type CLibrary } from './index.ts';
import { createRng as rng } from '../../graph/init.ts';

const hasTool = (tool: string): boolean => !spawnSync(tool, ['--version']).error;
const hasGcc = hasTool('gcc');
const hasCross = hasTool('aarch64-linux-gnu-gcc') && hasTool('qemu-aarch64');

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'condense-c-library-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const rgb16 = { shape: [3, 16, 16] as [number, number, number], classes: ['a', 'b', 'c', 'd'], normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };

/** A zoo model whose BatchNorms do something: random statistics and affine parameters. */
function zooModel(name: (typeof CLASSIFIER_NAMES)[number], seed: number): Model {
  const model = createZooModel(rgb16, { architecture: name, seed, width: 0.5 });
  const r = rng(seed + 100);
  for (const [key, v] of Object.entries(model.buffers)) for (let i = 0; i < v.length; i++) v[i] = key.endsWith('running_var') ? 0.5 + r() : r() - 0.5;
  for (const [key, v] of Object.entries(model.params))
    if (/bn|norm/.test(key)) for (let i = 0; i < v.length; i++) v[i] = key.endsWith('weight') ? 0.5 + r() : (r() - 0.5) * 0.2;
  return model;
}

async function ortOutputs(proto: ModelProto, inputs: Float32Array, count: number, shape: number[]): Promise<Float32Array> {
  const session = await createSession(proto, { intraOpThreads: 1 });
  const name = session.inputNames[0]!;
  const out = await runSession(session, { [name]: { dtype: 'float32', shape: [count, ...shape], values: inputs } });
  await session.release();
  return out[proto.graph.output[0]!.name]!.values as Float32Array;
}

// Exports with and without BatchNorm folding lower to the same C (the generator folds too): one build serves both.
const builds = new Map<string, BuiltLibrary>();

/** Generates, compiles and runs the library on `count` random inputs; returns its outputs and onnxruntime's. */
async function compareWithOrt(
  proto: ModelProto,
  target: 'host' | 'aarch64' = 'host',
  options: BuildOptions = {},
  count = 3,
): Promise<{ c: Float32Array; ref: Float32Array; lib: CLibrary }> {
  const lib = generateCLibrary(proto, {});
  const key = createHash('sha256').update(JSON.stringify([lib.files, target, options])).digest('hex');
  const built = builds.get(key) ?? (await buildCLibrary(lib, tempDir(), target, options));
  if ('skipped' in built) throw new Error(built.skipped);
  builds.set(key, built);
  const r = rng(7);
  const inputs = Float32Array.from({ length: count * lib.inputSize }, () => r() * 4 - 2);
  const { outputs, msPerSample } = await runCLibrary(built, inputs, count, lib, { minMs: target === 'aarch64' ? 0 : 1 });
  expect(msPerSample).toBeGreaterThan(0);
  return { c: outputs, ref: await ortOutputs(proto, inputs, count, lib.inputShape), lib };
}

function expectClose(c: Float32Array, ref: Float32Array, classes?: number): void {
  expect(c.length).toBe(ref.length);
  let scale = 1;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  let diff = 0;
  for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(c[i]! - ref[i]!));
  expect(diff).toBeLessThan(1e-4 * scale);
  if (classes) {
    const argmax = (v: Float32Array, s: number): number => {
      let best = 0;
      for (let k = 1; k < classes; k++) if (v[s * classes + k]! > v[s * classes + best]!) best = k;
      return best;
    };
    for (let s = 0; s < ref.length / classes; s++) expect(argmax(c, s)).toBe(argmax(ref, s));
  }
}

describe.skipIf(!hasGcc)(`generated C library against onnxruntime${hasGcc ? '' : ' (skipped: gcc is not installed)'}`, () => {
  for (const name of CLASSIFIER_NAMES)
    it(`${name}, BatchNorm kept and folded`, async () => {
      const model = zooModel(name, 3);
      const plain = exportModelProto(model);
      const folded = exportModelProto(model, { foldBatchNorm: true });
      const hasBn = plain.graph.node.some((n) => n.opType === 'BatchNormalization');
      for (const proto of hasBn ? [plain, folded] : [plain]) {
        const { c, ref, lib } = await compareWithOrt(proto);
        expectClose(c, ref, rgb16.classes.length);
        expect(lib.outputSize).toBe(rgb16.classes.length);
        expect(lib.files['model.h']).toContain('void predict(const float *input, float *output);');
      }
    });

  it('runs weight-shared, pruned weights exported as plain initializers', async () => {
    const model = zooModel('lenet5', 11);
    for (const [name, w] of Object.entries(model.params)) {
      if (!name.endsWith('weight')) continue;
      // 16 shared values (a 4-bit codebook) and half the weights masked out
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of w) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      const step = (hi - lo) / 15;
      for (let i = 0; i < w.length; i++) w[i] = lo + Math.round((w[i]! - lo) / step) * step;
      model.compression.masks[name] = Uint8Array.from(w, (_, i) => i % 2);
    }
    const { c, ref } = await compareWithOrt(exportModelProto(model));
    expectClose(c, ref, rgb16.classes.length);
  });

  it('covers the other supported ops and attribute variants', async () => {
    const { c, ref, lib } = await compareWithOrt(kitchenSink(), 'host', {}, 4);
    expectClose(c, ref, 4);
    expect(lib.ops).toEqual(expect.arrayContaining(['AveragePool', 'Softmax', 'MatMul', 'GlobalMaxPool']));
  });

  it('gives the same results from the portable SSE build and the plain C99 loops', async () => {
    const proto = exportModelProto(zooModel('mobilenet-small', 4));
    for (const options of [{ native: false }, { plainC: true }]) {
      const { c, ref } = await compareWithOrt(proto, 'host', options);
      expectClose(c, ref, rgb16.classes.length);
    }
    const { c, ref } = await compareWithOrt(kitchenSink(), 'host', { plainC: true }, 4);
    expectClose(c, ref, 4);
  });

  it('runs every convolution path (strided phases, depthwise, groups, blocks of 8, 4 and 1, in-place and small-plane fallbacks) in every build', async () => {
    const proto = convPaths();
    const kernels = generateCLibrary(proto, {}).files['model.c']!;
    // The fallback kernel serves only the small unpadded layer; the flat kernel all others.
    expect(kernels.match(/^  conv2d\(/gm)).toHaveLength(1);
    expect(kernels.match(/^  conv_flat\(/gm)).toHaveLength(5);
    for (const options of [{}, { native: false }, { plainC: true }]) {
      const { c, ref } = await compareWithOrt(proto, 'host', options, 3);
      expectClose(c, ref);
    }
  });

  it('copies the input when the output is a view of it', async () => {
    const proto = model([node('Flatten', ['x'], ['f']), node('Identity', ['f'], ['y'])], [], [1, 2, 3, 2]);
    const { c, ref, lib } = await compareWithOrt(proto);
    expect(lib.arenaBytes).toBe(0);
    expect(c).toEqual(ref);
  });

  it('folds shape arithmetic of a dynamic flatten into a constant reshape', async () => {
    // x.view(x.size(0), -1) as older PyTorch exports write it
    const proto = model(
      [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], attrs({ axis: 0 })),
        node('Unsqueeze', ['n', 'axes'], ['n1']),
        node('Concat', ['n1', 'minus1'], ['shape'], attrs({ axis: 0 })),
        node('Reshape', ['x', 'shape'], ['flat']),
        node('MatMul', ['flat', 'w'], ['y']),
      ],
      [
        tensorProto('zero', 'int64', [], new BigInt64Array([0n])),
        tensorProto('axes', 'int64', [1], new BigInt64Array([0n])),
        tensorProto('minus1', 'int64', [1], new BigInt64Array([-1n])),
        randomTensor('w', [12, 3], 5),
      ],
      [1, 2, 3, 2],
    );
    const { c, ref } = await compareWithOrt(proto);
    expectClose(c, ref, 3);
  });

  it('folds weight-only DequantizeLinear into constant weights', async () => {
    const { c, ref } = await compareWithOrt(dequantizedConv());
    expectClose(c, ref);
  });

  it('shares arena memory between layers whose lifetimes do not overlap', () => {
    const proto = exportModelProto(zooModel('resnet20', 1), { foldBatchNorm: true });
    const lib = generateCLibrary(proto, { prefix: 'net_' });
    // Every activation of the graph, if each had its own buffer.
    let separate = 0;
    for (const m of lib.files['model.c']!.matchAll(/-> (\d+)x(\d+)x(\d+)/g)) separate += Number(m[1]) * Number(m[2]) * Number(m[3]) * 4;
    expect(lib.arenaBytes).toBeGreaterThan(0);
    expect(lib.arenaBytes).toBeLessThan(separate / 2);
    expect(lib.files['model.h']).toContain(`#define NET_MODEL_ARENA_BYTES ${lib.arenaBytes}`);
    expect(lib.files['model.h']).toContain('void net_predict(const float *input, float *output);');
    const params = proto.graph.initializer.filter((t) => t.dataType === DataType.FLOAT).reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1) * 4, 0);
    expect(lib.weightBytes).toBe(params);
  });
});

describe('unsupported models', () => {
  it('names every unsupported op with its nodes', () => {
    const proto = model(
      [
        node('Erf', ['x'], ['a'], [], 'erf_1'),
        node('Relu', ['a'], ['b']),
        node('Resize', ['b', '', 'scales'], ['c'], [], 'up'),
        node('Erf', ['c'], ['y'], [], 'erf_2'),
      ],
      [tensorProto('scales', 'float32', [4], new Float32Array([1, 1, 2, 2]))],
      [1, 2, 4, 4],
    );
    let error: unknown;
    try {
      generateCLibrary(proto, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedOpError);
    expect((error as UnsupportedOpError).ops).toEqual(['Erf', 'Resize']);
    expect((error as Error).message).toContain('Erf (nodes erf_1, erf_2)');
    expect((error as Error).message).toContain('Resize (node up)');
  });

  it('rejects quantized activations, naming the node', () => {
    const proto = model(
      [node('QuantizeLinear', ['x', 's', 'z'], ['q'], [], 'quant_in'), node('DequantizeLinear', ['q', 's', 'z'], ['y'], [], 'dequant_in')],
      [tensorProto('s', 'float32', [], new Float32Array([0.1])), tensorProto('z', 'int8', [], new Int8Array([0]))],
      [1, 4],
    );
    expect(() => generateCLibrary(proto, {})).toThrow(/QuantizeLinear \(node quant_in\).*DequantizeLinear \(node dequant_in: only constant/);
  });
});

const crossReason = hasCross ? '' : ' (skipped: aarch64-linux-gnu-gcc or qemu-aarch64 is not installed; Debian: gcc-aarch64-linux-gnu, qemu-user)';
describe.skipIf(!hasCross)(`aarch64 build under qemu-user${crossReason}`, () => {
  it('cross-compiles statically and matches onnxruntime', async () => {
    const { c, ref } = await compareWithOrt(exportModelProto(zooModel('mobilenet-small', 5)), 'aarch64');
    expectClose(c, ref, rgb16.classes.length);
    const paths = await compareWithOrt(convPaths(), 'aarch64');
    expectClose(paths.c, paths.ref);
  });
});

describe('toolchain', () => {
  it('reports a missing compiler as skipped instead of failing', async () => {
    const lib = generateCLibrary(dequantizedConv(), {});
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await buildCLibrary(lib, tempDir(), 'host')).toEqual({ skipped: expect.stringContaining('gcc is not installed') });
      expect(await buildCLibrary(lib, tempDir(), 'aarch64')).toEqual({ skipped: expect.stringContaining('aarch64-linux-gnu-gcc is not installed') });
    } finally {
      process.env.PATH = path;
    }
  });
});

// ---------------------------------------------------------------- hand-built graphs

function attrs(a: Record<string, number | number[]>): AttributeProto[] {
  return Object.entries(a).map(([name, v]) =>
    Array.isArray(v) ? { name, type: AttributeType.INTS, ints: v } : Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v },
  );
}

function node(opType: string, input: string[], output: string[], attribute: AttributeProto[] = [], name = ''): NodeProto {
  return { name: name || output[0]!, opType, domain: '', input, output, attribute };
}

function model(nodes: NodeProto[], initializer: TensorProto[], inputShape: number[], output = 'y'): ModelProto {
  return modelProtoOf({
    name: 'handmade',
    node: nodes,
    initializer,
    input: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', ...inputShape.slice(1)] }],
    output: [{ name: output, elemType: DataType.FLOAT }],
    valueInfo: [],
  });
}

function randomTensor(name: string, dims: number[], seed: number, lo = -1, hi = 1): TensorProto {
  const r = rng(seed);
  return tensorProto(name, 'float32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * r()));
}

/** Odd sizes, asymmetric pads, strides, dilations, channel multipliers, ceil_mode, broadcasts. */
function kitchenSink(): ModelProto {
  const nodes = [
    node('Conv', ['x', 'w1', 'b1'], ['a'], attrs({ strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], kernel_shape: [3, 3] })),
    node('LeakyRelu', ['a'], ['a2'], attrs({ alpha: 0.1 })),
    node('Conv', ['a2', 'w2'], ['c'], attrs({ group: 6, pads: [1, 1, 1, 1] })),
    node('Clip', ['c', 'lo', 'hi'], ['d']),
    node('MaxPool', ['d'], ['e'], attrs({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })),
    node('AveragePool', ['d'], ['f'], attrs({ kernel_shape: [2, 3], strides: [1, 2], pads: [0, 1, 1, 1], count_include_pad: 1 })),
    node('AveragePool', ['d'], ['f2'], attrs({ kernel_shape: [2, 3], strides: [1, 2], pads: [0, 1, 1, 1] })),
    node('BatchNormalization', ['f', 'gamma', 'beta', 'mean', 'var'], ['g'], attrs({ epsilon: 0.001 })),
    node('Sigmoid', ['g'], ['h']),
    node('Mul', ['h', 'chan'], ['i']),
    node('Sub', ['i', 'f2'], ['j']),
    node('Div', ['j', 'two'], ['k']),
    node('Tanh', ['k'], ['l']),
    node('HardSwish', ['l'], ['l2']),
    node('HardSigmoid', ['l2'], ['l3'], attrs({ alpha: 0.3, beta: 0.4 })),
    node('GlobalAveragePool', ['l3'], ['m1']),
    node('GlobalMaxPool', ['e'], ['m2']),
    node('Add', ['m1', 'm2'], ['m']),
    node('Reshape', ['m', 'shape'], ['n0']),
    node('Identity', ['n0'], ['n1']),
    node('MatMul', ['n1', 'w3'], ['n2']),
    node('Add', ['n2', 'b3'], ['n3']),
    node('Elu', ['n3'], ['n4'], attrs({ alpha: 0.7 })),
    node('Unsqueeze', ['n4', 'axes'], ['n5']),
    node('Flatten', ['n5'], ['n6']),
    node('Gemm', ['n6', 'w4', 'b4'], ['n7'], attrs({ alpha: 0.5, beta: 1.5 })),
    node('Relu', ['n7'], ['n8']),
    node('Softmax', ['n8'], ['y'], attrs({ axis: -1 })),
  ];
  const init = [
    randomTensor('w1', [6, 3, 3, 3], 1),
    randomTensor('b1', [6], 2),
    randomTensor('w2', [12, 1, 3, 3], 3),
    tensorProto('lo', 'float32', [], new Float32Array([-0.5])),
    tensorProto('hi', 'float32', [], new Float32Array([0.8])),
    randomTensor('gamma', [12], 4, 0.5, 1.5),
    randomTensor('beta', [12], 5),
    randomTensor('mean', [12], 6),
    randomTensor('var', [12], 7, 0.5, 1.5),
    randomTensor('chan', [12, 1, 1], 8),
    tensorProto('two', 'float32', [], new Float32Array([2])),
    tensorProto('shape', 'int64', [2], new BigInt64Array([0n, -1n])),
    randomTensor('w3', [12, 5], 9),
    randomTensor('b3', [5], 10),
    tensorProto('axes', 'int64', [1], new BigInt64Array([2n])),
    randomTensor('w4', [5, 4], 11),
    randomTensor('b4', [4], 12),
  ];
  return model(nodes, init, [1, 3, 11, 10]);
}

/**
 * One layer per convolution path, odd sizes throughout:
 *   x 5x13x11 -> 3x3 stride 2, pads 1 (13 outputs: blocks of 8, 4, 1) -> 13x7x6, ReLU
 *     -> depthwise 3x3, pads 1 (13 channels: 8, 4, 1) -> 13x7x6
 *     -> 1x1 unpadded, read in place (12 outputs) -> 12x7x6
 *     -> 2 groups of 6 -> 5 each (4, 1), 3x3, dilation 2, pads 2 -> 10x7x6
 *     -> depthwise 3x3 stride 2, pads [0, 1, 1, 0] -> 10x4x3
 *     -> 2x2 unpadded, a plane under one tile (the conv2d fallback) -> 7x3x2 -> y
 */
function convPaths(): ModelProto {
  return model(
    [
      node('Conv', ['x', 'w1', 'b1'], ['a'], attrs({ strides: [2, 2], pads: [1, 1, 1, 1] })),
      node('Relu', ['a'], ['a1']),
      node('Conv', ['a1', 'w2', 'b2'], ['b'], attrs({ group: 13, pads: [1, 1, 1, 1] })),
      node('Conv', ['b', 'w3', 'b3'], ['c']),
      node('Conv', ['c', 'w4'], ['d'], attrs({ group: 2, dilations: [2, 2], pads: [2, 2, 2, 2] })),
      node('Conv', ['d', 'w5', 'b5'], ['e'], attrs({ group: 10, strides: [2, 2], pads: [0, 1, 1, 0] })),
      node('Conv', ['e', 'w6', 'b6'], ['y']),
    ],
    [
      randomTensor('w1', [13, 5, 3, 3], 21),
      randomTensor('b1', [13], 22),
      randomTensor('w2', [13, 1, 3, 3], 23),
      randomTensor('b2', [13], 24),
      randomTensor('w3', [12, 13, 1, 1], 25),
      randomTensor('b3', [12], 26),
      randomTensor('w4', [10, 6, 3, 3], 27),
      randomTensor('w5', [10, 1, 3, 3], 28),
      randomTensor('b5', [10], 29),
      randomTensor('w6', [7, 10, 2, 2], 30),
      randomTensor('b6', [7], 31),
    ],
    [1, 5, 13, 11],
  );
}

/** Int8 weights with per-channel scales and zero points, dequantized into a Conv. */
function dequantizedConv(): ModelProto {
  const r = rng(3);
  const q = Int8Array.from({ length: 4 * 2 * 3 * 3 }, () => Math.round(r() * 254 - 127));
  return model(
    [
      node('DequantizeLinear', ['wq', 'scale', 'zero'], ['w'], attrs({ axis: 0 })),
      node('Conv', ['x', 'w', 'b'], ['c'], attrs({ pads: [1, 1, 1, 1] })),
      node('Relu', ['c'], ['y']),
    ],
    [
      tensorProto('wq', 'int8', [4, 2, 3, 3], q),
      tensorProto('scale', 'float32', [4], new Float32Array([0.01, 0.02, 0.005, 0.03])),
      tensorProto('zero', 'int8', [4], new Int8Array([0, 3, -2, 1])),
      randomTensor('b', [4], 4),
    ],
    [1, 2, 6, 5],
  );
}

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.ts';
import { generateDataset } from '../data/generated.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { evaluateClassifier } from '../model/evaluate.ts';
import { buildModelGraph, createZooModel, modelStateOf, scopedName } from '../model/model.ts';
import { trainClassifier } from '../model/train.ts';
import { classifyBatch } from '../ort/batches.ts';
import { Adam, Sgd } from '../ort/optimizers.ts';
import { fit, NonFiniteLossError, type Objective } from './fit.ts';
import { StepProfile } from './profile.ts';
import { classifyStream, generatedStream, pairedStream } from './streams.ts';

const shapes = (o: { classes: number; count: number; size: number; seed: number; stream: number }): Dataset =>
  generateDataset({ classes: o.classes, count: o.count, size: o.size, channels: 1, seed: o.seed, stream: o.stream, name: `shapes ${o.stream}` });

/** A paired task: the target is the inverted input image. */
function invertedPairs(data: Dataset): Dataset {
  return { ...data, task: 'paired', classes: [], targets: data.pixels.map((v) => 255 - v), targetShape: [...data.shape], labels: new Int32Array(data.count) };
}

const paramsOf = (g: GraphBuilder, scope: string) => [...g.params.keys()].filter((n) => n.startsWith(`${scope}/`));
const copy = (m: ReadonlyMap<string, Float32Array>, names: readonly string[]) => new Map(names.map((n) => [n, m.get(n)!.slice()]));

describe('fit: objectives, streams, scopes', () => {
  // A pix2pix-style loop: a U-Net generator and a PatchGAN discriminator in one graph, each in its own
  // scope, each with its own Adam; D every step, G every second step (n critic steps per G step).
  //
  //   input ──> G ──> fake ──┐
  //   input, target ─────────┴──> D(real pair) / D(fake pair) ──> D loss (LSGAN)     D params
  //   input ──> G ──> fake ──> D(fake pair) ──> G loss (LSGAN + 100 L1 to target)    G params
  it('trains two models with two optimizers at their own step frequencies; each objective moves only its parameters', { timeout: 120_000 }, async () => {
    const data = invertedPairs(shapes({ classes: 3, count: 64, size: 16, seed: 1, stream: 1 }));
    const generator = createZooModel(data, { architecture: 'unet-small', seed: 1, options: { ngf: 4, depth: 2 } });
    const pairShape = { ...data, shape: [2, 16, 16] as [number, number, number], task: 'classify' as const, targetShape: undefined };
    const discriminator = createZooModel(pairShape, { architecture: 'patchgan', seed: 2, options: { ndf: 4, layers: 2 } });
    const g = new GraphBuilder({ seed: 3, training: true });
    const batch = 8;
    const input = g.input('input', [batch, 1, 16, 16]);
    const target = g.input('target', [batch, 1, 16, 16]);
    const fake = buildModelGraph(generator, g, { batch, training: true, input, scope: 'G' }).logits;
    // One D recorded twice on shared parameters: the second build reuses the first one's tensors.
    const dReal = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, target], 1), scope: 'D' }).logits;
    const dParams = paramsOf(g, 'D');
    const dFake = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, fake], 1), scope: 'D', reuse: true }).logits;
    expect(paramsOf(g, 'D')).toEqual(dParams);
    const dLoss = F.mul(F.add(F.lsganLoss(dReal, true), F.lsganLoss(dFake, false)), 0.5);
    const l1 = F.l1Loss(fake, target);
    const gLoss = F.add(F.lsganLoss(dFake, true), F.mul(l1, 100));
    const gParams = paramsOf(g, 'G');
    expect(gParams.length).toBe(Object.keys(generator.params).length);

    const seen = { D: 0, G: 0 };
    const before = { D: new Map<string, Float32Array>(), G: new Map<string, Float32Array>() };
    const objective = (name: 'D' | 'G', loss: typeof dLoss, params: string[], every: number, metrics = {}): Objective => ({
      name,
      loss,
      params,
      every,
      metrics,
      optimizer: new Adam({ learningRate: 2e-3, beta1: 0.5 }),
      beforeUpdate: (state, grads) => {
        seen[name]++;
        expect([...grads.keys()].sort()).toEqual([...params].sort());
        // The other model's parameters are unchanged by this objective's step.
        const other = name === 'D' ? gParams : dParams;
        before[name] = copy(state, other);
      },
      afterUpdate: (state) => {
        for (const [n, v] of before[name]) expect(state.get(n), n).toEqual(v);
      },
    });
    const metrics: string[] = [];
    const profile = new StepProfile();
    const r = await fit(
      {
        graph: g,
        objectives: [objective('D', dLoss, dParams, 1), objective('G', gLoss, gParams, 2, { l1 })],
        streams: { pairs: pairedStream(data, { batch, rng: createRng(4) }) },
        epochs: 6,
        compile: { intraOpThreads: 1 },
      },
      { metric: (name) => metrics.push(name), profile },
    );
    expect(r.steps).toBe(6 * 8);
    expect(seen).toEqual({ D: 48, G: 24 });
    expect(new Set(metrics)).toEqual(new Set(['D_loss', 'G_loss', 'l1']));
    // The generator learns the inversion through its L1 term.
    expect(r.epochs.at(-1)!.metrics.l1!).toBeLessThan(0.7 * r.epochs[0]!.metrics.l1!);
    const phases = profile.perStep();
    expect(profile.steps).toBe(48);
    for (const phase of ['data', 'feeds', 'run', 'fetch', 'optimizer'] as const) expect(phases[phase]).toBeGreaterThan(0);
    // The generator's trained weights come back under its own names.
    const trained = modelStateOf(generator, r.state, 'G');
    expect(Object.keys(trained.params).sort()).toEqual(Object.keys(generator.params).sort());
    expect(trained.params['head.weight']).toEqual(r.state.params[scopedName('G', 'head.weight')]);
    expect(trained.params['head.weight']).not.toEqual(generator.params['head.weight']);
  });

  it('distils a frozen teacher into a student in the same graph: the teacher stays bit-identical, the extra loss term trains the student', { timeout: 120_000 }, async () => {
    const train = shapes({ classes: 3, count: 192, size: 16, seed: 5, stream: 1 });
    const test = shapes({ classes: 3, count: 120, size: 16, seed: 5, stream: 2 });
    const teacherStart = createZooModel(train, { architecture: 'lenet5', seed: 1 });
    const t = await trainClassifier(teacherStart, train, { epochs: 4, batchSize: 32, optimizer: 'adam', lr: 3e-3, momentum: 0, weightDecay: 0, schedule: 'constant', augmentation: 'none', patience: 0, seed: 1, intraOpThreads: 1 });
    const teacher = { ...teacherStart, params: t.params, buffers: t.buffers };
    const student = createZooModel(train, { architecture: 'mlp', width: 0.25, seed: 2 });

    const g = new GraphBuilder({ seed: 1, training: true });
    const input = g.input('input', [32, 1, 16, 16]);
    const labels = g.input('labels', [32], 'int64');
    const teacherOut = buildModelGraph(teacher, g, { batch: 32, training: false, input, scope: 'teacher' });
    const studentOut = buildModelGraph(student, g, { batch: 32, training: true, input, scope: 'student' });
    expect(Object.keys(studentOut.outputs).sort()).toEqual(['features', 'output']);
    // Hinton et al. 2015: KL(softmax(t / T) || softmax(s / T)) T^2, here with T = 2, plus cross-entropy.
    const temperature = 2;
    const soft = F.softmax(F.div(F.stopGradient(teacherOut.logits), temperature), 1);
    const kl = F.mean(F.sum(F.mul(soft, F.sub(F.log(F.add(soft, 1e-8)), F.logSoftmax(F.div(studentOut.logits, temperature), 1))), [1]));
    const loss = F.add(F.crossEntropy(studentOut.logits, labels), F.mul(kl, temperature * temperature));
    const teacherNames = paramsOf(g, 'teacher');
    const studentNames = paramsOf(g, 'student');
    expect(teacherNames.length).toBe(Object.keys(teacher.params).length);

    const r = await fit({
      graph: g,
      objectives: [{ name: 'student', loss, params: studentNames, optimizer: new Adam({ learningRate: 5e-3 }), metrics: { accuracy: F.accuracy(studentOut.logits, labels) } }],
      streams: { train: classifyStream(train, { batch: 32, rng: createRng(2) }) },
      epochs: 6,
      compile: { intraOpThreads: 1 },
    });
    for (const name of teacherNames) expect(r.state.params[name]).toEqual(teacher.params[name.slice('teacher/'.length)]);
    const trained = { ...student, ...modelStateOf(student, r.state, 'student') };
    const acc = (await evaluateClassifier(trained, test, { intraOpThreads: 1 })).accuracy;
    expect(acc).toBeGreaterThan(0.6);
    expect(r.epochs.at(-1)!.metrics.accuracy).toBeGreaterThan(r.epochs[0]!.metrics.accuracy!);
  });

  it('a penalty written as graph ops pulls the parameters to their anchors (an EWC-style term)', { timeout: 60_000 }, async () => {
    const train = shapes({ classes: 3, count: 64, size: 12, seed: 7, stream: 1 });
    const model = createZooModel(train, { architecture: 'mlp', width: 0.25, seed: 3 });
    const run = async (strength: number) => {
      const g = new GraphBuilder({ seed: 1, training: true });
      const { logits } = buildModelGraph(model, g, { batch: 16, training: true });
      const labels = g.input('labels', [16], 'int64');
      // strength/2 * sum (w - w*)^2 over every parameter, w* its starting value.
      let penalty = g.scalar(0);
      for (const [name, values] of Object.entries(model.params)) {
        const d = F.sub(g.tensor(name), g.constant(values, g.tensor(name).shape));
        penalty = F.add(penalty, F.sum(F.mul(d, d)));
      }
      const loss = F.add(F.crossEntropy(logits, labels), F.mul(penalty, strength / 2));
      const r = await fit({
        graph: g,
        objectives: [{ name: 'classifier', loss, params: [...g.params.keys()], optimizer: new Sgd({ learningRate: 0.02 }) }],
        streams: { train: classifyStream(train, { batch: 16, rng: createRng(1) }) },
        epochs: 3,
        compile: { intraOpThreads: 1 },
      });
      let drift = 0;
      for (const [name, values] of Object.entries(model.params)) for (let i = 0; i < values.length; i++) drift += (r.state.params[name]![i]! - values[i]!) ** 2;
      return Math.sqrt(drift);
    };
    const free = await run(0);
    // lr * strength = 0.8: the penalty contracts the drift each step without overshooting.
    const held = await run(40);
    expect(free).toBeGreaterThan(0);
    expect(held).toBeLessThan(0.25 * free);
  });

  it('names the objective and the step when a loss diverges; stops on abort; keeps the best epoch', { timeout: 60_000 }, async () => {
    const train = shapes({ classes: 3, count: 64, size: 12, seed: 8, stream: 1 });
    const model = createZooModel(train, { architecture: 'mlp', width: 0.25, seed: 3 });
    const setup = (lr: number) => {
      const g = new GraphBuilder({ seed: 1, training: true });
      const { logits } = buildModelGraph(model, g, { batch: 16, training: true });
      const labels = g.input('labels', [16], 'int64');
      const noise = g.input('noise', [1]);
      const objectives: Objective[] = [
        { name: 'classifier', loss: F.crossEntropy(logits, labels), params: [...g.params.keys()], optimizer: new Sgd({ learningRate: lr, momentum: 0.9 }) },
        // A second objective on a noise input only: it makes the fit multi-objective, so errors name objectives.
        { name: 'probe', loss: F.mul(F.sum(F.mul(noise, g.param('probe', [1], Float32Array.of(1)))), 1), params: ['probe'], optimizer: new Sgd({ learningRate: 1e-3 }) },
      ];
      const streams = { train: classifyStream(train, { batch: 16, rng: createRng(1) }), noise: generatedStream({ noise: { shape: [1] } }, (_n, v) => (v[0] = 1)) };
      return { g, objectives, streams };
    };
    const diverging = setup(1e6);
    const error = await fit({ graph: diverging.g, objectives: diverging.objectives, streams: diverging.streams, epochs: 5, compile: { intraOpThreads: 1 } }).catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toMatch(/the classifier loss became NaN at step \d+ \(epoch \d\)/);

    const controller = new AbortController();
    let steps = 0;
    const ok = setup(0.05);
    const aborted = fit(
      { graph: ok.g, objectives: ok.objectives, streams: ok.streams, epochs: 50, compile: { intraOpThreads: 1 } },
      { progress: () => ++steps >= 2 && controller.abort(), logEvery: 1, signal: controller.signal },
    );
    await expect(aborted).rejects.toThrow();
    expect(steps).toBeLessThan(10);

    // A figure that peaks at epoch 2: the returned state is that epoch's snapshot.
    const fresh = setup(0.05);
    const score = [0.1, 0.9, 0.3, 0.2];
    const snapshots: Float32Array[] = [];
    const r = await fit({
      graph: fresh.g,
      objectives: fresh.objectives,
      streams: fresh.streams,
      epochs: 6,
      compile: { intraOpThreads: 1 },
      epochHooks: [async (epoch, state) => (snapshots.push(state.params['fc3.weight']!.slice()), { score: score[epoch - 1]! })],
      best: { metric: 'score', patience: 2 },
    });
    expect(r.bestEpoch).toBe(2);
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs.length).toBe(4);
    expect(r.state.params['fc3.weight']).toEqual(snapshots[1]);
  });

  it('refuses an objective whose inputs no stream provides, and two streams feeding one input', async () => {
    const train = shapes({ classes: 3, count: 32, size: 12, seed: 9, stream: 1 });
    const model = createZooModel(train, { architecture: 'mlp', width: 0.25, seed: 3 });
    const g = new GraphBuilder({ seed: 1, training: true });
    const { logits } = buildModelGraph(model, g, { batch: 16, training: true });
    const labels = g.input('labels', [16], 'int64');
    const objectives: Objective[] = [{ name: 'classifier', loss: F.crossEntropy(logits, labels), params: [...g.params.keys()], optimizer: new Sgd({ learningRate: 0.1 }) }];
    const images = generatedStream({ input: { shape: [16, 1, 12, 12] } }, () => {});
    await expect(fit({ graph: g, objectives, streams: { images }, epochs: 1 })).rejects.toThrow(/reads the graph input labels, which no data stream provides/);
    const both = { a: classifyStream(train, { batch: 16 }), b: classifyStream(train, { batch: 16 }) };
    await expect(fit({ graph: g, objectives, streams: both, epochs: 1 })).rejects.toThrow(/streams a and b both provide the graph input input/);
  });
});

describe('data streams', () => {
  it('gives the same normalised batches as classifyBatch, reusing one buffer, and cycles when exhausted', () => {
    const data = { ...shapes({ classes: 3, count: 40, size: 8, seed: 2, stream: 1 }), normalize: { mean: [0.3], std: [0.2] } };
    const stream = classifyStream(data, { batch: 16 });
    expect(stream.batchesPerEpoch).toBe(2);
    stream.startEpoch();
    const first = stream.next();
    const reference = classifyBatch(data, Int32Array.from({ length: 16 }, (_, i) => i));
    const got = first.input!.values as Float32Array;
    const want = reference.images.values as Float32Array;
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    expect(first.labels!.values).toEqual(reference.labels.values);
    const second = stream.next();
    expect(second.input!.values).toBe(first.input!.values);
    // A third draw starts the next pass at the beginning (unshuffled stream).
    stream.next();
    expect(Array.from(stream.next().labels!.values as BigInt64Array).map(Number)).toEqual(Array.from(data.labels.subarray(16, 32)));
  });

  it('a shuffled stream visits every item once per pass', () => {
    const data = shapes({ classes: 3, count: 48, size: 8, seed: 3, stream: 1 });
    const withIds = { ...data, labels: Int32Array.from({ length: 48 }, (_, i) => i), classes: Array.from({ length: 48 }, String) };
    const stream = classifyStream(withIds, { batch: 16, rng: createRng(5) });
    stream.startEpoch();
    const seen = [0, 1, 2].flatMap(() => Array.from(stream.next().labels!.values as BigInt64Array).map(Number));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(seen.slice(0, 16)).not.toEqual(Array.from({ length: 16 }, (_, i) => i));
  });
});

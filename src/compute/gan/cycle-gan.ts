// CycleGAN (Zhu et al. 2017) on the fit loop: generators G_AB, G_BA and discriminators D_A, D_B on
// unpaired images of two domains, drawn in independent orders.
//
//   A ──> G_AB ──> fakeB ──> G_BA ──> recA        G loss = LSGAN(D_B(fakeB) real) + LSGAN(D_A(fakeA) real)
//   B ──> G_BA ──> fakeA ──> G_AB ──> recB               + lambdaCycle (L1(recA, A) + L1(recB, B))
//   B ──> G_AB ──> idtB,  A ──> G_BA ──> idtA            + lambdaCycle lambdaIdentity (L1(idtB, B) + L1(idtA, A))
//   A ──> T_AB, B ──> T_BA (frozen)                      + distillation(fakeB, T_AB(A)) + distillation(fakeA, T_BA(B))
//   pool(fakeA), pool(fakeB) ──> D loss = 1/2 (GAN(D_A(A)) + GAN(D_A(pool A))) + the same for D_B
//
// The generators step first, then the discriminators on the fakes of the same loop step passed
// through the image pools (fit's objective outputs and inputs). The distillation term applies to the
// translated outputs only, never to reconstructions or identity outputs (WKD, released code).
import type { Dataset } from '../data/dataset.ts';
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { buildModelGraph, createZooModel, modelStateOf, type Model } from '../model/model.ts';
import type { HostTensor } from '../ort/session.ts';
import { fit, type Objective } from '../train/fit.ts';
import { createDiscriminator, ganOptimizer, samplesHook, type GanHooks, type GanResult, type GanRun } from './gan-training.ts';
import { ImagePool } from './image-pool.ts';
import { imageStream } from './image-stream.ts';
import { discriminatorLoss, ganLoss } from './losses.ts';

const paramsOf = (g: GraphBuilder, scope: string) => [...g.params.keys()].filter((n) => n.startsWith(`${scope}/`));

/** A fresh B -> A generator of the same architecture as the A -> B one. */
export function reverseGenerator(generator: Model, train: Dataset, seed: number): Model {
  const arch = generator.architecture;
  if (arch.kind !== 'zoo') throw new Error(`${generator.name} is an imported model; CycleGAN builds its B -> A twin from a zoo architecture, so give a zoo generator`);
  const reversed = { shape: train.targetShape!, targetShape: train.shape, task: 'paired' as const, classes: [], normalize: train.normalize };
  const model = createZooModel(reversed, { architecture: arch.name, width: arch.width, seed, options: arch.options });
  return { ...model, name: `${generator.name} B->A` };
}

export async function trainCycleGan(run: GanRun, hooks: GanHooks = {}): Promise<GanResult> {
  const { config, train } = run;
  if (!train.targets || !train.targetShape) throw new Error(`${train.name} has no domain B images (targets); CycleGAN needs two domains`);
  const started = performance.now();
  const batch = config.batchSize;
  const shapeA = train.shape;
  const shapeB = train.targetShape;
  const generatorBA = run.generatorBA ?? reverseGenerator(run.generator, train, config.seed + 11);
  const discriminatorA = createDiscriminator(shapeA, config, config.seed + 101);
  const discriminatorB = createDiscriminator(shapeB, config, config.seed + 102);

  const g = new GraphBuilder({ seed: config.seed, training: true });
  const realA = g.input('real_a', [batch, ...shapeA]);
  const realB = g.input('real_b', [batch, ...shapeB]);
  const gen = (model: Model, scope: string, input: Tensor, reuse: boolean) => buildModelGraph(model, g, { batch, training: true, input, scope, reuse }).logits;
  const fakeB = gen(run.generator, 'G_AB', realA, false);
  const fakeA = gen(generatorBA, 'G_BA', realB, false);
  const recA = gen(generatorBA, 'G_BA', fakeB, true);
  const recB = gen(run.generator, 'G_AB', fakeA, true);
  const gParams = [...paramsOf(g, 'G_AB'), ...paramsOf(g, 'G_BA')];
  const disc = (model: Model, scope: string, input: Tensor, reuse: boolean) => buildModelGraph(model, g, { batch, training: true, input, scope, reuse }).logits;
  const advB = ganLoss(config.ganLoss, disc(discriminatorB, 'D_B', fakeB, false), true);
  const advA = ganLoss(config.ganLoss, disc(discriminatorA, 'D_A', fakeA, false), true);
  const dParams = [...paramsOf(g, 'D_A'), ...paramsOf(g, 'D_B')];
  const cycle = F.add(F.l1Loss(recA, realA), F.l1Loss(recB, realB));
  const metrics: Record<string, Tensor> = { G_gan: F.add(advA, advB), G_cycle: cycle };
  let gLoss: Tensor = F.add(F.add(advA, advB), F.mul(cycle, config.lambdaCycle));
  if (config.lambdaIdentity > 0) {
    // The identity terms need a generator that keeps the channel count (A and B alike).
    const identity = F.add(F.l1Loss(gen(run.generator, 'G_AB', realB, true), realB), F.l1Loss(gen(generatorBA, 'G_BA', realA, true), realA));
    gLoss = F.add(gLoss, F.mul(identity, config.lambdaCycle * config.lambdaIdentity));
    metrics.G_identity = identity;
  }
  if (run.distill) {
    const teacherB = buildModelGraph(run.distill.teacher, g, { batch, training: false, input: realA, scope: 'T_AB' }).logits;
    let term = run.distill.term.loss(fakeB, F.stopGradient(teacherB));
    if (run.distill.teacherBA) {
      const teacherA = buildModelGraph(run.distill.teacherBA, g, { batch, training: false, input: realB, scope: 'T_BA' }).logits;
      term = F.add(term, run.distill.term.loss(fakeA, F.stopGradient(teacherA)));
    }
    gLoss = F.add(gLoss, term);
    metrics[run.distill.term.name] = term;
  }

  const pooledA = g.input('pool_a', fakeA.shape);
  const pooledB = g.input('pool_b', fakeB.shape);
  const dA = discriminatorLoss(config.ganLoss, disc(discriminatorA, 'D_A', realA, true), disc(discriminatorA, 'D_A', pooledA, true));
  const dB = discriminatorLoss(config.ganLoss, disc(discriminatorB, 'D_B', realB, true), disc(discriminatorB, 'D_B', pooledB, true));

  const rng = createRng(config.seed + 7);
  const streams = {
    a: imageStream(train.pixels, shapeA, train.count, { batch, rng, name: 'real_a', normalize: train.normalize }),
    b: imageStream(train.targets, shapeB, train.count, { batch, rng, name: 'real_b', normalize: train.normalize }),
  };
  const stepsPerEpoch = config.stepsPerEpoch || streams.a.batchesPerEpoch;
  const poolA = new ImagePool(config.poolSize, createRng(config.seed + 13));
  const poolB = new ImagePool(config.poolSize, createRng(config.seed + 17));
  const shown: Record<'pool_a' | 'pool_b', HostTensor> = {
    pool_a: { dtype: 'float32', shape: fakeA.shape, values: new Float32Array(fakeA.size) },
    pool_b: { dtype: 'float32', shape: fakeB.shape, values: new Float32Array(fakeB.size) },
  };
  const G: Objective = {
    name: 'G',
    loss: gLoss,
    params: gParams,
    ...ganOptimizer(config, stepsPerEpoch),
    metrics,
    outputs: { fakeA, fakeB },
    afterStep: (out) => {
      poolA.query(out.fakeA!.values as Float32Array, batch, fakeA.size / batch, shown.pool_a.values as Float32Array);
      poolB.query(out.fakeB!.values as Float32Array, batch, fakeB.size / batch, shown.pool_b.values as Float32Array);
    },
  };
  const D: Objective = {
    name: 'D',
    loss: F.add(dA, dB),
    params: dParams,
    ...ganOptimizer(config, stepsPerEpoch),
    metrics: { D_A: dA, D_B: dB },
    inputs: { names: ['pool_a', 'pool_b'], make: () => shown },
  };
  const samples = await samplesHook(run, 'G_AB', hooks.signal);
  const r = await fit(
    {
      graph: g,
      objectives: [G, D],
      streams,
      epochs: config.epochs,
      stepsPerEpoch,
      compile: { seed: config.seed },
      epochHooks: [...(samples ? [samples] : []), ...(run.epochHooks ?? [])],
    },
    hooks,
  );
  const trained = (m: Model, scope: string): Model => ({ ...m, ...modelStateOf(m, r.state, scope) });
  return {
    generator: trained(run.generator, 'G_AB'),
    generatorBA: trained(generatorBA, 'G_BA'),
    discriminator: trained(discriminatorB, 'D_B'),
    discriminatorA: trained(discriminatorA, 'D_A'),
    epochs: r.epochs,
    steps: r.steps,
    seconds: (performance.now() - started) / 1000,
  };
}

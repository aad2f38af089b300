// pix2pix (Isola et al. 2017) on the fit loop: a generator G and a conditional PatchGAN D that judges
// (input, image) pairs stacked on the channel axis.
//
//   input ──> G ──> fake ──> D(input, fake) ──> G loss = GAN(fake is real) + lambda L1(fake, target)
//   input ──> T (frozen) ──────────────────────────> + distillation term(fake, T(input))
//   fetched fake ──> D(input, fake) / D(input, target) ──> D loss = 1/2 (GAN(real) + GAN(fake))
//
// G steps first, then D on the fake G made in the same loop step (before G's update, as CycleGAN's
// order has it), fed through fit's objective inputs instead of a second generator pass.
import { GraphBuilder, type Tensor } from '../graph/graph-builder.ts';
import { createRng } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import { buildModelGraph, modelStateOf, type Model } from '../model/model.ts';
import type { HostTensor } from '../ort/session.ts';
import { fit, type Objective } from '../train/fit.ts';
import { pairedStream } from '../train/streams.ts';
import { createDiscriminator, ganOptimizer, samplesHook, type GanHooks, type GanResult, type GanRun } from './gan-training.ts';
import { discriminatorLoss, ganLoss } from './losses.ts';

const paramsOf = (g: GraphBuilder, scope: string) => [...g.params.keys()].filter((n) => n.startsWith(`${scope}/`));

export async function trainPix2pix(run: GanRun, hooks: GanHooks = {}): Promise<GanResult> {
  const { config, train } = run;
  if (!train.targets || !train.targetShape) throw new Error(`${train.name} has no target images; pix2pix needs a paired dataset`);
  const started = performance.now();
  const batch = config.batchSize;
  const [c, h, w] = train.shape;
  const [tc] = train.targetShape;
  const discriminator = createDiscriminator([c + tc, h, w], config, config.seed + 101);
  const g = new GraphBuilder({ seed: config.seed, training: true });
  const input = g.input('input', [batch, c, h, w]);
  const target = g.input('target', [batch, ...train.targetShape]);
  const fake = buildModelGraph(run.generator, g, { batch, training: true, input, scope: 'G' }).logits;
  const gParams = paramsOf(g, 'G');
  const dOnFake = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, fake], 1), scope: 'D' }).logits;
  const dParams = paramsOf(g, 'D');
  const l1 = F.l1Loss(fake, target);
  let gLoss: Tensor = F.add(ganLoss(config.ganLoss, dOnFake, true), F.mul(l1, config.lambdaL1));
  const gMetrics: Record<string, Tensor> = { G_gan: ganLoss(config.ganLoss, dOnFake, true), G_l1: l1 };
  if (run.distill) {
    const teacherOut = buildModelGraph(run.distill.teacher, g, { batch, training: false, input, scope: 'T' }).logits;
    const term = run.distill.term.loss(fake, F.stopGradient(teacherOut));
    gLoss = F.add(gLoss, term);
    gMetrics[run.distill.term.name] = term;
  }

  // D's view of the fake: G's fetched output of this loop step.
  const fakeForD = g.input('fake_for_d', fake.shape);
  const dReal = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, target], 1), scope: 'D', reuse: true }).logits;
  const dFake = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, fakeForD], 1), scope: 'D', reuse: true }).logits;
  const dLoss = discriminatorLoss(config.ganLoss, dReal, dFake);

  const stream = pairedStream(train, { batch, rng: createRng(config.seed + 7) });
  const stepsPerEpoch = config.stepsPerEpoch || stream.batchesPerEpoch;
  const fakeTensor: HostTensor = { dtype: 'float32', shape: fake.shape, values: new Float32Array(fake.size) };
  const G: Objective = {
    name: 'G',
    loss: gLoss,
    params: gParams,
    ...ganOptimizer(config, stepsPerEpoch),
    metrics: gMetrics,
    outputs: { fake },
    afterStep: (out) => (fakeTensor.values as Float32Array).set(out.fake!.values as Float32Array),
  };
  const D: Objective = {
    name: 'D',
    loss: dLoss,
    params: dParams,
    ...ganOptimizer(config, stepsPerEpoch),
    metrics: { D_real: F.mean(dReal), D_fake: F.mean(dFake) },
    inputs: { names: ['fake_for_d'], make: () => ({ fake_for_d: fakeTensor }) },
  };
  const samples = await samplesHook(run, 'G', hooks.signal);
  const r = await fit(
    {
      graph: g,
      objectives: [G, D],
      streams: { pairs: stream },
      epochs: config.epochs,
      stepsPerEpoch,
      compile: { seed: config.seed },
      epochHooks: [...(samples ? [samples] : []), ...(run.epochHooks ?? [])],
    },
    hooks,
  );
  const trained = (m: Model, scope: string): Model => ({ ...m, ...modelStateOf(m, r.state, scope) });
  return { generator: trained(run.generator, 'G'), discriminator: trained(discriminator, 'D'), epochs: r.epochs, steps: r.steps, seconds: (performance.now() - started) / 1000 };
}

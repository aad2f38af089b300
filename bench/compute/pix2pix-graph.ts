// The benchmarks' pix2pix pair at 32x32: the zoo's unet-small generator and patchgan discriminator in
// one graph (scopes G and D), with both losses (BCE GAN losses; the generator's adds 100 L1, as in
// pix2pix). The loop steps G first and hands its output to the D step as the graph input `fake` (the
// generated images, detached), so the generator's forward pass runs once per loop step, as in PyTorch
// where D trains on `fake.detach()`. Shared by bench/train-vs-pytorch.mjs and bench/compute/ort-profile.ts
// so both measure the same graph.
import type { GraphBuilder, Tensor } from '../../src/compute/graph/graph-builder.ts';
import * as F from '../../src/compute/graph/ops/index.ts';
import { buildModelGraph, createZooModel } from '../../src/compute/model/model.ts';

export interface Pix2pixGraph {
  dLoss: Tensor;
  gLoss: Tensor;
  dParams: string[];
  gParams: string[];
  /** The generator's output, fetched by the G step and fed to the D step as `fake`. */
  fake: Tensor;
}

/** Records the pair on `g` with graph inputs `input`, `target` and `fake` (for the D step) [batch, 3, 32, 32]. */
export function pix2pixGraph(g: GraphBuilder, batch: number): Pix2pixGraph {
  const norm = { mean: [0.5], std: [0.5] };
  const generator = createZooModel({ shape: [3, 32, 32], classes: [], normalize: norm, task: 'paired', targetShape: [3, 32, 32] }, { architecture: 'unet-small', seed: 0 });
  const discriminator = createZooModel({ shape: [6, 32, 32], classes: [], normalize: norm, task: 'classify' }, { architecture: 'patchgan', seed: 1 });
  const input = g.input('input', [batch, 3, 32, 32]);
  const target = g.input('target', [batch, 3, 32, 32]);
  const fake = buildModelGraph(generator, g, { batch, training: true, input, scope: 'G' }).logits;
  const fedFake = g.input('fake', [batch, 3, 32, 32]);
  const dReal = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, target], 1), scope: 'D' }).logits;
  const dFedFake = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, fedFake], 1), scope: 'D', reuse: true }).logits;
  const dFake = buildModelGraph(discriminator, g, { batch, training: true, input: F.concat([input, fake], 1), scope: 'D', reuse: true }).logits;
  const ones = F.full(g, dReal.shape, 1);
  const zeros = F.full(g, dReal.shape, 0);
  const scoped = (scope: string) => [...g.params.keys()].filter((n) => n.startsWith(`${scope}/`));
  return {
    dLoss: F.mul(F.add(F.bceWithLogits(dReal, ones), F.bceWithLogits(dFedFake, zeros)), 0.5),
    gLoss: F.add(F.bceWithLogits(dFake, ones), F.mul(F.l1Loss(fake, target), 100)),
    dParams: scoped('D'),
    gParams: scoped('G'),
    fake,
  };
}

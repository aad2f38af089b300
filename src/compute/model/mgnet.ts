// MGNet, the multi-glimpse network (arXiv 2111.02018, BMVC 2021; methods.md section 8):
// a shared backbone reads T glimpses of the image, each resampled to the same small size, fuses them with
// self-attention and predicts after every glimpse; a localisation head picks where the next glimpse looks.
//
//   glimpse t = gridSample(x, affineGrid(s, tx, ty))         glimpse 1: s = 1, t = 0, the whole image
//        │
//     backbone ──> h_t ──> auxiliary head (t >= 2; read by the loss only)
//        │
//   H_t = [h_t ; stop(s, tx, ty)] ──> attention over H_1..H_t, last position ──> LayerNorm ──> ReLU
//        ┌─────────────────────────────────────────────────────────────────────────────────────┘
//        ├──> global head: logits after glimpse t
//        └──> localisation head: (s, tx, ty) of glimpse t + 1
//
// Parameter names follow the module names of the authors' PyTorch code (`backbone.*`,
// `feat_fusion.mha.in_proj_weight`, `loc_network.fc.weight`, `global_fc.fc.weight`, `glimpse_fc.fc.weight`).

import type { Tensor } from '../graph/graph-builder.ts';
import { init } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import type { ZooBuild } from './zoo.ts';

export interface MgnetSettings {
  backbone: { name: string; features: (b: ZooBuild, x: Tensor) => Tensor };
  glimpses: number;
  glimpseScale: number;
  auxWeight: number;
  localizationGradScale: number;
}

/**
 * A setting MGNet cannot be built with, naming the setting (the Model node's param of the same name) so
 * the user is pointed at the cause: a glimpse too small for the backbone is glimpseScale's doing, not
 * the architecture's.
 */
export class MgnetSettingError extends Error {
  constructor(
    readonly setting: 'backbone' | 'glimpses' | 'glimpseScale' | 'auxWeight' | 'localizationGradScale',
    message: string,
  ) {
    super(message);
    this.name = 'MgnetSettingError';
  }
}

/** methods.md 8.3: the scale s of glimpses 2..T lies in [0.2, 0.5] of the image. */
export const GLIMPSE_SCALE_MIN = 0.2;
export const GLIMPSE_SCALE_MAX = 0.5;

/** Glimpse height and width for an image: floor(size / glimpseScale), the paper's "downsampled attention". */
export function glimpseSize(height: number, width: number, glimpseScale: number): [number, number] {
  return [Math.floor(height / glimpseScale), Math.floor(width / glimpseScale)];
}

/**
 * A view of the build whose parameters and buffers are created once under `prefix` and handed back on
 * later calls, so one set of weights serves every glimpse. Nothing is exposed and no head split
 * applies inside it. With batch norm in training mode the running statistics follow the last glimpse.
 */
function sharedBuild(b: ZooBuild, prefix: string): ZooBuild {
  const params = new Map<string, Tensor>();
  const buffers = new Map<string, Tensor>();
  const once = (cache: Map<string, Tensor>, name: string, make: (scoped: string) => Tensor): Tensor => {
    let t = cache.get(name);
    if (!t) cache.set(name, (t = make(prefix ? `${prefix}.${name}` : name)));
    return t;
  };
  return {
    g: b.g,
    training: b.training,
    classes: b.classes,
    width: b.width,
    outChannels: b.outChannels,
    options: b.options,
    param: (name, shape, initial) => once(params, name, (scoped) => b.param(scoped, shape, initial)),
    buffer: (name, shape, initial) => once(buffers, name, (scoped) => b.buffer(scoped, shape, initial)),
  };
}

/** The authors' initialisation of MGNet's own layers: He-normal weights (same variance as He-uniform), zero biases. */
function linear(b: ZooBuild, x: Tensor, name: string, out: number): Tensor {
  return F.linear(x, b.param(`${name}.weight`, [out, x.shape[1]!], init.kaimingUniform()), b.param(`${name}.bias`, [out], init.zeros()));
}

/**
 * theta [[s, 0, tx], [0, s, ty]] [N, 2, 3] from the affine parameters (s, tx, ty) [N, 3], as one product
 * with a constant so the batch dimension stays free.
 */
function thetaOf(affine: Tensor): Tensor {
  // Rows: what s, tx and ty contribute to the six entries of theta.
  const place = affine.graph.constant([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], [3, 6]);
  return F.reshape(F.matmul(affine, place), [0, 2, 3]);
}

/**
 * The region a glimpse reads, [x0, y0, x1, y1] = [tx - s, ty - s, tx + s, ty + s] in the sampler's
 * normalised coordinates (align corners: -1 and +1 are the centres of the first and last pixel).
 */
function boxOf(affine: Tensor): Tensor {
  const corners = affine.graph.constant([-1, -1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1], [3, 4]);
  return F.matmul(affine, corners);
}

/** Tensors [N, ...] as [N, T, ...]. */
const stack = (ts: readonly Tensor[]): Tensor => (ts.length === 1 ? F.unsqueeze(ts[0]!, [1]) : F.concat(ts.map((t) => F.unsqueeze(t, [1])), 1));

function checkSettings(x: Tensor, s: MgnetSettings): [number, number] {
  if (!Number.isInteger(s.glimpses) || s.glimpses < 1) throw new MgnetSettingError('glimpses', `mgnet: glimpses must be a whole number of at least 1, not ${s.glimpses}`);
  if (!(s.glimpseScale >= 1) || !Number.isFinite(s.glimpseScale))
    throw new MgnetSettingError('glimpseScale', `mgnet: glimpseScale must be at least 1 (a glimpse no larger than the image), not ${s.glimpseScale}`);
  if (!(s.auxWeight >= 0 && s.auxWeight <= 1)) throw new MgnetSettingError('auxWeight', `mgnet: auxWeight must lie in [0, 1], not ${s.auxWeight}`);
  if (!Number.isFinite(s.localizationGradScale)) throw new MgnetSettingError('localizationGradScale', `mgnet: localizationGradScale must be a number, not ${s.localizationGradScale}`);
  const [gh, gw] = glimpseSize(x.shape[2]!, x.shape[3]!, s.glimpseScale);
  if (gh < 1 || gw < 1) throw new MgnetSettingError('glimpseScale', `mgnet: glimpseScale ${s.glimpseScale} leaves no pixel of a ${x.shape[2]}x${x.shape[3]} image`);
  return [gh, gw];
}

/**
 * Records MGNet on x [N, C, H, W]. Returns the logits after the last glimpse; exposes `glimpse_logits`
 * [N, T, classes] (the logits after each glimpse), `boxes` [N, T, 4] (each glimpse's region, see boxOf),
 * `affine` [N, T, 3] (its (s, tx, ty)), `glimpses` [N, T, C, gh, gw] (the sampled images), `aux_logits`
 * [N, T - 1, classes] (the auxiliary head on glimpses 2..T) and `features` (the fused vector the global
 * head reads last), and defines the training loss of methods.md 8.4.
 */
export function mgnet(b: ZooBuild, x: Tensor, settings: MgnetSettings): Tensor {
  const [gh, gw] = checkSettings(x, settings);
  const g = b.g;
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const backbone = sharedBuild(b, 'backbone');
  const own = sharedBuild(b, '');
  const features = (glimpse: Tensor): Tensor => {
    try {
      return settings.backbone.features(backbone, glimpse);
    } catch (e) {
      throw new MgnetSettingError('glimpseScale', `mgnet: the ${settings.backbone.name} backbone cannot read ${gh}x${gw} glimpses (image size / glimpseScale): ${(e as Error).message}`);
    }
  };

  // Glimpse 1 is the whole image: (s, tx, ty) = (1, 0, 0) per sample. The zeros [N, 1] come from the input
  // so the batch dimension is never written into a shape (exports leave it free).
  const zeros = F.mul(F.flatten(F.slice(x, [0, 0, 0], [1, 1, 1], [1, 2, 3])), 0);
  let affine = F.add(zeros, g.constant([1, 0, 0], [1, 3]));
  const affines: Tensor[] = [];
  const glimpses: Tensor[] = [];
  const keys: Tensor[] = [];
  const values: Tensor[] = [];
  const logits: Tensor[] = [];
  const auxLogits: Tensor[] = [];
  let fused: Tensor | undefined;
  for (let t = 0; t < settings.glimpses; t++) {
    affines.push(affine);
    const grid = F.affineGrid(thetaOf(affine), [n, c, gh, gw], { alignCorners: true });
    const glimpse = F.gridSample(x, grid, { alignCorners: true });
    glimpses.push(glimpse);
    const h = features(glimpse);
    // The auxiliary head judges each later glimpse on its own (the first, the whole image, is left out).
    if (t > 0) auxLogits.push(linear(own, h, 'glimpse_fc.fc', b.classes));
    // H_t: the affine parameters are detached, so the localisation head learns only through the sampler.
    const ht = F.concat([h, F.stopGradient(affine)], 1);
    const e = ht.shape[1]!;
    const inProj = F.linear(
      ht,
      own.param('feat_fusion.mha.in_proj_weight', [3 * e, e], init.kaimingUniform()),
      own.param('feat_fusion.mha.in_proj_bias', [3 * e], init.zeros()),
    );
    const [q, k, v] = F.split(inProj, [e, e, e], 1);
    keys.push(k!);
    values.push(v!);
    // Single-head attention; only the last position's output is used, so only its query is computed.
    const scores = F.mul(F.matmul(F.unsqueeze(q!, [1]), F.transpose(stack(keys), [0, 2, 1])), 1 / Math.sqrt(e));
    const context = F.reshape(F.matmul(F.softmax(scores, -1), stack(values)), [0, e]);
    const attended = linear(own, context, 'feat_fusion.mha.out_proj', e);
    // LayerNorm straight on the attention output: no residual, no feed-forward (methods.md 8.2).
    const norm = F.layerNorm(attended, 1, own.param('feat_fusion.norm.weight', [e], init.ones()), own.param('feat_fusion.norm.bias', [e], init.zeros()));
    fused = F.relu(norm);
    logits.push(linear(own, fused, 'global_fc.fc', b.classes));
    if (t === settings.glimpses - 1) break;
    // methods.md 8.3: sigmoid, the gradient damped on the way back, then s in [0.2, 0.5] and a translation
    // that keeps the glimpse inside the image (|t| <= 1 - s).
    const sig = F.gradScale(F.sigmoid(linear(own, fused, 'loc_network.fc', 3)), settings.localizationGradScale);
    const [rawScale, rawShift] = F.split(sig, [1, 2], 1);
    const s = F.add(F.mul(rawScale!, GLIMPSE_SCALE_MAX - GLIMPSE_SCALE_MIN), GLIMPSE_SCALE_MIN);
    const shift = F.mul(F.mul(F.sub(rawShift!, 0.5), 2), F.sub(1, s));
    affine = F.concat([s, shift], 1);
  }
  const last = logits[logits.length - 1]!;
  b.expose?.('features', fused!);
  b.expose?.('glimpse_logits', stack(logits));
  b.expose?.('affine', stack(affines));
  b.expose?.('boxes', stack(affines.map(boxOf)));
  b.expose?.('glimpses', stack(glimpses));
  if (auxLogits.length > 0) b.expose?.('aux_logits', stack(auxLogits));
  b.defineLoss?.((labels) => {
    const meanCe = (ts: readonly Tensor[]): Tensor => F.mul(ts.map((l) => F.crossEntropy(l, labels)).reduce((a, z) => F.add(a, z)), 1 / ts.length);
    // methods.md 8.4: (1 - alpha) mean_t CE(global_t) + alpha mean_{t>=2} CE(aux_t). With one glimpse there is
    // no auxiliary term and the global term takes the whole weight.
    if (auxLogits.length === 0) return meanCe(logits);
    return F.add(F.mul(meanCe(logits), 1 - settings.auxWeight), F.mul(meanCe(auxLogits), settings.auxWeight));
  });
  return last;
}

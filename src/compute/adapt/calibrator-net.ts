// The data calibrator of Ye et al. 2019 (arXiv 1911.12796, methods.md section 7, step 2): a small ResNet
// generator that reads an image and proposes a bounded perturbation for it, ||p||_inf <= eps.
//
//   x in [-1, 1] -> 7x7 conv -> 2 stride-2 convs -> `blocks` residual blocks (dropout inside) ->
//   2 stride-2 transposed convs -> 7x7 conv -> tanh = o
//   perturbation 'paper':  p = clamp((o + 1) / 2, 0, eps)              (methods.md 7, the authors' code)
//   perturbation 'signed': p = eps o, the last conv zero-initialised    (starts at p = 0)
//   x' = clamp(x + p, -1, 1)
//
// The classifier reads images normalised with its own per-channel mean and std, so the calibrator
// converts them to the paper's [-1, 1] scale (where eps is stated), perturbs them there, and converts
// back: the classifier never sees anything outside its pixel range.
import type { GraphBuilder, Tensor } from '../graph/graph-builder.ts';
import { init, type Initializer } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';

export interface CalibratorShape {
  /** Channels of the first layer (4-8 in the paper); the bottleneck has 4x. */
  width: number;
  /** Residual blocks at the bottleneck (8-9 in the paper). */
  blocks: number;
  /** Dropout inside each residual block (0.05 in the authors' code). */
  dropout: number;
  /**
   * How tanh's output becomes the perturbation. `paper`: clamp((o + 1) / 2, 0, eps), in [0, eps].
   * `signed`: eps o, in [-eps, eps], starting at 0 (the calibrator begins as the identity).
   */
  perturbation: CalibratorPerturbation;
}

export const CALIBRATOR_PERTURBATIONS = ['signed', 'paper'] as const;
export type CalibratorPerturbation = (typeof CALIBRATOR_PERTURBATIONS)[number];

export interface CalibrateOptions {
  /** Parameter scope, `C` by default. */
  scope?: string;
  /** Dropout active (training graphs). */
  training: boolean;
  /** Record again on the parameters an earlier call declared (source images after target images). */
  reuse?: boolean;
  /** Trained values by the calibrator's own parameter names (export and evaluation graphs); fresh weights otherwise. */
  values?: Readonly<Record<string, Float32Array>>;
  /** L-inf bound of the perturbation in the [-1, 1] pixel scale. */
  eps: number;
  /** The classifier's normalisation: the calibrator's input and output are in that space. */
  normalize: { mean: readonly number[]; std: readonly number[] };
}

export interface Calibrated {
  /** The calibrated image, normalised like the input (what the classifier reads). */
  calibrated: Tensor;
  /** The perturbation p in the [-1, 1] scale: in [0, eps] (`paper`) or [-eps, eps] (`signed`). */
  perturbation: Tensor;
}

/** [1, C, 1, 1] constants of a per-channel value list (one value: all channels). */
function perChannel(g: GraphBuilder, values: readonly number[], channels: number, map: (v: number) => number): Tensor {
  return g.constant(
    Float32Array.from({ length: channels }, (_, i) => map(values.length === 1 ? values[0]! : values[i]!)),
    [1, channels, 1, 1],
  );
}

/** Instance normalisation without affine parameters (CycleGAN's generator), per sample and channel. */
function instanceNorm(x: Tensor): Tensor {
  return F.instanceNorm(x, { eps: 1e-5 });
}

/**
 * Records the calibrator on `z` (images in the classifier's normalisation) and returns the calibrated
 * images and the perturbation. Parameters are `<scope>/<layer>.weight|bias`.
 */
export function calibrate(g: GraphBuilder, z: Tensor, net: CalibratorShape, options: CalibrateOptions): Calibrated {
  const scope = options.scope ?? 'C';
  const c = z.shape[1]!;
  const [h, w] = [z.shape[2]!, z.shape[3]!];
  if (h % 4 || w % 4) throw new Error(`the calibrator halves the image twice: height and width must be divisible by 4, got ${h}x${w}`);
  const param = (name: string, shape: number[], initial: Initializer): Tensor => {
    const scoped = `${scope}/${name}`;
    if (options.reuse) return g.tensor(scoped);
    const given = options.values?.[name];
    if (given && given.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`calibrator parameter ${name} has ${given.length} values, the shape [${shape}] needs more or fewer`);
    return g.param(scoped, shape, given ? () => Float32Array.from(given) : initial);
  };
  const conv = (x: Tensor, name: string, out: number, k: number, stride = 1, zero = false): Tensor => {
    const shape = [out, x.shape[1]!, k, k];
    return F.conv2d(x, param(`${name}.weight`, shape, zero ? init.zeros() : init.kaimingUniform()), param(`${name}.bias`, [out], zero ? init.zeros() : init.biasUniform(shape)), { stride, padding: (k - 1) >> 1 });
  };
  const up = (x: Tensor, name: string, out: number): Tensor => {
    const shape = [x.shape[1]!, out, 3, 3];
    return F.convTranspose2d(x, param(`${name}.weight`, shape, init.kaimingUniform()), param(`${name}.bias`, [out], init.biasUniform(shape)), { stride: 2, padding: 1, outputPadding: 1 });
  };

  // The classifier's normalised z back to the [-1, 1] scale: x = 2 (z std + mean) - 1.
  const { mean, std } = options.normalize;
  const x = F.sub(F.mul(F.add(F.mul(z, perChannel(g, std, c, (s) => s)), perChannel(g, mean, c, (m) => m)), 2), 1);

  const wd = net.width;
  let t = F.relu(instanceNorm(conv(x, 'stem', wd, 7)));
  t = F.relu(instanceNorm(conv(t, 'down1', 2 * wd, 3, 2)));
  t = F.relu(instanceNorm(conv(t, 'down2', 4 * wd, 3, 2)));
  for (let k = 0; k < net.blocks; k++) {
    let y = F.relu(instanceNorm(conv(t, `blocks.${k}.conv1`, 4 * wd, 3)));
    y = F.dropout(y, net.dropout, { training: options.training });
    y = instanceNorm(conv(y, `blocks.${k}.conv2`, 4 * wd, 3));
    t = F.add(t, y);
  }
  t = F.relu(instanceNorm(up(t, 'up1', 2 * wd)));
  t = F.relu(instanceNorm(up(t, 'up2', wd)));
  const signed = net.perturbation === 'signed';
  // Signed: the head starts at zero, so p starts at exactly 0: the calibrator begins as the identity and
  // the classifier's source accuracy is untouched until the adversarial game asks for a change. (A zero
  // head would freeze the paper's form: (0 + 1) / 2 = 0.5 sits above eps < 0.5, where the clamp passes
  // no gradient, so it keeps the usual initialisation.)
  const o = F.tanh(conv(t, 'head', c, 7, 1, signed));

  // The paper's clamp((o + 1) / 2, 0, eps) starts near 0.5 on every pixel, at eps on most, where the
  // clamp passes no gradient, so every image, source included, is brightened by about eps from the first
  // step; it can only brighten. eps o keeps ||p||_inf <= eps with either sign and starts at 0.
  const perturbation = signed ? F.mul(o, options.eps) : F.clamp(F.mul(F.add(o, 1), 0.5), 0, options.eps);
  const xCal = F.clamp(F.add(x, perturbation), -1, 1);
  // Back to the classifier's normalisation: z' = ((x' + 1) / 2 - mean) / std.
  const calibrated = F.mul(F.sub(F.mul(F.add(xCal, 1), 0.5), perChannel(g, mean, c, (m) => m)), perChannel(g, std, c, (s) => 1 / s));
  return { calibrated, perturbation };
}

/** The calibrator's parameter values out of a training state, by its own names (scope stripped). */
export function calibratorValues(params: Readonly<Record<string, Float32Array>>, scope = 'C'): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(params)) if (name.startsWith(`${scope}/`)) out[name.slice(scope.length + 1)] = v;
  return out;
}

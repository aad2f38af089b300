// The two 4-way discriminators of the calibrator (methods.md section 7, step 3). Both classify an
// input into the groups {0 source, 1 target, 2 calibrated target, 3 calibrated source}:
// - the feature discriminator reads the frozen classifier's softmax (MLP 1000-500-4, dropout 0.5
//   before the last layer): it sees what the classifier makes of an image;
// - the pixel discriminator reads one random patch of the image with its pixels shuffled (MLP 128-4):
//   it sees local intensity statistics but no shape, so it cannot push the calibrator to redraw digits.
// The patch location and the pixel permutation are drawn per step and shared across the batch (the
// `patch_index` input a stream fills).
import type { GraphBuilder, Tensor } from '../graph/graph-builder.ts';
import { init } from '../graph/init.ts';
import * as F from '../graph/ops/index.ts';
import type { Rng } from '../graph/init.ts';
import type { HostTensor } from '../ort/session.ts';
import type { DataStream } from '../train/streams.ts';

export const GROUPS = ['source', 'target', 'calibrated_target', 'calibrated_source'] as const;
export type Group = (typeof GROUPS)[number];

function linear(g: GraphBuilder, x: Tensor, name: string, out: number, reuse: boolean): Tensor {
  const shape = [out, x.shape[1]!];
  const weight = reuse ? g.tensor(`${name}.weight`) : g.param(`${name}.weight`, shape, init.kaimingUniform());
  const bias = reuse ? g.tensor(`${name}.bias`) : g.param(`${name}.bias`, [out], init.biasUniform(shape));
  return F.linear(x, weight, bias);
}

/** Feature discriminator on class probabilities [N, K]: 4-way logits. Parameters under `scope`. */
export function featureDiscriminator(probs: Tensor, options: { scope?: string; reuse?: boolean; training: boolean }): Tensor {
  const g = probs.graph;
  const s = options.scope ?? 'DF';
  const reuse = options.reuse ?? false;
  let h = F.relu(linear(g, probs, `${s}/fc1`, 1000, reuse));
  h = F.relu(linear(g, h, `${s}/fc2`, 500, reuse));
  h = F.dropout(h, 0.5, { training: options.training });
  return linear(g, h, `${s}/fc3`, GROUPS.length, reuse);
}

/**
 * The shuffled patch of each image: `index` [n] picks n values of the flattened c*h*w image (a patch
 * location, then a permutation of its pixels). Gathered on the transposed [c*h*w, N] matrix, whose
 * axis 0 the Gather gradient supports, so the calibrator step back-propagates through it.
 */
export function shuffledPatch(images: Tensor, index: Tensor): Tensor {
  const flat = F.reshape(images, [images.shape[0]!, -1]);
  return F.transpose(F.gather(F.transpose(flat, [1, 0]), index, 0), [1, 0]);
}

/** Pixel discriminator on shuffled patches [N, n]: 4-way logits. Parameters under `scope`. */
export function pixelDiscriminator(patches: Tensor, options: { scope?: string; reuse?: boolean }): Tensor {
  const g = patches.graph;
  const s = options.scope ?? 'DP';
  const reuse = options.reuse ?? false;
  const h = F.relu(linear(g, patches, `${s}/fc1`, 128, reuse));
  return linear(g, h, `${s}/fc2`, GROUPS.length, reuse);
}

/** Indices of one random patch x patch window of a c x h x w image, all channels, pixels shuffled. */
export function drawPatchIndex(shape: readonly [number, number, number], patch: number, rng: Rng, out: BigInt64Array): void {
  const [c, h, w] = shape;
  const top = Math.floor(rng() * (h - patch + 1));
  const left = Math.floor(rng() * (w - patch + 1));
  let k = 0;
  for (let ch = 0; ch < c; ch++)
    for (let i = 0; i < patch; i++) for (let j = 0; j < patch; j++) out[k++] = BigInt(ch * h * w + (top + i) * w + left + j);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
}

/** A stream of one patch index per step (the `patch_index` graph input), shared by both objectives of the step. */
export function patchStream(name: string, shape: readonly [number, number, number], patch: number, rng: Rng): DataStream {
  if (patch > shape[1] || patch > shape[2]) throw new Error(`a ${patch}x${patch} patch does not fit ${shape[1]}x${shape[2]} images`);
  const values = new BigInt64Array(shape[0] * patch * patch);
  const tensor: HostTensor = { dtype: 'int64', shape: [values.length], values };
  return {
    names: [name],
    batchesPerEpoch: 1,
    startEpoch: () => {},
    next: () => {
      drawPatchIndex(shape, patch, rng, values);
      return { [name]: tensor };
    },
  };
}

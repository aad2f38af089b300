// The Dataset node: reads a dataset from one of several sources and outputs its train, test and validation
// splits, optionally resized, re-channelled, limited, placed on a canvas among clutter and shifted to a new domain.
import { z } from 'zod';
import { GENERATED_MAX_CLASSES } from '../../src/compute/data/generated';
import { IMAGE_TASKS, imageTaskShape, imageTaskSplits } from '../../src/compute/data/image-tasks';
import { loadDatasetSplits } from '../../src/compute/data/load';
import { placementOptions, placementProblem } from '../../src/compute/data/placement';
import { sourceFiles } from '../../src/compute/data/sources';
import { NO_SHIFT } from '../../src/compute/data/transforms';
import { defineNode, NodeError, type PortFacts } from '../../src/shared/node-sdk';

const onCanvas = { placeOnCanvas: [true] };
const fileParam = (help: string) => z.string().default('').meta({ help, format: 'path' });

export const datasetParams = z.object({
  source: z
    .enum(['fashion-mnist', 'idx', 'cifar-binary', 'image-folder', 'paired-folder', 'generated', 'rendered-digits'])
    .default('fashion-mnist')
    .meta({ help: 'Where the images come from. See the node docs for the folder layout each source expects.' }),
  path: fileParam(
    'idx: folder with the four MNIST-style files. cifar-binary: folder with data_batch_*.bin and test_batch.bin, or one .bin file. image-folder: folder of class subfolders (optionally inside train/ and test/). paired-folder: folder with input/ and target/ (optionally inside train/ and test/). Relative to the graph file.',
  ),
  trainImages: fileParam('idx only: the train images file, overriding the standard name inside path.'),
  trainLabels: fileParam('idx only: the train labels file, overriding the standard name inside path.'),
  testImages: fileParam('idx only: the test images file, overriding the standard name inside path.'),
  testLabels: fileParam('idx only: the test labels file, overriding the standard name inside path.'),
  classNames: z.string().default('').meta({ help: 'idx and cifar-binary: class names separated by commas, label 0 first. Empty: defaults (CIFAR-10 names, or the label numbers).' }),
  bundledMini: z.boolean().default(false).meta({ help: 'fashion-mnist only: use the bundled 6,000/1,000 subset even when the full set is installed (fast graphs, CI).' }),
  testFraction: z.number().min(0.01).max(0.9).default(0.2).meta({ help: 'Folders and single files without a separate test split: the fraction of each class held out as test.' }),
  classes: z.number().int().min(2).max(GENERATED_MAX_CLASSES).default(4).meta({ help: 'generated only: number of classes (a shape or texture each; more than 10 adds size bands).' }),
  trainCount: z.number().int().min(1).max(1_000_000).default(2000).meta({ help: 'generated and rendered-digits: train images.', unit: 'images' }),
  testCount: z.number().int().min(1).max(1_000_000).default(500).meta({ help: 'generated and rendered-digits: test images.', unit: 'images' }),
  size: z.number().int().min(8).max(512).default(28).meta({ help: 'generated and rendered-digits: image width and height.', unit: 'px' }),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0).meta({ help: 'Drives generated images, held-out and validation splits, and shift noise.' }),
  resize: z.number().int().min(0).max(1024).default(0).meta({ help: 'Resize every image to resize x resize (bilinear). 0 keeps the size.', unit: 'px' }),
  channels: z.enum(['keep', '1', '3']).default('keep').meta({ help: '1: greyscale (luma), 3: RGB (grey repeated). keep: as stored (generated data: 1).' }),
  normalize: z.enum(['none', 'dataset', 'given']).default('dataset').meta({ help: 'The normalisation recorded for models: none (pixel/255), dataset (train mean/std per channel), given (mean and std below). Pixels stay 8-bit.' }),
  mean: z.string().default('0.5').meta({ help: 'normalize = given: per-channel means in 0..1, separated by commas (one value = all channels).' }),
  std: z.string().default('0.5').meta({ help: 'normalize = given: per-channel standard deviations in 0..1, separated by commas.' }),
  perClassLimit: z.number().int().min(0).max(1_000_000).default(0).meta({ help: 'Keep at most this many train images per class (the first ones). 0: all.', unit: 'images' }),
  testPerClassLimit: z.number().int().min(0).max(1_000_000).default(0).meta({ help: 'Keep at most this many test images per class (the first ones). 0: all.', unit: 'images' }),
  validationSplit: z.number().min(0).max(0.9).default(0).meta({ help: 'Fraction of each train class moved to the validation output (seeded). 0: validation is empty.' }),
  placeOnCanvas: z.boolean().default(false).meta({ help: 'Place each image at a random position on a larger canvas (after resize and channels, before the shift), recording the object box, so a model has to find the object: the task of attention models such as MGNet.' }),
  canvasSize: z.number().int().min(32).max(256).default(64).meta({ help: 'placeOnCanvas: canvas width and height. It must hold the images at placeScaleMax.', unit: 'px', appliesWhen: onCanvas }),
  placeScaleMin: z.number().min(0.25).max(4).default(1).meta({ help: 'placeOnCanvas: each image is resized by a factor drawn uniformly between placeScaleMin and placeScaleMax. 1 and 1: kept as is.', appliesWhen: onCanvas }),
  placeScaleMax: z.number().min(0.25).max(4).default(1).meta({ help: 'placeOnCanvas: the largest scale factor (see placeScaleMin).', appliesWhen: onCanvas }),
  clutter: z.number().int().min(0).max(64).default(0).meta({ help: 'placeOnCanvas: fragments of other images of the same split scattered on each canvas, never over the object box. 0: none.', unit: 'fragments', appliesWhen: onCanvas }),
  clutterSize: z.number().int().min(2).max(256).default(8).meta({ help: 'placeOnCanvas: edge of each clutter fragment, cut from an unscaled image (at most the image size).', unit: 'px', appliesWhen: onCanvas }),
  shiftSplits: z.enum(['all', 'train', 'test']).default('all').meta({ help: 'Which splits get the domain shift below (train includes validation).' }),
  invert: z.boolean().default(false).meta({ help: 'Shift: invert pixels (255 - p).' }),
  rotate: z.number().min(-180).max(180).default(0).meta({ help: 'Shift: rotate every image counter-clockwise by this angle.', unit: 'deg' }),
  noise: z.number().min(0).max(128).default(0).meta({ help: 'Shift: standard deviation of added Gaussian noise.', unit: 'pixel levels (0-255)' }),
  blur: z.number().min(0).max(16).default(0).meta({ help: 'Shift: Gaussian blur radius (its standard deviation).', unit: 'px' }),
  contrast: z.number().min(0).max(4).default(1).meta({ help: 'Shift: contrast factor around mid-grey. 1: unchanged.' }),
  tint: z.string().default('').meta({ help: 'Shift: a colour like #ff8800 the images are multiplied with (makes them RGB). Empty: none.' }),
  tintStrength: z.number().min(0).max(1).default(0.5).meta({ help: 'Shift: how much of the tint is applied.' }),
  imageTask: z
    .enum(['none', ...IMAGE_TASKS])
    .default('none')
    .meta({
      help: 'Turn a classification source into an image-to-image task (targets: the images, zero-padded to a multiple of 8, 28 -> 32). super-resolution: 2x down then up; edges: Sobel magnitude; denoise: + Gaussian noise; unpaired: domain B = the images under the shift above (invert when none), shuffled in train.',
    }),
  taskNoise: z.number().min(0).max(128).default(40).meta({ help: 'imageTask denoise: noise standard deviation.', unit: 'pixel levels (0-255)', appliesWhen: { imageTask: ['denoise'] } }),
});

type DatasetParams = z.infer<typeof datasetParams>;

/** Image shape and class count as far as the params alone tell (file sources only after resize/channels). */
export function datasetFacts(p: DatasetParams): PortFacts {
  const stored: Partial<Record<DatasetParams['source'], { c: number; size?: number; classes?: number }>> = {
    'fashion-mnist': { c: 1, size: 28, classes: 10 },
    'cifar-binary': { c: 3, size: 32 },
    generated: { c: 1, size: p.size, classes: p.classes },
    'rendered-digits': { c: 1, size: p.size, classes: 10 },
  };
  const known = stored[p.source];
  const channels = p.tint !== '' ? 3 : p.channels !== 'keep' ? Number(p.channels) : known?.c;
  const size = p.placeOnCanvas ? p.canvasSize : p.resize > 0 ? p.resize : known?.size;
  if (p.imageTask !== 'none' && p.source !== 'paired-folder') {
    return { task: 'paired', ...(channels !== undefined && size !== undefined ? { shape: imageTaskShape([channels, size, size]) } : {}) };
  }
  return {
    task: p.source === 'paired-folder' ? 'paired' : 'classify',
    ...(channels !== undefined && size !== undefined ? { shape: [channels, size, size] as [number, number, number] } : {}),
    ...(known?.classes !== undefined ? { classes: known.classes } : {}),
  };
}

/**
 * The facts of each output: the dataset's, plus `boxes` on the splits that keep their object boxes (placed
 * on a canvas and not rotated by the shift).
 */
function outputFacts(p: DatasetParams): Record<'train' | 'test' | 'validation', PortFacts> {
  const facts = datasetFacts(p);
  const rotated = (split: 'train' | 'test') => p.rotate % 360 !== 0 && (p.shiftSplits === 'all' || p.shiftSplits === split);
  const of = (split: 'train' | 'test'): PortFacts => (p.placeOnCanvas && p.imageTask === 'none' && !rotated(split) ? { ...facts, boxes: true } : facts);
  return { train: of('train'), test: of('test'), validation: of('train') };
}

/** A placement the images cannot take, when the params tell the image size (file sources: at run time). */
function placementIssues(p: DatasetParams): { param: string; message: string }[] {
  if (!p.placeOnCanvas) return [];
  if (p.source === 'paired-folder') return [{ param: 'placeOnCanvas', message: 'placeOnCanvas places classification images; paired-folder gives paired data' }];
  const sizes: Partial<Record<DatasetParams['source'], number>> = { 'fashion-mnist': 28, 'cifar-binary': 32, generated: p.size, 'rendered-digits': p.size };
  const size = p.resize > 0 ? p.resize : sizes[p.source];
  if (size === undefined) return [];
  const problem = placementProblem([1, size, size], placementOptions(p, p.seed, 0));
  return problem ? [problem] : [];
}

export default defineNode({
  type: 'condense.data.dataset',
  version: 1,
  title: 'Dataset',
  category: 'Data',
  description: 'Reads Fashion-MNIST, IDX, CIFAR binary, image folders, generated images or digits rendered from bundled fonts; resizes, limits, splits, places on a cluttered canvas and shifts them.',
  inputs: {},
  outputs: {
    train: { type: 'Dataset', description: 'The train split (without the validation part).' },
    test: { type: 'Dataset', description: 'The test split.' },
    validation: { type: 'Dataset', description: 'validationSplit of each train class; empty when validationSplit is 0.' },
  },
  params: datasetParams,
  files: (params, resolvePath) => sourceFiles(params, resolvePath),
  infer: (params) => {
    const issues = placementIssues(params);
    return { outputs: outputFacts(params), ...(issues.length > 0 ? { issues } : {}) };
  },
  async execute(ctx) {
    const p = ctx.params;
    if (p.imageTask !== 'none' && p.source === 'paired-folder') throw new NodeError('imageTask makes paired data from a classification source; paired-folder is paired already', { param: 'imageTask' });
    // The unpaired task uses the shift to make domain B, so the images themselves are loaded unshifted.
    const unpaired = p.imageTask === 'unpaired';
    const loaded = loadDatasetSplits(unpaired ? { ...p, ...NO_SHIFT } : p, {
      resolvePath: (path) => ctx.resolvePath(path),
      signal: ctx.signal,
      progress: (fraction, message) => ctx.progress(fraction, message),
      log: (message, level) => ctx.log(message, level),
    });
    const splits = p.imageTask === 'none' ? loaded : imageTaskSplits(loaded, p.imageTask, { noise: p.taskNoise, shift: p, seed: p.seed, signal: ctx.signal });
    const { train, test, validation } = splits;
    ctx.log(
      `${train.name}: ${train.count} train, ${test.count} test, ${validation.count} validation images of ${train.shape.join('x')}` +
        (train.task === 'classify' ? `, ${train.classes.length} classes` : ''),
    );
    return splits;
  },
});

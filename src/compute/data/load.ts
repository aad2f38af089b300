// The Dataset node's work, without the node: read a source's train and test splits, then limit, split off
// validation, resize, change channels, place on a canvas, shift the domain and record the normalisation.
import { basename } from 'node:path';
import { NodeError } from '../../shared/node-sdk';
import { CIFAR10_CLASSES, parseCifarMeta, readCifarFiles } from './cifar';
import type { Dataset } from './dataset';
import { FASHION_MNIST_CLASSES } from './fashion-mnist';
import { readFileBytes, throwIfAborted } from './files';
import { readImageStack } from './folder-images';
import { GENERATED_MAX_CLASSES, generateDataset } from './generated';
import { readIdxImagesAndLabels } from './idx';
import { renderDigitsDataset } from './rendered-digits';
import { checkLabelsInRange, gapWarning } from './labels';
import { maxDatasetBytes, raiseHint } from '../storage/limits';
import { formatBytes } from '../storage/safe-files';
import { placementOptions, placementParamsOf, placementProblem, placeOnCanvas, type PlacementParams } from './placement';
import { planSource, type SourceParams, type SourcePlan } from './sources';
import {
  applyShift,
  channelStats,
  limitPerClass,
  resizeDataset,
  setChannels,
  stratifiedSplit,
  subsetDataset,
  type DomainShift,
} from './transforms';

/** Placement params left out (callers from before the canvas transform) mean no placement. */
export interface DatasetParams extends SourceParams, DomainShift, Partial<PlacementParams> {
  /** Comma-separated class names for idx / cifar-binary; empty = defaults. */
  classNames: string;
  /** Fraction held out as test when a folder or single file has no train/test split. */
  testFraction: number;
  classes: number;
  trainCount: number;
  testCount: number;
  size: number;
  seed: number;
  resize: number;
  channels: 'keep' | '1' | '3';
  normalize: 'none' | 'dataset' | 'given';
  mean: string;
  std: string;
  perClassLimit: number;
  testPerClassLimit: number;
  validationSplit: number;
  shiftSplits: 'all' | 'train' | 'test';
}

export interface LoadEnvironment {
  resolvePath(path: string): string;
  signal?: AbortSignal;
  progress?(fraction: number, message?: string): void;
  log?(message: string, level?: 'info' | 'warn'): void;
}

export interface DatasetSplits {
  train: Dataset;
  test: Dataset;
  /** Empty (count 0) when validationSplit is 0. */
  validation: Dataset;
}

interface RawSplits {
  train: Dataset;
  test?: Dataset;
  label: string;
  note?: string;
}

function classify(
  label: string,
  kind: string,
  files: string[],
  data: { count: number; shape: [number, number, number]; pixels: Uint8Array; labels: Int32Array },
  classes: string[],
): Dataset {
  const channels = data.shape[0];
  return {
    kind: 'dataset',
    name: label,
    task: 'classify',
    count: data.count,
    shape: data.shape,
    classes,
    pixels: data.pixels,
    labels: data.labels,
    normalize: { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) },
    source: { kind, files },
  };
}

function maxLabel(...label: Int32Array[]): number {
  let max = -1;
  for (const labels of label) for (const v of labels) if (v > max) max = v;
  return max;
}

/** Refuses a dataset whose pixels would pass the dataset memory limit, naming the param that sets its size. */
function checkDatasetBytes(bytes: number, what: string, param: string): void {
  const limit = maxDatasetBytes();
  if (bytes > limit.value) {
    throw new NodeError(`${what} would take ${formatBytes(bytes)} of pixels, over the ${formatBytes(limit.value)} limit for one dataset; lower ${param}, or ${raiseHint(limit)}`, { param });
  }
}

/** The classNames param as a list; empty when it is not set. */
function givenNames(params: DatasetParams): string[] {
  return params.classNames
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/**
 * Class names for IDX files: the classNames param (every label must be below its length), else "0".."K-1"
 * from the largest label, warning about classes no label uses.
 */
function idxClassNames(params: DatasetParams, splits: { labels: Int32Array; file: string }[], log: LoadEnvironment['log']): string[] {
  const given = givenNames(params);
  if (given.length > 0) {
    for (const split of splits) checkLabelsInRange(split.labels, given, split.file);
    return given;
  }
  const names = Array.from({ length: maxLabel(...splits.map((s) => s.labels)) + 1 }, (_, i) => String(i));
  const gaps = gapWarning(splits[0].file, names, ...splits.map((s) => s.labels));
  if (gaps) log?.(gaps, 'warn');
  return names;
}

function readSplits(plan: SourcePlan, params: DatasetParams, env: LoadEnvironment): RawSplits {
  const progress = (fraction: number, message: string) => env.progress?.(fraction * 0.6, message);
  switch (plan.kind) {
    case 'fashion-mnist':
    case 'idx': {
      const { files } = plan;
      if (plan.kind === 'fashion-mnist' && plan.fallback) env.log?.(plan.note, 'warn');
      progress(0, 'reading train images');
      const train = readIdxImagesAndLabels(files.trainImages, files.trainLabels);
      throwIfAborted(env.signal);
      progress(0.8, 'reading test images');
      const test = readIdxImagesAndLabels(files.testImages, files.testLabels);
      const labelled = [
        { labels: train.labels, file: files.trainLabels },
        { labels: test.labels, file: files.testLabels },
      ];
      let classes: string[];
      if (plan.kind === 'fashion-mnist') {
        for (const split of labelled) checkLabelsInRange(split.labels, FASHION_MNIST_CLASSES, split.file);
        classes = FASHION_MNIST_CLASSES;
      } else {
        classes = idxClassNames(params, labelled, env.log);
      }
      const base = plan.kind === 'fashion-mnist' ? (plan.fallback || params.bundledMini ? 'fashion-mnist-mini' : 'fashion-mnist') : 'idx';
      return {
        label: base,
        train: classify(base, plan.kind, [files.trainImages, files.trainLabels], train, classes),
        test: classify(base, plan.kind, [files.testImages, files.testLabels], test, classes),
        ...(plan.kind === 'fashion-mnist' ? { note: plan.note } : {}),
      };
    }
    case 'cifar-binary': {
      const total = plan.train.length + (plan.test?.length ?? 0);
      // The declared classes: classNames, else batches.meta.txt, else CIFAR-10's ten. A label beyond them is an error.
      const meta = plan.meta ? parseCifarMeta(new TextDecoder().decode(readFileBytes(plan.meta))) : undefined;
      const given = givenNames(params);
      const classes = given.length > 0 ? given : meta && meta.length > 0 ? meta : CIFAR10_CLASSES;
      const train = readCifarFiles(plan.train, (i) => progress(i / total, `reading ${plan.train[i]}`), classes);
      throwIfAborted(env.signal);
      const test = plan.test ? readCifarFiles(plan.test, () => progress(plan.train.length / total, 'reading test batch'), classes) : undefined;
      const gaps = gapWarning(plan.train[0], classes, train.labels, ...(test ? [test.labels] : []));
      if (gaps) env.log?.(gaps, 'warn');
      return {
        label: 'cifar',
        train: classify('cifar', 'cifar-binary', plan.train, train, classes),
        ...(test && plan.test ? { test: classify('cifar', 'cifar-binary', plan.test, test, classes) } : {}),
      };
    }
    case 'image-folder': {
      const { folders } = plan;
      const all = [folders.train.flat(), folders.test?.flat() ?? []];
      const total = all[0].length + all[1].length;
      const readSplit = (perClass: string[][], offset: number): Dataset => {
        const files = perClass.flat();
        const labels = Int32Array.from(perClass.flatMap((list, label) => list.map(() => label)));
        const channels = params.channels === 'keep' ? 'auto' : params.channels === '1' ? 1 : 3;
        const stack = readImageStack(files, {
          channels,
          resize: params.resize,
          signal: env.signal,
          onProgress: (done) => progress((offset + done) / Math.max(1, total), `decoding images ${offset + done}/${total}`),
        });
        return classify(plan.root, 'image-folder', files, { ...stack, labels }, folders.classes);
      };
      const train = readSplit(folders.train, 0);
      const test = folders.test ? readSplit(folders.test, all[0].length) : undefined;
      return { label: basename(plan.root), train, ...(test ? { test } : {}) };
    }
    case 'paired-folder': {
      const { pairs } = plan;
      const total = 2 * (pairs.train.inputs.length + (pairs.test?.inputs.length ?? 0));
      let done = 0;
      const channels = params.channels === 'keep' ? 'auto' : params.channels === '1' ? 1 : 3;
      const stackOf = (files: string[]) => {
        const stack = readImageStack(files, {
          channels,
          resize: params.resize,
          signal: env.signal,
          onProgress: (n) => progress((done + n) / total, `decoding images ${done + n}/${total}`),
        });
        done += files.length;
        return stack;
      };
      const readSplit = (split: { inputs: string[]; targets: string[] }): Dataset => {
        const inputs = stackOf(split.inputs);
        const targets = stackOf(split.targets);
        const channelCount = inputs.shape[0];
        return {
          kind: 'dataset',
          name: plan.root,
          task: 'paired',
          count: inputs.count,
          shape: inputs.shape,
          classes: [],
          pixels: inputs.pixels,
          labels: new Int32Array(inputs.count),
          targets: targets.pixels,
          targetShape: targets.shape,
          normalize: { mean: new Array(channelCount).fill(0), std: new Array(channelCount).fill(1) },
          source: { kind: 'paired-folder', files: [...split.inputs, ...split.targets] },
        };
      };
      const train = readSplit(pairs.train);
      const test = pairs.test ? readSplit(pairs.test) : undefined;
      return { label: basename(plan.root), train, ...(test ? { test } : {}) };
    }
    case 'generated': {
      if (params.classes > GENERATED_MAX_CLASSES) {
        throw new NodeError(`generated data has at most ${GENERATED_MAX_CLASSES} classes`, { param: 'classes' });
      }
      const common = {
        classes: params.classes,
        size: params.size,
        channels: params.channels === '3' ? 3 : 1,
        seed: params.seed,
        name: 'generated',
        signal: env.signal,
      } as const;
      // A million 512 x 512 images are within the params' ranges and 262 GB: refuse before allocating.
      checkDatasetBytes((params.trainCount + params.testCount) * common.channels * params.size * params.size, 'generated data', 'trainCount');
      progress(0, 'drawing train images');
      const train = generateDataset({ ...common, count: params.trainCount, stream: 1 });
      progress(0.8, 'drawing test images');
      const test = generateDataset({ ...common, count: params.testCount, stream: 2 });
      return { label: 'generated', train, test };
    }
    case 'rendered-digits': {
      const common = { size: params.size, channels: params.channels === '3' ? 3 : 1, seed: params.seed, name: 'rendered digits', signal: env.signal } as const;
      checkDatasetBytes((params.trainCount + params.testCount) * common.channels * params.size * params.size, 'rendered digits', 'trainCount');
      progress(0, 'rendering train digits');
      const train = renderDigitsDataset({ ...common, count: params.trainCount, stream: 1 });
      progress(0.8, 'rendering test digits');
      const test = renderDigitsDataset({ ...common, count: params.testCount, stream: 2 });
      return { label: 'rendered digits', train, test };
    }
  }
}

/**
 * Folder sources decode each split on its own, so with channels = keep one split may come out grey and the
 * other colour: both get the larger channel count. Sizes must agree too (resize makes them agree).
 */
function unifySplits(raw: RawSplits): RawSplits {
  const { train, test } = raw;
  if (!test || test.count === 0 || train.count === 0) return raw;
  const [, th, tw] = train.shape;
  const [, sh, sw] = test.shape;
  if (th !== sh || tw !== sw) {
    const file = test.source.files[0];
    throw new NodeError(
      `${file}: test images are ${sw}x${sh} but train images are ${tw}x${th}; set the resize param to read images of different sizes`,
      { file, param: 'resize' },
    );
  }
  const channels = Math.max(train.shape[0], test.shape[0]) as 1 | 3;
  const targetChannels = Math.max(train.targetShape?.[0] ?? 1, test.targetShape?.[0] ?? 1) as 1 | 3;
  const widen = (dataset: Dataset): Dataset => setChannels(setChannels(dataset, channels, 'inputs'), targetChannels, 'targets');
  return { ...raw, train: widen(train), test: widen(test) };
}

function parseNumbers(text: string, param: string, channels: number, positive: boolean): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (text.trim() === '' || values.some((v) => !Number.isFinite(v)) || (positive && values.some((v) => v <= 0))) {
    throw new NodeError(`${param} must be ${positive ? 'positive ' : ''}numbers separated by commas, got "${text}"`, { param });
  }
  if (values.length === 1) return new Array(channels).fill(values[0]);
  if (values.length !== channels) {
    throw new NodeError(`${param} has ${values.length} values but the images have ${channels} channel(s)`, { param });
  }
  return values;
}

/** The dataset under its split's name, with the load's note before what its transforms noted (placement). */
function withName(dataset: Dataset, name: string, note: string | undefined): Dataset {
  const combined = [note, dataset.source.note].filter(Boolean).join('; ');
  return { ...dataset, name, source: { ...dataset.source, ...(combined ? { note: combined } : {}) } };
}

/** Reads the source and applies every transform the params ask for. */
export function loadDatasetSplits(params: DatasetParams, env: LoadEnvironment): DatasetSplits {
  const plan = planSource(params, env.resolvePath);
  const raw = unifySplits(readSplits(plan, params, env));
  throwIfAborted(env.signal);
  env.progress?.(0.6, 'splitting');

  let train = raw.train;
  let test: Dataset;
  let note = raw.note;
  if (raw.test) {
    test = raw.test;
  } else {
    const held = stratifiedSplit(train, params.testFraction, params.seed);
    train = held.kept;
    test = held.moved;
    const heldNote = `no separate test files: ${Math.round(params.testFraction * 100)}% of each class held out as test (seed ${params.seed})`;
    note = note ? `${note}; ${heldNote}` : heldNote;
  }
  train = limitPerClass(train, params.perClassLimit);
  test = limitPerClass(test, params.testPerClassLimit);
  let validation: Dataset;
  if (params.validationSplit > 0) {
    const split = stratifiedSplit(train, params.validationSplit, params.seed + 1);
    train = split.kept;
    validation = split.moved;
  } else {
    validation = subsetDataset(train, []);
  }

  env.progress?.(0.7, 'transforming');
  // A tint needs colour; every split gets 3 channels then, shifted or not, so their shapes stay equal.
  const tinted = params.tint.trim() !== '' && params.tintStrength > 0;
  if (params.resize > 0 && plan.kind !== 'image-folder' && plan.kind !== 'paired-folder') {
    const images = train.count + test.count + validation.count;
    const channels = tinted || params.channels === '3' ? 3 : params.channels === '1' ? 1 : train.shape[0];
    checkDatasetBytes(images * channels * params.resize * params.resize, `${raw.label} resized to ${params.resize}x${params.resize}`, 'resize');
  }
  const placement = placementParamsOf(params);
  if (placement.placeOnCanvas) {
    if (train.task !== 'classify') throw new NodeError(`placeOnCanvas places classification images; ${raw.label} is a ${train.task} dataset`, { param: 'placeOnCanvas' });
    // Checked on the images as read (after resize), before any canvas is allocated.
    const [, h, w] = train.shape;
    const problem = placementProblem([train.shape[0], params.resize > 0 ? params.resize : h, params.resize > 0 ? params.resize : w], placementOptions(placement, params.seed, 0));
    if (problem) throw new NodeError(problem.message, { param: problem.param });
    const images = train.count + test.count + validation.count;
    const channels = tinted || params.channels === '3' ? 3 : params.channels === '1' ? 1 : train.shape[0];
    checkDatasetBytes(images * channels * placement.canvasSize * placement.canvasSize, `${raw.label} on a ${placement.canvasSize}x${placement.canvasSize} canvas`, 'canvasSize');
  }
  // Placement comes after resize and channels (resize sets the object's size) and before the shift, which
  // then changes the whole canvas like any image (a rotation drops the boxes, see applyShift).
  const transform = (dataset: Dataset, shifted: boolean, stream: number): Dataset => {
    let out = dataset;
    if (plan.kind !== 'image-folder' && plan.kind !== 'paired-folder') out = resizeDataset(out, params.resize);
    if (params.channels !== 'keep') out = setChannels(out, params.channels === '1' ? 1 : 3);
    if (tinted) out = setChannels(out, 3);
    if (placement.placeOnCanvas) out = placeOnCanvas(out, placementOptions(placement, params.seed, 20 + stream, env.signal));
    if (shifted) out = applyShift(out, params, { seed: params.seed, stream, signal: env.signal });
    return out;
  };
  const shiftTrain = params.shiftSplits !== 'test';
  const shiftTest = params.shiftSplits !== 'train';
  train = transform(train, shiftTrain, 11);
  validation = transform(validation, shiftTrain, 12);
  test = transform(test, shiftTest, 13);

  env.progress?.(0.9, 'computing statistics');
  const channels = train.shape[0];
  let normalize: Dataset['normalize'];
  if (params.normalize === 'dataset') {
    normalize = channelStats(train.count > 0 ? train : test);
    normalize.std = normalize.std.map((s) => (s > 0 ? s : 1));
  } else if (params.normalize === 'given') {
    normalize = { mean: parseNumbers(params.mean, 'mean', channels, false), std: parseNumbers(params.std, 'std', channels, true) };
  } else {
    normalize = { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
  }
  const named = (dataset: Dataset, split: string): Dataset => ({
    ...withName(dataset, `${raw.label} (${split}${split === 'validation' && params.validationSplit === 0 ? ', empty: validationSplit is 0' : ''})`, note),
    normalize: { mean: [...normalize.mean], std: [...normalize.std] },
  });
  env.progress?.(1, 'done');
  return { train: named(train, 'train'), test: named(test, 'test'), validation: named(validation, 'validation') };
}

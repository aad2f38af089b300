// Which files each dataset source reads, decided from the params alone (no decoding), so the same answer
// serves the cache key (`files()`) and the reader.
import { basename, extname, join } from 'node:path';
import { NodeError } from '../../shared/node-sdk';
import { CIFAR_TEST_FILES, CIFAR_TRAIN_FILES } from './cifar';
import { locateFashionMnist, standardIdxFiles, type IdxFileSet } from './fashion-mnist';
import { isDirectory, isFile, listFolder } from './files';
import { listImages } from './folder-images';
import { digitFontFiles } from './rendered-digits';

export type DatasetSourceKind = 'fashion-mnist' | 'idx' | 'cifar-binary' | 'image-folder' | 'paired-folder' | 'generated' | 'rendered-digits';

export interface SourceParams {
  source: DatasetSourceKind;
  path: string;
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
  bundledMini: boolean;
}

/** Image files of one split of an image folder: one list per class. */
export interface ClassFolders {
  classes: string[];
  train: string[][];
  /** Undefined when the folder has no train/test subfolders: the test set is held out of train. */
  test?: string[][];
}

export interface PairedFiles {
  train: { inputs: string[]; targets: string[] };
  test?: { inputs: string[]; targets: string[] };
}

export type SourcePlan =
  | { kind: 'fashion-mnist'; files: IdxFileSet; note: string; fallback: boolean }
  | { kind: 'idx'; files: IdxFileSet; dir?: string }
  | { kind: 'cifar-binary'; train: string[]; test?: string[]; meta?: string }
  | { kind: 'image-folder'; root: string; folders: ClassFolders }
  | { kind: 'paired-folder'; root: string; pairs: PairedFiles }
  | { kind: 'generated' }
  | { kind: 'rendered-digits' };

function needPath(params: SourceParams, resolvePath: (p: string) => string, what: string): string {
  if (params.path.trim() === '') {
    throw new NodeError(`the ${params.source} source needs path: ${what}`, { param: 'path' });
  }
  return resolvePath(params.path);
}

function needFolder(dir: string, what: string): void {
  if (!isDirectory(dir)) {
    throw new NodeError(`${dir}: ${isFile(dir) ? 'is a file' : 'folder not found'}; expected ${what}`, { file: dir, param: 'path' });
  }
}

function planIdx(params: SourceParams, resolvePath: (p: string) => string): SourcePlan {
  const overrides = {
    trainImages: params.trainImages,
    trainLabels: params.trainLabels,
    testImages: params.testImages,
    testLabels: params.testLabels,
  };
  const explicit = Object.values(overrides).every((v) => v.trim() !== '');
  let fromDir: Partial<IdxFileSet> = {};
  let missing: string[] = [];
  let dir: string | undefined;
  if (!explicit) {
    dir = needPath(params, resolvePath, 'a folder with the four MNIST-style IDX files (or set trainImages, trainLabels, testImages, testLabels)');
    needFolder(dir, 'a folder with train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)');
    const standard = standardIdxFiles(dir);
    fromDir = standard.files ?? {};
    missing = standard.missing;
  }
  const files = {} as IdxFileSet;
  for (const key of Object.keys(overrides) as (keyof IdxFileSet)[]) {
    const override = overrides[key].trim();
    const file = override !== '' ? resolvePath(override) : fromDir[key];
    if (!file) {
      throw new NodeError(`${dir}: no ${key} IDX file (missing ${missing.join(', ')}); add it or set the ${key} param`, {
        file: dir,
        param: key,
      });
    }
    files[key] = file;
  }
  return { kind: 'idx', files, dir };
}

function planCifar(params: SourceParams, resolvePath: (p: string) => string): SourcePlan {
  const path = needPath(params, resolvePath, 'a CIFAR-10 binary folder (data_batch_1.bin ... test_batch.bin) or one .bin file');
  if (isFile(path)) return { kind: 'cifar-binary', train: [path] };
  needFolder(path, 'a CIFAR-10 binary folder or a .bin file');
  const train = CIFAR_TRAIN_FILES.map((name) => join(path, name)).filter(isFile);
  const test = CIFAR_TEST_FILES.map((name) => join(path, name)).filter(isFile);
  if (train.length === 0 || test.length === 0) {
    throw new NodeError(
      `${path}: expected CIFAR-10 binary files data_batch_1.bin ... data_batch_5.bin and test_batch.bin; found ${train.length} train batches and ${test.length} test batch`,
      { file: path, param: 'path' },
    );
  }
  const meta = join(path, 'batches.meta.txt');
  return { kind: 'cifar-binary', train, test, ...(isFile(meta) ? { meta } : {}) };
}

function classFoldersOf(dir: string): { classes: string[]; files: Map<string, string[]> } {
  const classes = listFolder(dir)
    .filter((entry) => entry.dir)
    .map((entry) => entry.name);
  return { classes, files: new Map(classes.map((name) => [name, listImages(join(dir, name))])) };
}

function planImageFolder(params: SourceParams, resolvePath: (p: string) => string): SourcePlan {
  const root = needPath(params, resolvePath, 'a folder with one subfolder of images per class (optionally inside train/ and test/)');
  needFolder(root, 'a folder with one subfolder of images per class');
  const hasSplits = isDirectory(join(root, 'train')) && isDirectory(join(root, 'test'));
  const splits = hasSplits ? [classFoldersOf(join(root, 'train')), classFoldersOf(join(root, 'test'))] : [classFoldersOf(root)];
  const classes = [...new Set(splits.flatMap((s) => s.classes))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length === 0) {
    throw new NodeError(`${root}: no class folders; put each class's images in a subfolder named after the class`, { file: root, param: 'path' });
  }
  const perClass = (split: { files: Map<string, string[]> }) => classes.map((name) => split.files.get(name) ?? []);
  const folders: ClassFolders = { classes, train: perClass(splits[0]), ...(hasSplits ? { test: perClass(splits[1]) } : {}) };
  if (folders.train.every((files) => files.length === 0)) {
    throw new NodeError(`${hasSplits ? join(root, 'train') : root}: the class folders hold no .png or .jpg images`, { file: root, param: 'path' });
  }
  return { kind: 'image-folder', root, folders };
}

function stemOf(file: string): string {
  return basename(file, extname(file));
}

function pairFiles(dir: string): { inputs: string[]; targets: string[] } {
  const inputDir = join(dir, 'input');
  const targetDir = join(dir, 'target');
  needFolder(inputDir, 'an input/ folder beside a target/ folder');
  needFolder(targetDir, 'a target/ folder beside an input/ folder');
  const inputs = listImages(inputDir);
  const targets = new Map(listImages(targetDir).map((file) => [stemOf(file), file]));
  const unmatchedInputs = inputs.filter((file) => !targets.has(stemOf(file)));
  const inputStems = new Set(inputs.map(stemOf));
  const unmatchedTargets = [...targets.values()].filter((file) => !inputStems.has(stemOf(file)));
  if (unmatchedInputs.length > 0 || unmatchedTargets.length > 0) {
    const first = unmatchedInputs[0] ?? unmatchedTargets[0];
    const side = unmatchedInputs.length > 0 ? `no file named ${stemOf(first)}.* in ${targetDir}` : `no file named ${stemOf(first)}.* in ${inputDir}`;
    throw new NodeError(
      `${first}: paired-folder names do not match (${side}); ${unmatchedInputs.length} input(s) and ${unmatchedTargets.length} target(s) have no partner`,
      { file: first, param: 'path' },
    );
  }
  if (inputs.length === 0) throw new NodeError(`${inputDir}: holds no .png or .jpg images`, { file: inputDir, param: 'path' });
  return { inputs, targets: inputs.map((file) => targets.get(stemOf(file)) as string) };
}

function planPairedFolder(params: SourceParams, resolvePath: (p: string) => string): SourcePlan {
  const root = needPath(params, resolvePath, 'a folder with input/ and target/ subfolders of images with matching names');
  needFolder(root, 'a folder with input/ and target/ subfolders (optionally inside train/ and test/)');
  if (isDirectory(join(root, 'train')) && isDirectory(join(root, 'test'))) {
    return { kind: 'paired-folder', root, pairs: { train: pairFiles(join(root, 'train')), test: pairFiles(join(root, 'test')) } };
  }
  return { kind: 'paired-folder', root, pairs: { train: pairFiles(root) } };
}

/** Decides what a source reads. Throws a NodeError when the params point at something unusable. */
export function planSource(params: SourceParams, resolvePath: (p: string) => string): SourcePlan {
  switch (params.source) {
    case 'fashion-mnist': {
      const located = locateFashionMnist(params.bundledMini);
      if (!located.files) {
        throw new NodeError(`Fashion-MNIST is missing: ${located.note}; the bundled subset was not found either`);
      }
      return { kind: 'fashion-mnist', files: located.files, note: located.note, fallback: located.fallback };
    }
    case 'idx':
      return planIdx(params, resolvePath);
    case 'cifar-binary':
      return planCifar(params, resolvePath);
    case 'image-folder':
      return planImageFolder(params, resolvePath);
    case 'paired-folder':
      return planPairedFolder(params, resolvePath);
    case 'generated':
      return { kind: 'generated' };
    case 'rendered-digits':
      return { kind: 'rendered-digits' };
  }
}

/** Every file a plan reads (its content hashes belong in the cache key). */
export function filesOfPlan(plan: SourcePlan): string[] {
  switch (plan.kind) {
    case 'fashion-mnist':
    case 'idx':
      return [plan.files.trainImages, plan.files.trainLabels, plan.files.testImages, plan.files.testLabels];
    case 'cifar-binary':
      return [...plan.train, ...(plan.test ?? []), ...(plan.meta ? [plan.meta] : [])];
    case 'image-folder':
      return [...plan.folders.train.flat(), ...(plan.folders.test?.flat() ?? [])];
    case 'paired-folder':
      return [plan.pairs.train.inputs, plan.pairs.train.targets, plan.pairs.test?.inputs ?? [], plan.pairs.test?.targets ?? []].flat();
    case 'generated':
      return [];
    case 'rendered-digits':
      // The bundled fonts decide the images, so their hashes belong in the cache key.
      return digitFontFiles();
  }
}

/** The files a source would read, or [] when the params do not point at usable data yet (execute says why). */
export function sourceFiles(params: SourceParams, resolvePath: (p: string) => string): string[] {
  try {
    return filesOfPlan(planSource(params, resolvePath)).filter(isFile);
  } catch (error) {
    if (error instanceof NodeError) return [];
    throw error;
  }
}

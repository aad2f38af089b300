// Where Fashion-MNIST comes from: the system copy (Debian installs it in /usr/share/datasets/fashion-mnist,
// overridable with CONDENSE_FASHION_MNIST_DIR) or, when that is missing, the subset bundled in
// resources/datasets/fashion-mnist-mini (600 train / 100 test images per class).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFile } from './files';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DIR_ENV = 'CONDENSE_FASHION_MNIST_DIR';
const BUNDLE = join('datasets', 'fashion-mnist-mini');

export interface IdxFileSet {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** The folder searched for the full set: $CONDENSE_FASHION_MNIST_DIR, else the Debian location. */
export function fashionMnistDir(): string {
  const fromEnv = process.env[FASHION_MNIST_DIR_ENV];
  return fromEnv && fromEnv.length > 0 ? fromEnv : FASHION_MNIST_SYSTEM_DIR;
}

function findIdx(dir: string, stems: string[]): string | undefined {
  for (const stem of stems) {
    for (const name of [`${stem}.gz`, stem]) {
      const file = join(dir, name);
      if (isFile(file)) return file;
    }
  }
  return undefined;
}

/** The four IDX files of a folder with the standard MNIST names (gzipped or not), or what is missing. */
export function standardIdxFiles(dir: string): { files?: IdxFileSet; missing: string[] } {
  const wanted = {
    trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
    trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
    testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte', 'test-images-idx3-ubyte'],
    testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte', 'test-labels-idx1-ubyte'],
  };
  const found: Partial<IdxFileSet> = {};
  const missing: string[] = [];
  for (const [key, stems] of Object.entries(wanted) as [keyof IdxFileSet, string[]][]) {
    const file = findIdx(dir, stems);
    if (file) found[key] = file;
    else missing.push(`${stems[0]}(.gz)`);
  }
  return missing.length === 0 ? { files: found as IdxFileSet, missing } : { missing };
}

/**
 * The bundled subset's folder: $CONDENSE_RESOURCES_DIR/datasets/..., Electron's resources folder, or the
 * first `resources/` found walking up from this file (source checkout and bundled builds alike).
 */
export function bundledFashionMnistDir(): string | undefined {
  const candidates: string[] = [];
  const resourcesEnv = process.env.CONDENSE_RESOURCES_DIR;
  if (resourcesEnv) candidates.push(join(resourcesEnv, BUNDLE));
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) candidates.push(join(electronResources, BUNDLE), join(electronResources, 'resources', BUNDLE));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    candidates.push(join(dir, 'resources', BUNDLE));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return candidates.find((candidate) => existsSync(candidate));
}

export interface FashionMnistLocation {
  files?: IdxFileSet;
  /** True when the full set was not found and the bundled subset is used instead. */
  fallback: boolean;
  /** Said to the user: which copy is used and why. */
  note: string;
}

/** Decides which copy to read. `forceMini` picks the bundled subset on purpose (fast graphs, CI). */
export function locateFashionMnist(forceMini: boolean): FashionMnistLocation {
  const bundleDir = bundledFashionMnistDir();
  const bundle = bundleDir ? standardIdxFiles(bundleDir).files : undefined;
  const miniNote = 'bundled Fashion-MNIST subset (600 train and 100 test images per class, 6,000 / 1,000 in all)';
  if (forceMini) {
    return { files: bundle, fallback: false, note: `${miniNote}, chosen with bundledMini` };
  }
  const dir = fashionMnistDir();
  const full = standardIdxFiles(dir);
  if (full.files) return { files: full.files, fallback: false, note: `Fashion-MNIST from ${dir}` };
  return {
    files: bundle,
    fallback: true,
    note: `Fashion-MNIST not found in ${dir} (missing ${full.missing.join(', ')}); using the ${miniNote}. Install the full set there or set ${FASHION_MNIST_DIR_ENV}.`,
  };
}

// Labels against the classes a dataset declares. A label outside them is a broken or mismatched file, not
// a new class: an IDX label file of 255s used to read as "256 classes" and CIFAR label 250 as "251
// classes", without a word. Labels outside the declared classes fail naming the file, the record and the
// classes; classes with no images at all are reported as a warning.
import { NodeError } from '../../shared/node-sdk';

/** At most this many class names are quoted in a message. */
const QUOTED_NAMES = 12;

function quoteNames(classes: string[]): string {
  const shown = classes.slice(0, QUOTED_NAMES).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name));
  return `${shown.join(', ')}${classes.length > QUOTED_NAMES ? `, … (${classes.length} in all)` : ''}`;
}

/**
 * Throws when a label is negative or not below `classes.length`. `file` is the labels file (or batch
 * file) and `param` the param that declares more classes.
 */
export function checkLabelsInRange(labels: Int32Array, classes: string[], file: string, param = 'classNames'): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label < 0 || label >= classes.length) {
      throw new NodeError(
        `${file}: label ${label} of record ${i} is outside the ${classes.length} declared classes (${quoteNames(classes)}); ` +
          `the file is damaged or belongs to another dataset, or set ${param} to name every class`,
        { file, param },
      );
    }
  }
}

/** Class indices below `classCount` that no label uses, in order. */
export function unusedClasses(classCount: number, ...labelSets: Int32Array[]): number[] {
  const used = new Uint8Array(classCount);
  for (const labels of labelSets) for (const label of labels) if (label >= 0 && label < classCount) used[label] = 1;
  const unused: number[] = [];
  for (let c = 0; c < classCount; c++) if (!used[c]) unused.push(c);
  return unused;
}

/** The warning for classes without images, or undefined when every class has some. */
export function gapWarning(source: string, classes: string[], ...labelSets: Int32Array[]): string | undefined {
  const unused = unusedClasses(classes.length, ...labelSets);
  if (unused.length === 0) return undefined;
  const shown = unused.slice(0, QUOTED_NAMES).map((c) => (classes[c] === String(c) ? String(c) : `${c} (${classes[c]})`));
  return (
    `${source}: ${unused.length} of ${classes.length} classes have no images (${shown.join(', ')}${unused.length > QUOTED_NAMES ? ', …' : ''}); ` +
    'check the labels file, or set classNames to the classes it really has'
  );
}

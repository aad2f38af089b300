// Task sequences for continual learning (the `TaskSequence` port value): one classification dataset cut
// into T tasks, each with its own train and test split and its own labels 0..k-1 (one output head per
// task, the task-incremental setting of methods.md section 6). Three ways to cut it:
//   classes:  groups of classes (split Fashion-MNIST: 5 tasks of 2 classes)
//   permuted: every task all classes, the pixels of each task under its own fixed permutation
//   domain:   every task all classes, each task under a domain shift (the Dataset node's shifts)
// and optionally a conflicting task appended: an earlier task with its labels swapped, which a learner
// can only fit by unlearning what it knew (where AFEC's active forgetting should help).
import { withoutBoxes } from '../data/boxes.ts';
import type { Dataset } from '../data/dataset.ts';
import { makeRandom, shuffleInPlace } from '../data/random.ts';
import { applyShift, imageSize, NO_SHIFT, subsetDataset, type DomainShift } from '../data/transforms.ts';

export interface ContinualTask {
  /** `task 1`, `task 2`, ... (1-based, as the report and the curves name them). */
  name: string;
  /** How the task was made, shown in the summary table (`classes T-shirt/top, Trouser`, `permutation 2`). */
  description: string;
  /** The head's classes; the task's labels index them. */
  classes: string[];
  train: Dataset;
  test: Dataset;
}

export interface TaskSequence {
  kind: 'task-sequence';
  /** The source dataset's name and how it was split. */
  name: string;
  split: TaskSplit;
  /** Per-image shape [c, h, w], the same for every task. */
  shape: [number, number, number];
  normalize: Dataset['normalize'];
  tasks: ContinualTask[];
  /** What the canvas and the run record show of the value (src/engine/summary.ts reads it). */
  summary: { name: string; split: TaskSplit; tasks: number; classesPerTask: number[]; trainImages: number[] };
}

export type TaskSplit = 'classes' | 'permuted' | 'domain';

export interface SplitOptions {
  split: TaskSplit;
  /** classes: classes per task (the last task takes what remains; it must keep at least 2). */
  classesPerTask: number;
  /** classes: the class order before grouping, as in the dataset or seeded shuffle. */
  classOrder: 'dataset' | 'shuffled';
  /** permuted: number of tasks. */
  tasks: number;
  /** domain: one shift per task (NO_SHIFT for the original images). */
  shifts: DomainShift[];
  /** Append a task that repeats task `conflictWith` (1-based) with its labels rotated by one (swapped for 2 classes). 0: none. */
  conflictWith: number;
  /** Keep at most this many train images per task (stratified by taking the first of each class; 0: all). */
  maxTrainPerTask: number;
  seed: number;
}

/** A problem with the split, naming the option to change. */
export class TaskSplitError extends Error {
  constructor(
    message: string,
    readonly option: keyof SplitOptions | 'train' | 'test',
  ) {
    super(message);
    this.name = 'TaskSplitError';
  }
}

/** The sequence of tasks the options describe, from a dataset's train and test splits. */
export function splitIntoTasks(train: Dataset, test: Dataset, options: SplitOptions): TaskSequence {
  if (train.task !== 'classify' || test.task !== 'classify') throw new TaskSplitError(`${train.name} is not a classification dataset; tasks are made from classes`, 'train');
  if (train.shape.some((d, i) => d !== test.shape[i])) throw new TaskSplitError(`train images are ${train.shape.join('x')} but test images ${test.shape.join('x')}`, 'test');
  if (train.classes.length !== test.classes.length) throw new TaskSplitError(`train has ${train.classes.length} classes but test ${test.classes.length}`, 'test');
  let tasks: ContinualTask[];
  if (options.split === 'classes') tasks = classTasks(train, test, options);
  else if (options.split === 'permuted') tasks = permutedTasks(train, test, options);
  else tasks = domainTasks(train, test, options);
  if (options.conflictWith > 0) {
    if (options.conflictWith > tasks.length) throw new TaskSplitError(`conflictWith is ${options.conflictWith} but there are only ${tasks.length} tasks`, 'conflictWith');
    tasks.push(conflictingTask(tasks[options.conflictWith - 1]!, tasks.length + 1));
  }
  if (tasks.length < 2) throw new TaskSplitError(`the split gives ${tasks.length} task${tasks.length === 1 ? '' : 's'}; continual learning needs at least 2`, options.split === 'classes' ? 'classesPerTask' : options.split === 'permuted' ? 'tasks' : 'shifts');
  if (options.maxTrainPerTask > 0) for (const t of tasks) t.train = firstPerClass(t.train, Math.ceil(options.maxTrainPerTask / t.classes.length));
  for (const t of tasks) {
    if (t.train.count === 0) throw new TaskSplitError(`${t.name} (${t.description}) has no train images`, 'train');
    if (t.test.count === 0) throw new TaskSplitError(`${t.name} (${t.description}) has no test images`, 'test');
  }
  const name = `${train.name.replace(/ \(train\)$/, '')}, ${tasks.length} ${options.split} tasks`;
  const summary = { name, split: options.split, tasks: tasks.length, classesPerTask: tasks.map((t) => t.classes.length), trainImages: tasks.map((t) => t.train.count) };
  return { kind: 'task-sequence', name, split: options.split, shape: [...train.shape], normalize: train.normalize, tasks, summary };
}

/** Groups of `classesPerTask` classes; each task's labels are the positions in its group. */
function classTasks(train: Dataset, test: Dataset, o: SplitOptions): ContinualTask[] {
  const k = train.classes.length;
  if (!Number.isInteger(o.classesPerTask) || o.classesPerTask < 2)
    throw new TaskSplitError(`classesPerTask is ${o.classesPerTask}: a task with one class cannot be learned (its head always wins); use 2 or more`, 'classesPerTask');
  const order = Array.from({ length: k }, (_, i) => i);
  if (o.classOrder === 'shuffled') shuffleInPlace(order, makeRandom(o.seed, 17));
  const groups: number[][] = [];
  for (let i = 0; i < k; i += o.classesPerTask) groups.push(order.slice(i, i + o.classesPerTask));
  const last = groups.at(-1)!;
  if (last.length < 2)
    throw new TaskSplitError(
      `${k} classes in groups of ${o.classesPerTask} leave task ${groups.length} with one class (${train.classes[last[0]!]}); a task needs at least 2 classes. Choose a classesPerTask that leaves 2 or more`,
      'classesPerTask',
    );
  return groups.map((group, t) => {
    const classes = group.map((c) => train.classes[c]!);
    const pick = (data: Dataset, part: string) => relabel(data, group, `${data.name.replace(/ \((train|test)\)$/, '')} task ${t + 1} (${part})`);
    return { name: `task ${t + 1}`, description: `classes ${classes.join(', ')}`, classes, train: pick(train, 'train'), test: pick(test, 'test') };
  });
}

/** The images whose label is in `group`, relabelled by position in it. */
function relabel(data: Dataset, group: readonly number[], name: string): Dataset {
  const position = new Map(group.map((c, i) => [c, i]));
  const indices: number[] = [];
  for (let i = 0; i < data.count; i++) if (position.has(data.labels[i]!)) indices.push(i);
  const subset = subsetDataset(data, indices, name);
  for (let i = 0; i < subset.count; i++) subset.labels[i] = position.get(subset.labels[i]!)!;
  return { ...subset, classes: group.map((c) => data.classes[c]!) };
}

/** T tasks of all classes; task t's pixels under its own seeded permutation (the same for train and test). */
function permutedTasks(train: Dataset, test: Dataset, o: SplitOptions): ContinualTask[] {
  if (!Number.isInteger(o.tasks) || o.tasks < 2) throw new TaskSplitError(`tasks is ${o.tasks}; continual learning needs at least 2`, 'tasks');
  const size = imageSize(train.shape);
  return Array.from({ length: o.tasks }, (_, t) => {
    const permutation = Int32Array.from({ length: size }, (_, i) => i);
    shuffleInPlace(permutation, makeRandom(o.seed, 1000 + t));
    const permute = (data: Dataset, part: string): Dataset => {
      const pixels = new Uint8Array(data.pixels.length);
      for (let n = 0; n < data.count; n++) {
        const base = n * size;
        for (let i = 0; i < size; i++) pixels[base + i] = data.pixels[base + permutation[i]!]!;
      }
      // A pixel permutation scatters the object, so its box (if the data had one) says nothing any more.
      return { ...withoutBoxes(data), name: `${data.name.replace(/ \((train|test)\)$/, '')} permutation ${t + 1} (${part})`, pixels, labels: data.labels.slice() };
    };
    return { name: `task ${t + 1}`, description: `all ${train.classes.length} classes, pixel permutation ${t + 1}`, classes: [...train.classes], train: permute(train, 'train'), test: permute(test, 'test') };
  });
}

/** One task per shift, all classes; the shift's noise is seeded per task and split. */
function domainTasks(train: Dataset, test: Dataset, o: SplitOptions): ContinualTask[] {
  if (o.shifts.length < 2) throw new TaskSplitError(`shifts lists ${o.shifts.length} task${o.shifts.length === 1 ? '' : 's'}; continual learning needs at least 2`, 'shifts');
  return o.shifts.map((shift, t) => {
    const shifted = (data: Dataset, part: string, stream: number): Dataset => {
      const out = applyShift(data, shift, { seed: o.seed, stream: 2 * t + stream });
      if (out.shape.some((d, i) => d !== train.shape[i])) throw new TaskSplitError(`the shift of task ${t + 1} changes the images to ${out.shape.join('x')}; every task must keep ${train.shape.join('x')} (a tint turns grey images into colour)`, 'shifts');
      return { ...out, name: `${data.name.replace(/ \((train|test)\)$/, '')} ${describeShift(shift)} (${part})` };
    };
    return { name: `task ${t + 1}`, description: `all ${train.classes.length} classes, ${describeShift(shift)}`, classes: [...train.classes], train: shifted(train, 'train', 0), test: shifted(test, 'test', 1) };
  });
}

/** The task again with every label moved to the next class (2 classes: swapped). */
function conflictingTask(task: ContinualTask, index: number): ContinualTask {
  const k = task.classes.length;
  const rotate = (data: Dataset): Dataset => ({ ...data, name: `${data.name} labels rotated`, labels: data.labels.map((y) => (y + 1) % k) });
  return {
    name: `task ${index}`,
    description: `conflict: ${task.name}'s images with ${k === 2 ? 'its two labels swapped' : 'each label moved to the next class'}`,
    classes: task.classes.map((_, i) => task.classes[(i + k - 1) % k]!),
    train: rotate(task.train),
    test: rotate(task.test),
  };
}

function firstPerClass(data: Dataset, perClass: number): Dataset {
  const seen = new Map<number, number>();
  const keep: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const n = seen.get(data.labels[i]!) ?? 0;
    if (n < perClass) keep.push(i);
    seen.set(data.labels[i]!, n + 1);
  }
  return keep.length === data.count ? data : subsetDataset(data, keep);
}

/** `original`, or the shift's non-neutral settings (`invert, rotate 90`). */
export function describeShift(shift: DomainShift): string {
  const parts: string[] = [];
  if (shift.invert) parts.push('invert');
  if (shift.rotate % 360 !== 0) parts.push(`rotate ${shift.rotate}`);
  if (shift.noise > 0) parts.push(`noise ${shift.noise}`);
  if (shift.blur > 0) parts.push(`blur ${shift.blur}`);
  if (shift.contrast !== 1) parts.push(`contrast ${shift.contrast}`);
  return parts.length ? parts.join(', ') : 'original';
}

const SHIFT_KEYS = ['invert', 'rotate', 'noise', 'blur', 'contrast'] as const;

/**
 * Parses the shifts of a domain sequence: tasks separated by `;`, each `original` or settings separated
 * by `,` (`invert`, `rotate=90`, `noise=40`, `blur=1.5`, `contrast=0.5`). Throws a sentence naming the
 * task and the setting it cannot read.
 */
export function parseShifts(text: string): DomainShift[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((task, t) => {
      const shift: DomainShift = { ...NO_SHIFT };
      if (task === 'original' || task === 'none') return shift;
      for (const part of task.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [key, value] = part.split('=').map((s) => s.trim()) as [string, string | undefined];
        if (!(SHIFT_KEYS as readonly string[]).includes(key)) throw new Error(`task ${t + 1}: "${part}" is not a shift; use ${SHIFT_KEYS.join(', ')} (for example rotate=90), or original`);
        if (key === 'invert') {
          shift.invert = value === undefined || value === 'true';
          continue;
        }
        const v = Number(value);
        if (value === undefined || !Number.isFinite(v)) throw new Error(`task ${t + 1}: ${key} needs a number (${key}=...), got "${part}"`);
        if ((key === 'noise' || key === 'blur' || key === 'contrast') && v < 0) throw new Error(`task ${t + 1}: ${key} must not be negative, got ${v}`);
        (shift as unknown as Record<string, number>)[key] = v;
      }
      return shift;
    });
}

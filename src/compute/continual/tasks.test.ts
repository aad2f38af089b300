// Task sequences: class groups partition the data with per-task labels, permutations and shifts keep
// the images' content, the conflicting task swaps labels, and each bad split fails naming its option.
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../data/generated.ts';
import { NO_SHIFT } from '../data/transforms.ts';
import { continualFigures } from './metrics.ts';
import { parseShifts, splitIntoTasks, TaskSplitError, type SplitOptions } from './tasks.ts';

const data = (classes: number, count: number, stream: number) => generateDataset({ classes, count, size: 8, channels: 1, seed: 5, stream, name: stream === 1 ? 'shapes (train)' : 'shapes (test)' });
const options = (o: Partial<SplitOptions>): SplitOptions => ({ split: 'classes', classesPerTask: 2, classOrder: 'dataset', tasks: 3, shifts: [], conflictWith: 0, maxTrainPerTask: 0, seed: 1, ...o });

describe('splitIntoTasks', () => {
  it('classes: groups of 2 classes, labels 0/1 per task, every image in exactly one task', () => {
    const train = data(6, 120, 1);
    const test = data(6, 60, 2);
    const seq = splitIntoTasks(train, test, options({}));
    expect(seq.tasks.map((t) => t.classes)).toEqual([[train.classes[0], train.classes[1]], [train.classes[2], train.classes[3]], [train.classes[4], train.classes[5]]]);
    expect(seq.tasks.reduce((n, t) => n + t.train.count, 0)).toBe(120);
    expect(seq.tasks.reduce((n, t) => n + t.test.count, 0)).toBe(60);
    for (const [t, task] of seq.tasks.entries()) {
      expect(new Set(task.train.labels)).toEqual(new Set([0, 1]));
      // The first image of task t with label 1 is an image of class 2t+1 in the source.
      const i = task.train.labels.indexOf(1);
      const size = 64;
      const sourceIndex = [...Array(train.count).keys()].filter((k) => train.labels[k] === 2 * t || train.labels[k] === 2 * t + 1)[i]!;
      expect(train.labels[sourceIndex]).toBe(2 * t + 1);
      expect(task.train.pixels.subarray(i * size, (i + 1) * size)).toEqual(train.pixels.subarray(sourceIndex * size, (sourceIndex + 1) * size));
    }
    const shuffled = splitIntoTasks(train, test, options({ classOrder: 'shuffled', seed: 3 }));
    expect(shuffled.tasks.flatMap((t) => t.classes).sort()).toEqual([...train.classes].sort());
    expect(shuffled.tasks.flatMap((t) => t.classes)).not.toEqual(train.classes);
  });

  it('permuted: one fixed permutation per task, shared by train and test; domain: one shift per task', () => {
    const train = data(3, 30, 1);
    const test = data(3, 12, 2);
    const seq = splitIntoTasks(train, test, options({ split: 'permuted', tasks: 3 }));
    expect(seq.tasks).toHaveLength(3);
    const a = seq.tasks[0]!.train;
    const b = seq.tasks[1]!.train;
    expect(a.pixels).not.toEqual(b.pixels);
    expect([...a.pixels.subarray(0, 64)].sort()).toEqual([...train.pixels.subarray(0, 64)].sort());
    expect(a.labels).toEqual(train.labels);
    // The same permutation on test: a pixel that moved in train image 0 moved the same way in test image 0.
    const where = (img: Uint8Array, source: Uint8Array) => [...img].map((v, i) => v === source[i]);
    expect(where(seq.tasks[0]!.train.pixels.subarray(0, 64), train.pixels.subarray(0, 64)).filter(Boolean).length).toBeLessThan(64);

    const domain = splitIntoTasks(train, test, options({ split: 'domain', shifts: parseShifts('original; invert') }));
    expect(domain.tasks[0]!.train.pixels).toEqual(train.pixels);
    expect(domain.tasks[1]!.train.pixels[0]).toBe(255 - train.pixels[0]!);
    expect(domain.tasks[1]!.description).toContain('invert');
  });

  it('a conflicting task repeats an earlier one with its labels swapped; maxTrainPerTask keeps a balanced subset', () => {
    const train = data(4, 80, 1);
    const test = data(4, 40, 2);
    const seq = splitIntoTasks(train, test, options({ conflictWith: 1, maxTrainPerTask: 10 }));
    expect(seq.tasks).toHaveLength(3);
    const [first, , conflict] = seq.tasks;
    expect(conflict!.test.pixels).toEqual(first!.test.pixels);
    expect([...conflict!.test.labels]).toEqual([...first!.test.labels].map((y) => 1 - y));
    expect(conflict!.classes).toEqual([...first!.classes].reverse());
    expect(first!.train.count).toBe(10);
    expect(first!.test.count).toBe(20);
  });

  it('fails naming the option: one class per task, a last task of one class, fewer than 2 tasks, a bad shift', () => {
    const train = data(5, 50, 1);
    const test = data(5, 25, 2);
    const error = (o: Partial<SplitOptions>) => {
      try {
        splitIntoTasks(train, test, options(o));
      } catch (e) {
        return e as TaskSplitError;
      }
      throw new Error('no error');
    };
    expect(error({ classesPerTask: 1 })).toMatchObject({ option: 'classesPerTask', message: expect.stringMatching(/one class/) });
    expect(error({ classesPerTask: 2 })).toMatchObject({ option: 'classesPerTask', message: expect.stringMatching(/task 3 with one class/) });
    expect(error({ classesPerTask: 5 })).toMatchObject({ option: 'classesPerTask', message: expect.stringMatching(/1 task; continual learning needs at least 2/) });
    expect(error({ split: 'permuted', tasks: 1 })).toMatchObject({ option: 'tasks' });
    expect(error({ split: 'domain', shifts: [NO_SHIFT] })).toMatchObject({ option: 'shifts' });
    expect(error({ classesPerTask: 5, conflictWith: 3 })).toMatchObject({ option: 'conflictWith' });
    expect(() => parseShifts('original; spin=3')).toThrow(/task 2: "spin=3" is not a shift/);
    expect(() => parseShifts('rotate=x')).toThrow(/task 1: rotate needs a number/);
  });
});

describe('continualFigures', () => {
  it('A_T, BWT, mean new-task accuracy and forgetting of a known matrix', () => {
    const f = continualFigures([
      [0.9, null, null],
      [0.8, 0.95, null],
      [0.7, 0.85, 0.99],
    ]);
    expect(f.averageAccuracy).toBeCloseTo((0.7 + 0.85 + 0.99) / 3, 10);
    expect(f.backwardTransfer).toBeCloseTo((0.7 - 0.9 + (0.85 - 0.95)) / 2, 10);
    expect(f.meanNewTaskAccuracy).toBeCloseTo((0.9 + 0.95 + 0.99) / 3, 10);
    expect(f.forgetting).toBeCloseTo((0.9 - 0.7 + (0.95 - 0.85)) / 2, 10);
    expect(() => continualFigures([[0.5, null], [null, 0.5]])).toThrow(/a\[2, 1\]/);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSeedField, labelOf, paramFieldsOf, parseNumberText, pathForParam, randomSeed, sliderOf, splitByCondition, type ParamField } from './param-fields';

// The same conversion the node SDK uses for descriptors.
const schema = z.toJSONSchema(
  z.object({
    learningRate: z.number().positive().max(1).default(0.01).meta({ help: 'Step size', unit: 'per step' }),
    epochs: z.number().int().min(1).max(100).default(5),
    split: z.enum(['train', 'test']).default('train'),
    shuffle: z.boolean().default(true),
    path: z.string().min(1).default('data'),
    note: z.string().optional(),
  }),
  { io: 'input', unrepresentable: 'any' },
) as Record<string, unknown>;

describe('param fields from a params schema', () => {
  const fields = paramFieldsOf(schema);
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));

  it('keeps the schema order and reads kinds, ranges, defaults, help and units', () => {
    expect(fields.map((f) => f.key)).toEqual(['learningRate', 'epochs', 'split', 'shuffle', 'path', 'note']);
    expect(byKey.learningRate).toMatchObject({ kind: 'number', label: 'Learning rate', exclusiveMinimum: 0, maximum: 1, default: 0.01, help: 'Step size', unit: 'per step' });
    expect(byKey.epochs).toMatchObject({ kind: 'integer', minimum: 1, maximum: 100, default: 5 });
    expect(byKey.split).toMatchObject({ kind: 'enum', options: ['train', 'test'] });
    expect(byKey.shuffle.kind).toBe('boolean');
    expect(byKey.path).toMatchObject({ kind: 'string', minLength: 1 });
    expect(byKey.note.kind).toBe('string');
  });

  it('labels keys and parses number text', () => {
    expect(labelOf('max_batch-size')).toBe('Max batch size');
    expect(parseNumberText(' 1e-3 ')).toBe(0.001);
    expect(parseNumberText('1e')).toBeUndefined();
    expect(parseNumberText('')).toBeUndefined();
  });
});

describe('sliders and seeds', () => {
  const field = (f: Partial<ParamField>): ParamField => ({ key: 'x', label: 'X', kind: 'number', ...f });

  it('offers a slider only for closed, draggable ranges', () => {
    expect(sliderOf(field({ minimum: 0, maximum: 1 }))).toEqual({ min: 0, max: 1, step: 0.01 });
    expect(sliderOf(field({ minimum: 0, maximum: 0.9 }))?.step).toBeCloseTo(0.001, 12);
    expect(sliderOf(field({ kind: 'integer', minimum: 1, maximum: 32 }))).toEqual({ min: 1, max: 32, step: 1 });
    expect(sliderOf(field({ minimum: 0 }))).toBeUndefined();
    expect(sliderOf(field({ kind: 'integer', minimum: 0, maximum: 2 ** 31 - 1 }))).toBeUndefined();
    expect(sliderOf(field({ kind: 'string', minimum: 0, maximum: 1 }))).toBeUndefined();
  });

  it('recognises seed params and draws new seeds inside their range', () => {
    expect(isSeedField(field({ key: 'seed', kind: 'integer' }))).toBe(true);
    expect(isSeedField(field({ key: 'dataSeed', kind: 'integer' }))).toBe(true);
    expect(isSeedField(field({ key: 'seedling', kind: 'integer' }))).toBe(false);
    expect(isSeedField(field({ key: 'seed', kind: 'string' }))).toBe(false);
    const f = field({ key: 'seed', kind: 'integer', minimum: 5, maximum: 7 });
    expect([0, 0.5, 0.999999].map((r) => randomSeed(f, () => r))).toEqual([5, 6, 7]);
  });
});

describe('path params', () => {
  it('are marked from the schema format', () => {
    const schema = z.toJSONSchema(z.object({ file: z.string().default('').meta({ format: 'path' }), name: z.string().default('') }), { io: 'input' });
    const [file, name] = paramFieldsOf(schema as Record<string, unknown>);
    expect(file.path).toBe(true);
    expect(name.path).toBeUndefined();
  });

  it('are written relative to the graph folder when they share more than the root', () => {
    expect(pathForParam('/home/u/graphs/data/a.gz', '/home/u/graphs')).toBe('data/a.gz');
    expect(pathForParam('/home/u/datasets/mnist', '/home/u/graphs')).toBe('../datasets/mnist');
    expect(pathForParam('/home/u/graphs', '/home/u/graphs')).toBe('.');
    expect(pathForParam('/usr/share/datasets/x', '/home/u/graphs')).toBe('/usr/share/datasets/x');
    expect(pathForParam('/tmp/a.onnx', undefined)).toBe('/tmp/a.onnx');
  });
});

describe('conditional params', () => {
  // A quantizer-like node: the training params only for dgms, momentum only for sgd on top.
  const conditional = z.toJSONSchema(
    z.object({
      method: z.enum(['dgms', 'kmeans-ptq']).default('dgms'),
      optimizer: z.enum(['sgd', 'adam']).default('adam').meta({ appliesWhen: { method: ['dgms'] } }),
      momentum: z.number().min(0).max(0.999).default(0.9).meta({ help: 'Momentum.', appliesWhen: { method: ['dgms'], optimizer: ['sgd'] } }),
      components: z.number().int().min(2).max(256).default(16),
    }),
    { io: 'input', unrepresentable: 'any' },
  ) as Record<string, unknown>;
  const fields = paramFieldsOf(conditional);
  const keys = (list: ParamField[]) => list.map((f) => f.key);

  it('reads the condition from the schema', () => {
    expect(fields.find((f) => f.key === 'momentum')!.appliesWhen).toEqual({ method: ['dgms'], optimizer: ['sgd'] });
    expect(fields.find((f) => f.key === 'components')!.appliesWhen).toBeUndefined();
  });

  it('hides a param while its condition does not hold, at defaults for params left out', () => {
    const atDefaults = splitByCondition(fields, {});
    expect(keys(atDefaults.shown)).toEqual(['method', 'optimizer', 'components']);
    expect(keys(atDefaults.hidden)).toEqual(['momentum']);
    expect(keys(splitByCondition(fields, { optimizer: 'sgd' }).shown)).toEqual(['method', 'optimizer', 'momentum', 'components']);
  });

  it('hides the params that depend on a hidden one, whatever value it keeps', () => {
    const { shown, hidden } = splitByCondition(fields, { method: 'kmeans-ptq', optimizer: 'sgd', momentum: 0.5 });
    expect(keys(shown)).toEqual(['method', 'components']);
    expect(keys(hidden)).toEqual(['optimizer', 'momentum']);
  });

  it('takes the node defaults over the schema defaults', () => {
    expect(keys(splitByCondition(fields, {}, { optimizer: 'sgd' }).hidden)).toEqual([]);
  });
});

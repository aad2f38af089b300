import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gmQuantizerParams } from '../../nodes/gm-quantizer/index';
import { patternPrunerParams } from '../../nodes/pattern-pruner/index';
import { trainParams } from '../../nodes/train-supervised/index';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES, seedParam, TRAINING_HELP, TRAINING_PARAM_NAMES, trainingParams } from './training-params';

const jsonOf = (params: z.ZodObject) => z.toJSONSchema(params, { io: 'input' }).properties as Record<string, Record<string, unknown>>;
const withoutText = ({ help: _help, appliesWhen: _when, ...rest }: Record<string, unknown>) => rest;

// Every param's default as the three nodes had them before they shared the fragment: saved graphs leave
// defaults out and cache keys hash the params with defaults applied, so none of these may change.
const DEFAULTS_BEFORE = {
  train: { epochs: 5, batchSize: 64, optimizer: 'adam', lr: 0.001, momentum: 0.9, weightDecay: 0, schedule: 'constant', augmentation: 'none', validationSplit: 0, patience: 0, seed: 0 },
  gm: {
    method: 'dgms', components: 16, temperature: 0.01, learnTemperature: false, layers: 'inner-convs', layerNames: '', init: 'kmeans',
    epochs: 2, batchSize: 64, optimizer: 'adam', lr: 0.0001, mixtureLr: 0.001, momentum: 0.9, weightDecay: 0, schedule: 'cosine', monitorCount: 1000, seed: 0,
  },
  prune: {
    method: 'pattern', layers: 'auto', pruneFirstLayer: false, sparsity: 0.9, scope: 'layer', layerSparsity: {}, structure: 'irregular', patterns: 8,
    patternLibrary: 'frequent', connectivity: 0, layerConnectivity: {}, groupLength: 9, nonZeros: 3, librarySize: 16, bits: 4, admmEpochs: 2, rho: 0.01,
    rhoGrowth: 1.3, admmInterval: 1, admmIntervalSteps: 150, retrainEpochs: 4, quantEpochs: 1, batchSize: 64, optimizer: 'adam', lr: 0.001, schedule: 'cosine', seed: 0,
  },
};

// The shared fields' ranges and choices as they were (help aside), per node.
const range = {
  epochs: { unit: 'epochs', type: 'integer', minimum: 1, maximum: 1000 },
  batchSize: { unit: 'images', type: 'integer', minimum: 1, maximum: 4096 },
  lr: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
  momentum: { type: 'number', minimum: 0, maximum: 0.999 },
  weightDecay: { type: 'number', minimum: 0, maximum: 1 },
  seed: { type: 'integer', minimum: 0, maximum: 2147483647 },
};
const allOptimizers = { type: 'string', enum: ['sgd', 'adam', 'adamw'] };
const allSchedules = { type: 'string', enum: ['constant', 'step', 'cosine', 'one-cycle'] };
const FIELDS_BEFORE = {
  train: { ...range, optimizer: allOptimizers, schedule: allSchedules },
  gm: { ...range, optimizer: allOptimizers, schedule: allSchedules },
  prune: { batchSize: range.batchSize, lr: range.lr, seed: range.seed, optimizer: { type: 'string', enum: ['sgd', 'adam'] }, schedule: { type: 'string', enum: ['constant', 'cosine'] } },
};

const NODES = { train: trainParams, gm: gmQuantizerParams, prune: patternPrunerParams };

describe('the training nodes share one fragment', () => {
  for (const [node, params] of Object.entries(NODES) as [keyof typeof NODES, z.ZodObject][]) {
    it(`${node}: every default is what it was`, () => {
      expect(params.parse({})).toEqual(DEFAULTS_BEFORE[node]);
      expect(Object.keys(params.shape).sort()).toEqual(Object.keys(DEFAULTS_BEFORE[node]).sort());
    });

    it(`${node}: the shared fields keep their ranges, units and choices`, () => {
      const json = jsonOf(params);
      for (const [name, expected] of Object.entries(FIELDS_BEFORE[node])) {
        const { default: _default, ...rest } = withoutText(json[name]!);
        expect(rest, name).toEqual(expected);
      }
    });
  }

  it('the shared fields are the fragment itself: the same schema in every node that has them', () => {
    const fragment = jsonOf(z.object(trainingParams()));
    for (const params of Object.values(NODES)) {
      const json = jsonOf(params);
      for (const name of TRAINING_PARAM_NAMES.filter((n) => n in json && n !== 'optimizer' && n !== 'schedule')) {
        const { default: _a, ...mine } = withoutText(json[name]!);
        const { default: _b, ...shared } = withoutText(fragment[name]!);
        expect(mine, name).toEqual(shared);
      }
    }
  });

  it('momentum applies only to sgd, and only to dgms in the quantizer, whose training params all say so', () => {
    expect(jsonOf(trainParams).momentum!.appliesWhen).toEqual({ optimizer: ['sgd'] });
    const gm = jsonOf(gmQuantizerParams);
    expect(gm.momentum!.appliesWhen).toEqual({ method: ['dgms'], optimizer: ['sgd'] });
    for (const name of ['epochs', 'batchSize', 'optimizer', 'lr', 'weightDecay', 'schedule', 'seed']) expect(gm[name]!.appliesWhen, name).toEqual({ method: ['dgms'] });
    // The pruner trains in every method and has no momentum param (sgd runs at 0.9).
    const prune = jsonOf(patternPrunerParams);
    for (const name of ['batchSize', 'optimizer', 'lr', 'schedule']) expect(prune[name]!.appliesWhen, name).toBeUndefined();
  });
});

describe('trainingParams', () => {
  it('gives every field with the supervised trainer defaults and the shared help', () => {
    const fields = trainingParams();
    expect(Object.keys(fields)).toEqual([...TRAINING_PARAM_NAMES]);
    expect(z.object(fields).parse({})).toEqual({ epochs: 5, batchSize: 64, optimizer: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: 'constant' });
    const json = jsonOf(z.object(fields));
    for (const name of TRAINING_PARAM_NAMES) expect(json[name]!.help).toBe(TRAINING_HELP[name]);
    expect(json.optimizer!.enum).toEqual([...OPTIMIZER_NAMES]);
    expect(json.schedule!.enum).toEqual([...SCHEDULE_NAMES]);
  });

  it('picks fields, narrows choices, and takes per-node defaults, help and a condition', () => {
    const fields = trainingParams({
      pick: ['lr', 'optimizer', 'momentum'],
      optimizers: ['sgd', 'adam'],
      defaults: { lr: 0.05, optimizer: 'sgd' },
      help: { lr: 'Step size.' },
      appliesWhen: { method: ['fine-tune'] },
    });
    // Schema order, whatever the order picked in.
    expect(Object.keys(fields)).toEqual(['optimizer', 'lr', 'momentum']);
    const params = z.object(fields);
    expect(params.parse({})).toEqual({ optimizer: 'sgd', lr: 0.05, momentum: 0.9 });
    expect(params.safeParse({ optimizer: 'adamw' }).success).toBe(false);
    const json = jsonOf(params);
    expect(json.lr).toMatchObject({ help: 'Step size.', appliesWhen: { method: ['fine-tune'] } });
    expect(json.momentum!.appliesWhen).toEqual({ method: ['fine-tune'], optimizer: ['sgd'] });
  });

  it('gives momentum no optimizer condition when the node has no optimizer param', () => {
    expect(jsonOf(z.object(trainingParams({ pick: ['momentum'] }))).momentum!.appliesWhen).toBeUndefined();
  });

  it('refuses a default outside its field and momentum without sgd', () => {
    expect(() => trainingParams({ defaults: { epochs: 0 } })).toThrow('trainingParams: the default of epochs (0) is outside its range or choices');
    expect(() => trainingParams({ schedules: ['constant', 'cosine'], defaults: { schedule: 'step' as 'cosine' } })).toThrow('the default of schedule ("step")');
    expect(() => trainingParams({ optimizers: ['adam'] })).toThrow('momentum only applies to sgd');
    expect(() => trainingParams({ pick: ['lr', 'optimizer'], optimizers: ['adam'] })).not.toThrow();
  });

  it('seedParam is a 31-bit seed defaulting to 0, with an optional condition', () => {
    const json = jsonOf(z.object({ seed: seedParam('Data order.', { method: ['dgms'] }) }));
    expect(json.seed).toEqual({ default: 0, help: 'Data order.', appliesWhen: { method: ['dgms'] }, type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 });
  });
});

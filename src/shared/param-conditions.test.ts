import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appliesTo, appliesWhenOf, appliesWhenShapeProblem, conditionCycle, conditionsOf, describeCondition, inapplicableParams, type ParamConditions } from './param-conditions';

// A pruner-like set: method picks the branch, structure refines one branch, scope depends on both.
const conditions: ParamConditions = {
  momentum: { optimizer: ['sgd'] },
  structure: { method: ['magnitude', 'admm-nn-s'] },
  scope: { method: ['magnitude', 'admm-nn-s'], structure: ['irregular'] },
  layerSparsity: { scope: ['layer'] },
  interval: { intervalSteps: [0] },
};
const names = ['method', 'optimizer', 'momentum', 'structure', 'scope', 'layerSparsity', 'intervalSteps', 'interval'];

describe('appliesTo', () => {
  it('applies a param when every named param holds one of its listed values', () => {
    const values = { method: 'magnitude', optimizer: 'adam', structure: 'irregular', scope: 'layer', intervalSteps: 150 };
    expect(inapplicableParams(names, conditions, values)).toEqual(['momentum', 'interval']);
    expect(inapplicableParams(names, conditions, { ...values, optimizer: 'sgd', intervalSteps: 0 })).toEqual([]);
    expect(inapplicableParams(names, conditions, { ...values, method: 'admm-nn-s', structure: 'filters' })).toEqual(['momentum', 'scope', 'layerSparsity', 'interval']);
  });

  it('does not let the value of a param that does not apply decide anything', () => {
    // scope is still 'layer' in the file, but with method pattern it does not apply, so neither does layerSparsity.
    const applies = appliesTo(conditions, { method: 'pattern', structure: 'irregular', scope: 'layer' });
    expect(applies('structure')).toBe(false);
    expect(applies('scope')).toBe(false);
    expect(applies('layerSparsity')).toBe(false);
    expect(applies('method')).toBe(true);
  });

  it('compares values exactly (a missing value matches nothing) and treats a cycle as applying', () => {
    expect(appliesTo(conditions, {})('momentum')).toBe(false);
    expect(appliesTo({ interval: { intervalSteps: [0] } }, { intervalSteps: '0' })('interval')).toBe(false);
    const cyclic: ParamConditions = { a: { b: [true] }, b: { a: [true] } };
    expect(appliesTo(cyclic, { a: true, b: true })('a')).toBe(true);
  });
});

describe('reading and describing conditions', () => {
  it('reads appliesWhen from the JSON Schema zod writes for .meta', () => {
    const schema = z.toJSONSchema(
      z.object({
        optimizer: z.enum(['sgd', 'adam']).default('adam'),
        momentum: z.number().default(0.9).meta({ help: 'Momentum.', appliesWhen: { optimizer: ['sgd'] } }),
      }),
      { io: 'input' },
    ) as Record<string, unknown>;
    expect(conditionsOf(schema)).toEqual({ momentum: { optimizer: ['sgd'] } });
    expect(appliesWhenOf({ appliesWhen: { optimizer: [] } })).toBeUndefined();
    expect(appliesWhenOf({ type: 'number' })).toBeUndefined();
  });

  it('says what is malformed', () => {
    expect(appliesWhenShapeProblem({ method: ['dgms'] })).toBeUndefined();
    expect(appliesWhenShapeProblem(['dgms'])).toBe('must be an object of param names to lists of values');
    expect(appliesWhenShapeProblem({})).toBe('names no param');
    expect(appliesWhenShapeProblem({ method: 'dgms' })).toBe('method: must list at least one value');
    expect(appliesWhenShapeProblem({ method: [{ a: 1 }] })).toBe('method: values must be strings, numbers or booleans');
  });

  it('describes a condition as `condense nodes` prints it', () => {
    expect(describeCondition({ optimizer: ['sgd'] })).toBe('only when optimizer = sgd');
    expect(describeCondition({ method: ['dgms'], optimizer: ['sgd'] })).toBe('only when method = dgms and optimizer = sgd');
    expect(describeCondition({ method: ['magnitude', 'admm-nn-s'], steps: [0], on: [true] })).toBe('only when method = magnitude or admm-nn-s and steps = 0 and on = true');
  });

  it('finds a cycle of conditions', () => {
    expect(conditionCycle(conditions)).toBeUndefined();
    expect(conditionCycle({ a: { b: [1] }, b: { c: [1] }, c: { a: [1] } })).toEqual(['a', 'b', 'c', 'a']);
    expect(conditionCycle({ x: { a: [1] }, a: { a: [1] } })).toEqual(['a', 'a']);
  });
});

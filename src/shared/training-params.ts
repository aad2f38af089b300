// The params every training node shares (epochs, batch size, optimizer, learning rate, momentum, weight
// decay, schedule, seed), declared once so names, ranges, units and help stay the same across nodes. Each
// node spreads the fields it has into its own `z.object`, with its own defaults where its recipe differs.
// A node's saved files and cache keys depend only on the names, defaults and ranges here, so changing any
// of them changes every training node's files: add a migration to each.
import { z } from 'zod';
import type { OptimizerName, ScheduleName, TrainOptions } from '../compute/model/train';
import type { AppliesWhen } from './param-conditions';

/**
 * The names of a string union as a tuple that the compiler checks is complete: a name added to the
 * union (in the compute core) and not listed here fails to compile.
 */
const everyOf =
  <U extends string>() =>
  <const T extends readonly U[]>(names: T & ([U] extends [T[number]] ? unknown : { missing: Exclude<U, T[number]> })): T =>
    names;

export const OPTIMIZER_NAMES = everyOf<OptimizerName>()(['sgd', 'adam', 'adamw']);
export const SCHEDULE_NAMES = everyOf<ScheduleName>()(['constant', 'step', 'cosine', 'one-cycle']);

/** The fields the training recipes read (TrainOptions in the compute core), so the two cannot drift. */
export type TrainingDefaults = Pick<TrainOptions, 'epochs' | 'batchSize' | 'optimizer' | 'lr' | 'momentum' | 'weightDecay' | 'schedule'>;

export type TrainingParamName = keyof TrainingDefaults;

/** In schema order: the order the inspector and `condense nodes` show them in. */
export const TRAINING_PARAM_NAMES = ['epochs', 'batchSize', 'optimizer', 'lr', 'momentum', 'weightDecay', 'schedule'] as const satisfies readonly TrainingParamName[];

/** The supervised trainer's defaults; a node whose recipe differs passes its own. */
export const TRAINING_DEFAULTS: Readonly<TrainingDefaults> = {
  epochs: 5,
  batchSize: 64,
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'constant',
};

export const TRAINING_HELP: Readonly<Record<TrainingParamName, string>> = {
  epochs: 'Passes over the train set.',
  batchSize: 'Images per step (the last partial batch of an epoch is dropped).',
  optimizer: 'sgd (with momentum), adam, or adamw (decoupled weight decay).',
  lr: 'Peak learning rate.',
  momentum: 'Momentum of the sgd updates.',
  weightDecay: 'L2 penalty (sgd, adam) or decoupled decay (adamw).',
  schedule: 'constant; step (x0.1 at each third of the run); cosine (to 0); one-cycle (warm-up then cosine).',
};

type EnumOf<T extends string> = z.ZodEnum<{ [K in T]: K }>;

export interface TrainingFields<O extends OptimizerName = OptimizerName, S extends ScheduleName = ScheduleName> {
  epochs: z.ZodDefault<z.ZodNumber>;
  batchSize: z.ZodDefault<z.ZodNumber>;
  optimizer: z.ZodDefault<EnumOf<O>>;
  lr: z.ZodDefault<z.ZodNumber>;
  momentum: z.ZodDefault<z.ZodNumber>;
  weightDecay: z.ZodDefault<z.ZodNumber>;
  schedule: z.ZodDefault<EnumOf<S>>;
}

export interface TrainingParamsOptions<K extends TrainingParamName, O extends OptimizerName, S extends ScheduleName> {
  /** The fields the node has (default: all of them). */
  pick?: readonly K[];
  /** The optimizers the node offers (default: all). */
  optimizers?: readonly [O, ...O[]];
  /** The schedules the node offers (default: all). */
  schedules?: readonly [S, ...S[]];
  /** Defaults that differ from TRAINING_DEFAULTS. */
  defaults?: Partial<Omit<TrainingDefaults, 'optimizer' | 'schedule'> & { optimizer: NoInfer<O>; schedule: NoInfer<S> }>;
  /** Help that says more than TRAINING_HELP for this node (what is trained, in which phases). */
  help?: Partial<Record<NoInfer<K>, string>>;
  /** A condition for every field, such as the method that trains; momentum adds `optimizer = sgd` to it. */
  appliesWhen?: AppliesWhen;
}

/**
 * The shared training fields, to spread into a node's params:
 * `z.object({ ...trainingParams({ defaults: { epochs: 2 } }), mixtureLr: ... })`.
 * Throws when a default is outside its own field (a typo would otherwise ship as a default that fails).
 */
export function trainingParams<
  const K extends TrainingParamName = TrainingParamName,
  const O extends OptimizerName = OptimizerName,
  const S extends ScheduleName = ScheduleName,
>(options: TrainingParamsOptions<K, O, S> = {}): Pick<TrainingFields<O, S>, K> {
  const picked = new Set<TrainingParamName>(options.pick ?? TRAINING_PARAM_NAMES);
  const optimizers = options.optimizers ?? OPTIMIZER_NAMES;
  const schedules = options.schedules ?? SCHEDULE_NAMES;
  const defaults = { ...TRAINING_DEFAULTS, ...options.defaults };
  const base = options.appliesWhen;
  if (picked.has('momentum') && picked.has('optimizer') && !(optimizers as readonly string[]).includes('sgd')) {
    throw new Error('trainingParams: momentum only applies to sgd, which is not among the optimizers');
  }
  // Momentum matters only to sgd; without an optimizer param (a fixed optimizer) it always applies.
  const momentumWhen: AppliesWhen | undefined = picked.has('optimizer') ? { ...base, optimizer: ['sgd'] } : base;
  const meta = (name: TrainingParamName, unit?: string, appliesWhen = base) => ({
    help: (options.help as Partial<Record<TrainingParamName, string>> | undefined)?.[name] ?? TRAINING_HELP[name],
    ...(unit !== undefined && { unit }),
    ...(appliesWhen !== undefined && { appliesWhen }),
  });
  const choices = <T extends string>(names: readonly T[]) => z.enum(names as unknown as readonly [T, ...T[]]);
  const fields: TrainingFields = {
    epochs: z.number().int().min(1).max(1000).default(defaults.epochs).meta(meta('epochs', 'epochs')),
    batchSize: z.number().int().min(1).max(4096).default(defaults.batchSize).meta(meta('batchSize', 'images')),
    optimizer: (choices(optimizers) as EnumOf<OptimizerName>).default(defaults.optimizer).meta(meta('optimizer')),
    lr: z.number().positive().max(10).default(defaults.lr).meta(meta('lr')),
    momentum: z.number().min(0).max(0.999).default(defaults.momentum).meta(meta('momentum', undefined, momentumWhen)),
    weightDecay: z.number().min(0).max(1).default(defaults.weightDecay).meta(meta('weightDecay')),
    schedule: (choices(schedules) as EnumOf<ScheduleName>).default(defaults.schedule).meta(meta('schedule')),
  };
  const out: Partial<Record<TrainingParamName, z.ZodType>> = {};
  for (const name of TRAINING_PARAM_NAMES) {
    if (!picked.has(name)) continue;
    const field = fields[name];
    // zod returns a default without parsing it, so the check is against the field's inner schema.
    if (!field.unwrap().safeParse(defaults[name]).success) throw new Error(`trainingParams: the default of ${name} (${JSON.stringify(defaults[name])}) is outside its range or choices`);
    out[name] = field;
  }
  return out as Pick<TrainingFields<O, S>, K>;
}

/** A seed param: a non-negative 31-bit integer, 0 by default. */
export function seedParam(help: string, appliesWhen?: AppliesWhen): z.ZodDefault<z.ZodNumber> {
  return z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0)
    .meta({ help, ...(appliesWhen !== undefined && { appliesWhen }) });
}

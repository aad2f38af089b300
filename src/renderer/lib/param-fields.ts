// Turns a node's params JSON Schema (zod's toJSONSchema output with `help`, `unit` and `appliesWhen`
// metadata) into the fields the inspector draws. Bad values are named by the engine's validation, not here.
import { appliesTo, appliesWhenOf, type AppliesWhen } from '../../shared/param-conditions';

export type ParamKind = 'number' | 'integer' | 'enum' | 'boolean' | 'string' | 'json';

export interface ParamField {
  key: string;
  label: string;
  kind: ParamKind;
  help?: string;
  unit?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  options?: (string | number | boolean)[];
  minLength?: number;
  maxLength?: number;
  /** A file or folder on the host (`format: 'path'` in the schema): the inspector offers a picker. */
  path?: boolean;
  /** The param only applies for these values of other params; the inspector hides it otherwise. */
  appliesWhen?: AppliesWhen;
}

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `learningRate` / `learning_rate` -> `Learning rate`. */
export function labelOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Optional and nullable params come as `anyOf: [X, {type: 'null'}]`; the form edits X. */
function unwrap(schema: Schema): Schema {
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const real = options.filter((o) => isSchema(o) && o.type !== 'null') as Schema[];
      if (real.length === 1) return { ...real[0], ...withoutKeys(schema, ['anyOf', 'oneOf']) };
      const consts = real.map((o) => o.const);
      if (real.length > 1 && consts.every((c) => c !== undefined)) {
        return { ...withoutKeys(schema, ['anyOf', 'oneOf']), enum: consts };
      }
    }
  }
  return schema;
}

function withoutKeys(schema: Schema, keys: string[]): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k)));
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function fieldOf(key: string, raw: Schema): ParamField {
  const schema = unwrap(raw);
  const base: ParamField = {
    key,
    label: str(schema.title) ?? labelOf(key),
    kind: 'json',
    help: str(schema.help) ?? str(schema.description),
    unit: str(schema.unit),
    default: schema.default,
    ...(appliesWhenOf(schema) ? { appliesWhen: appliesWhenOf(schema) } : {}),
  };
  const options = Array.isArray(schema.enum) ? schema.enum : schema.const !== undefined ? [schema.const] : undefined;
  if (options && options.every((o) => ['string', 'number', 'boolean'].includes(typeof o))) {
    return { ...base, kind: 'enum', options: options as (string | number | boolean)[] };
  }
  switch (schema.type) {
    case 'integer':
    case 'number':
      return {
        ...base,
        kind: schema.type,
        minimum: num(schema.minimum),
        maximum: num(schema.maximum),
        exclusiveMinimum: num(schema.exclusiveMinimum),
        exclusiveMaximum: num(schema.exclusiveMaximum),
      };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'string':
      return {
        ...base,
        kind: 'string',
        minLength: num(schema.minLength),
        maxLength: num(schema.maxLength),
        ...(schema.format === 'path' ? { path: true } : {}),
      };
    default:
      return base;
  }
}

/** The editable fields of a params schema, in the schema's own order. */
export function paramFieldsOf(paramsSchema: Record<string, unknown>): ParamField[] {
  const properties = paramsSchema.properties;
  if (!isSchema(properties)) return [];
  return Object.entries(properties)
    .filter((entry): entry is [string, Schema] => isSchema(entry[1]))
    .map(([key, schema]) => fieldOf(key, schema));
}

/**
 * The fields that apply to a node's params (those left out count at their defaults), and those that do not:
 * the inspector draws the first and hides the second, whose values stay in the graph untouched.
 */
export function splitByCondition(
  fields: readonly ParamField[],
  params: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>> = {},
): { shown: ParamField[]; hidden: ParamField[] } {
  const conditions = Object.fromEntries(fields.filter((f) => f.appliesWhen).map((f) => [f.key, f.appliesWhen!]));
  const fallback = Object.fromEntries(fields.map((f) => [f.key, f.default]));
  const applies = appliesTo(conditions, { ...fallback, ...defaults, ...params });
  const shown: ParamField[] = [];
  const hidden: ParamField[] = [];
  for (const field of fields) (applies(field.key) ? shown : hidden).push(field);
  return { shown, hidden };
}

/** What the text box of a number field turns into: a number, or undefined while it is not one yet. */
export function parseNumberText(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A slider for a number with a closed range small enough to drag through (learning rates, fractions,
 * counts); none for open ranges or huge ones such as seeds.
 */
export function sliderOf(field: ParamField): { min: number; max: number; step: number } | undefined {
  if (field.kind !== 'number' && field.kind !== 'integer') return undefined;
  const { minimum: min, maximum: max } = field;
  if (min === undefined || max === undefined || !(max > min)) return undefined;
  if (field.kind === 'integer') return max - min <= 1000 ? { min, max, step: 1 } : undefined;
  // A power of ten, so dragged values are round numbers (0.25, not 0.2502), about 100 stops end to end.
  return max - min <= 1000 ? { min, max, step: 10 ** Math.floor(Math.log10((max - min) / 100)) } : undefined;
}

/** Seed params get a "new seed" button; by name, the convention every node follows. */
export function isSeedField(field: ParamField): boolean {
  return field.kind === 'integer' && /(^|[a-z])seed$/i.test(field.key);
}

/** A fresh seed inside the field's range. */
export function randomSeed(field: ParamField, random: () => number = Math.random): number {
  const min = Math.ceil(field.minimum ?? 0);
  const max = Math.floor(Math.min(field.maximum ?? 2 ** 31 - 1, 2 ** 31 - 1));
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * How a chosen file is written into a path param: relative to the graph file's folder when the graph has
 * one and the file is inside it or near it, else absolute. POSIX paths, as the host reports them.
 */
export function pathForParam(chosen: string, graphDir: string | undefined): string {
  if (!graphDir || !chosen.startsWith('/') || !graphDir.startsWith('/')) return chosen;
  const from = graphDir.split('/').filter(Boolean);
  const to = chosen.split('/').filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  // Far apart (only the root in common): an absolute path says more than a chain of ../
  if (common === 0) return chosen;
  const relative = [...from.slice(common).map(() => '..'), ...to.slice(common)].join('/');
  return relative === '' ? '.' : relative;
}

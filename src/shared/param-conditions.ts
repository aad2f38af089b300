// Conditional params, declared as data: a param's schema metadata may say `appliesWhen: { optimizer: ['sgd'] }`,
// meaning the param only matters while `optimizer` is `sgd`. The condition travels in the node descriptor's
// JSON Schema (zod copies `.meta` fields into it), so the inspector, `condense nodes` and the registry read
// the same declaration. Pure data in, data out: no zod, no DOM, safe for the renderer.

export type ParamValue = string | number | boolean;

/**
 * The values of other params under which a param applies: every named param must itself apply and hold
 * one of its listed values (AND across names, OR within a list).
 */
export type AppliesWhen = Readonly<Record<string, readonly ParamValue[]>>;

/** Each conditional param's condition, by param name; params not listed always apply. */
export type ParamConditions = Readonly<Record<string, AppliesWhen>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isParamValue = (v: unknown): v is ParamValue => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Why `value` is not a well-formed `appliesWhen`, or undefined when it is one. */
export function appliesWhenShapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'must be an object of param names to lists of values';
  const entries = Object.entries(value);
  if (entries.length === 0) return 'names no param';
  for (const [name, values] of entries) {
    if (!Array.isArray(values) || values.length === 0) return `${name}: must list at least one value`;
    if (!values.every(isParamValue)) return `${name}: values must be strings, numbers or booleans`;
  }
  return undefined;
}

/** The `appliesWhen` of one param's JSON Schema (or `.meta` object), if it declares a well-formed one. */
export function appliesWhenOf(schema: unknown): AppliesWhen | undefined {
  if (!isRecord(schema)) return undefined;
  const value = schema.appliesWhen;
  return value !== undefined && appliesWhenShapeProblem(value) === undefined ? (value as AppliesWhen) : undefined;
}

/** Every condition of a params JSON Schema (a descriptor's `paramsSchema`). */
export function conditionsOf(paramsSchema: Record<string, unknown>): ParamConditions {
  const properties = isRecord(paramsSchema.properties) ? paramsSchema.properties : {};
  const out: Record<string, AppliesWhen> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const condition = appliesWhenOf(schema);
    if (condition) out[name] = condition;
  }
  return out;
}

/**
 * Whether each param applies to these values (params left out of `values` should come with their
 * defaults). A param applies when its condition holds and every param the condition names applies too:
 * the value of a param that does not apply decides nothing. A cycle (refused at registration) counts as
 * applying, so a bad declaration never hides a param for good.
 */
export function appliesTo(conditions: ParamConditions, values: Readonly<Record<string, unknown>>): (name: string) => boolean {
  const known = new Map<string, boolean>();
  const visiting = new Set<string>();
  const applies = (name: string): boolean => {
    const cached = known.get(name);
    if (cached !== undefined) return cached;
    const condition = conditions[name];
    if (!condition) return true;
    if (visiting.has(name)) return true;
    visiting.add(name);
    const result = Object.entries(condition).every(([other, allowed]) => applies(other) && allowed.includes(values[other] as ParamValue));
    visiting.delete(name);
    known.set(name, result);
    return result;
  };
  return applies;
}

/** The names of the params that do not apply to these values, in the order given. */
export function inapplicableParams(names: readonly string[], conditions: ParamConditions, values: Readonly<Record<string, unknown>>): string[] {
  const applies = appliesTo(conditions, values);
  return names.filter((name) => !applies(name));
}

/** `only when method = dgms and optimizer = sgd`; `only when method = magnitude or admm-nn-s`. */
export function describeCondition(condition: AppliesWhen): string {
  const clauses = Object.entries(condition).map(([name, values]) => `${name} = ${values.map(String).join(' or ')}`);
  return `only when ${clauses.join(' and ')}`;
}

/** A param whose condition leads back to itself (a -> b -> a), as the chain of names, or undefined. */
export function conditionCycle(conditions: ParamConditions): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name) || !conditions[name]) return undefined;
    path.push(name);
    for (const other of Object.keys(conditions[name]!)) {
      const cycle = visit(other);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  for (const name of Object.keys(conditions)) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

// The node SDK: every node type is one `defineNode({...})` call in nodes/<name>/index.ts.
import { z } from 'zod';
import type { TaskSequence } from '../compute/continual/tasks';
import type { Dataset } from '../compute/data/dataset';
import type { Model } from '../compute/model/model';
import type { NodeDescriptor } from './node-descriptor';
import { appliesWhenShapeProblem, conditionCycle, type AppliesWhen } from './param-conditions';
import type { InferResult, PortFacts } from './port-facts';
import type { PortSpec, PortTypeName } from './port-types';
import type { ArtifactRef, DeployPackage, Metrics, Report } from './values';

export type { NodeDescriptor } from './node-descriptor';
export type { InferResult, PortFacts } from './port-facts';

// The metadata the inspector and `condense nodes` read from a param's `.meta({...})`; typed so a misspelt
// condition fails to compile (the names and values it refers to are checked when the node is defined).
declare module 'zod' {
  interface GlobalMeta {
    help?: string;
    unit?: string;
    appliesWhen?: AppliesWhen;
  }
}

/** The runtime value carried by each port type. Types without a node yet stay `unknown`. */
export interface PortValueMap {
  Dataset: Dataset;
  TaskSequence: TaskSequence;
  Model: Model;
  Metrics: Metrics;
  Report: Report;
  DeployPackage: DeployPackage;
  Any: unknown;
}

export type Ports = Record<string, PortSpec>;
type ValuesOf<P extends Ports> = { [K in keyof P]: PortValueMap[P[K]['type']] };
type InputValuesOf<P extends Ports> = {
  [K in keyof P]: P[K]['required'] extends true ? PortValueMap[P[K]['type']] : PortValueMap[P[K]['type']] | undefined;
};

export interface Artifacts {
  /** Stores bytes content-addressed and returns a reference the canvas can show. */
  write(name: string, data: Uint8Array, mime: string): Promise<ArtifactRef>;
  read(ref: ArtifactRef): Promise<Uint8Array>;
}

export interface ExecuteContext<I extends Ports, P> {
  nodeId: string;
  params: P;
  inputs: InputValuesOf<I>;
  /** Aborted when the user cancels; long loops check it (or call `throwIfAborted`). */
  signal: AbortSignal;
  /** fraction in [0, 1]. */
  progress(fraction: number, message?: string): void;
  /** One point of a streamed curve. */
  metric(name: string, value: number, step: number): void;
  log(message: string, level?: 'info' | 'warn'): void;
  artifacts: Artifacts;
  /** Deterministic per node: derived from the graph seed and what determines the output (type, version, params, inputs, files), never the node id. */
  seed: number;
  /** Resolves a path param against the graph file's folder. */
  resolvePath(path: string): string;
}

/** A failure the user can act on: shown as its message alone, never with a stack trace. */
export class NodeError extends Error {
  constructor(
    message: string,
    readonly detail?: { param?: string; port?: string; file?: string },
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export interface NodeDefinition<I extends Ports = Ports, O extends Ports = Ports, S extends z.ZodObject = z.ZodObject> {
  /** Stable, namespaced, never renamed: `condense.<area>.<name>`. */
  type: string;
  /** Bumped with a migration in `migrations` whenever the params change shape. */
  version: number;
  title: string;
  category: string;
  description: string;
  inputs: I;
  outputs: O;
  params: S;
  /** migrations[v] turns params of typeVersion v into params of typeVersion v + 1. */
  migrations?: Record<number, (params: Record<string, unknown>) => Record<string, unknown>>;
  /** `never`: the node re-runs every time (its cache key never matches). */
  cache?: 'auto' | 'never';
  /**
   * Files the output depends on, given resolved params. Their content hashes enter the cache key, so an
   * edited file re-runs the node. Paths are absolute (already resolved).
   */
  files?: (params: z.infer<S>, resolvePath: (p: string) => string) => string[];
  /** Pure and fast: runs during validation, on every edit in the editor. */
  infer?: (params: z.infer<S>, inputs: { [K in keyof I]?: PortFacts }) => InferResult;
  execute(ctx: ExecuteContext<I, z.infer<S>>): Promise<ValuesOf<O>>;
}

/**
 * Checks the definition's declared data (param conditions) so a mistake fails when the node is loaded, and
 * returns it unchanged.
 */
export function defineNode<const I extends Ports, const O extends Ports, S extends z.ZodObject>(
  definition: NodeDefinition<I, O, S>,
): NodeDefinition<I, O, S> {
  const problems = paramConditionProblems(definition.params);
  if (problems.length > 0) throw new Error(`node ${definition.type}: ${problems.join('; ')}`);
  return definition;
}

const jsonSchemaOf = (params: z.ZodObject): Record<string, unknown> =>
  z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/**
 * What is wrong with the params' `appliesWhen` declarations: a malformed condition, a param that does not
 * exist or names itself, a value the named param cannot take (checked with that param's own schema, so
 * enums, booleans and number ranges all count), or conditions that form a cycle. Read from the JSON Schema,
 * as the descriptor carries them.
 */
export function paramConditionProblems(params: z.ZodObject): string[] {
  const shape = params.shape as Record<string, z.ZodType>;
  const names = Object.keys(shape);
  const properties = (jsonSchemaOf(params).properties ?? {}) as Record<string, Record<string, unknown>>;
  const problems: string[] = [];
  const conditions: Record<string, AppliesWhen> = {};
  for (const name of names) {
    const declared = properties[name]?.appliesWhen;
    if (declared === undefined) continue;
    const malformed = appliesWhenShapeProblem(declared);
    if (malformed) {
      problems.push(`param ${name}: appliesWhen ${malformed}`);
      continue;
    }
    const condition = declared as AppliesWhen;
    let valid = true;
    for (const [other, values] of Object.entries(condition)) {
      const target = shape[other];
      if (other === name) {
        problems.push(`param ${name}: appliesWhen names ${name} itself`);
        valid = false;
      } else if (!target) {
        problems.push(`param ${name}: appliesWhen names unknown param "${other}" (params: ${names.join(', ')})`);
        valid = false;
      } else {
        const options = properties[other]?.enum;
        for (const value of values.filter((v) => !target.safeParse(v).success)) {
          const choices = Array.isArray(options) ? ` (one of ${options.join(', ')})` : '';
          problems.push(`param ${name}: appliesWhen ${other} = ${JSON.stringify(value)}, which ${other} cannot take${choices}`);
          valid = false;
        }
      }
    }
    if (valid) conditions[name] = condition;
  }
  const cycle = conditionCycle(conditions);
  if (cycle) problems.push(`appliesWhen conditions form a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

export function describeNode(def: NodeDefinition, docs: string): NodeDescriptor {
  return {
    type: def.type,
    version: def.version,
    title: def.title,
    category: def.category,
    description: def.description,
    docs,
    inputs: def.inputs,
    outputs: def.outputs,
    paramsSchema: jsonSchemaOf(def.params),
    defaults: def.params.parse({}) as Record<string, unknown>,
  };
}

export type PortTypeOf<D extends NodeDefinition, K extends keyof D['outputs']> = D['outputs'][K] extends {
  type: infer T extends PortTypeName;
}
  ? T
  : never;

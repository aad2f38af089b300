// What the renderer and `condense nodes` see of a node type: data only, no functions. Kept apart from the
// node SDK so the renderer's typecheck never pulls in the engine-side value types (datasets, models).
import type { PortSpec } from './port-types';

export interface NodeDescriptor {
  type: string;
  version: number;
  title: string;
  category: string;
  description: string;
  /** The node's README.md. */
  docs: string;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  /**
   * JSON Schema of the params (draft 2020-12) with `default`, `minimum`, `maximum`, `help`, `unit`, and
   * `appliesWhen` on a param that only applies for some values of others (see param-conditions.ts).
   */
  paramsSchema: Record<string, unknown>;
  defaults: Record<string, unknown>;
}


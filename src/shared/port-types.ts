// Port types: what may flow on an edge, and which connections are allowed.
// Shared by the engine (validation) and the renderer (refusing a wire at connect time), so it stays pure.

export const PORT_TYPES = ['Dataset', 'TaskSequence', 'Model', 'Metrics', 'Report', 'DeployPackage', 'Any'] as const;
export type PortTypeName = (typeof PORT_TYPES)[number];

/**
 * Constraints narrow a port type. An output port declares what it produces (`{ task: 'classify' }`); an
 * input port declares what it requires. A connection is allowed when every required key is produced with
 * the same value, or the output leaves that key open (then the engine checks it again at run time).
 */
export type PortConstraints = Record<string, string | number | boolean>;

export interface PortSpec {
  type: PortTypeName;
  /** Inputs only: a required input must be connected for the graph to be valid. */
  required?: boolean;
  constraints?: PortConstraints;
  description?: string;
}

/** Colours and handle shapes the canvas uses, one per type, so a user learns them once. */
export const PORT_STYLE: Record<PortTypeName, { color: string; shape: 'circle' | 'square' | 'diamond' }> = {
  Dataset: { color: '#2f9e44', shape: 'circle' },
  TaskSequence: { color: '#66a80f', shape: 'diamond' },
  Model: { color: '#1971c2', shape: 'square' },
  Metrics: { color: '#e8590c', shape: 'circle' },
  Report: { color: '#9c36b5', shape: 'circle' },
  DeployPackage: { color: '#c92a2a', shape: 'square' },
  Any: { color: '#868e96', shape: 'circle' },
};

export type Compatibility = { ok: true } | { ok: false; reason: string };

export function portCompatibility(from: PortSpec, to: PortSpec): Compatibility {
  if (from.type !== to.type && to.type !== 'Any') {
    return { ok: false, reason: `a ${from.type} output cannot feed a ${to.type} input` };
  }
  for (const [key, wanted] of Object.entries(to.constraints ?? {})) {
    const given = from.constraints?.[key];
    if (given !== undefined && given !== wanted) {
      return { ok: false, reason: `the input needs ${key} = ${String(wanted)} but the output gives ${key} = ${String(given)}` };
    }
  }
  return { ok: true };
}

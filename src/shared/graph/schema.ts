// Graph file format v1 (`*.condense.json`). See ../../../README.md "Graph files".
import { z } from 'zod';

export const GRAPH_FORMAT = 'condense.graph';
/** The newest file-level schema version this build reads and writes. */
export const CURRENT_SCHEMA_VERSION = 1;

const id = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'is longer than 200 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may only hold letters, digits and _ . : -');

export const nodeSchema = z.object({
  id,
  type: z.string().min(1, 'must not be empty'),
  typeVersion: z.number().int().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Skips execution: the node's outputs are its same-typed inputs passed through (editor "bypass"). */
  bypass: z.boolean().optional(),
});

export const endpointSchema = z.object({ node: id, port: z.string().min(1) });

export const edgeSchema = z.object({
  id,
  from: endpointSchema,
  to: endpointSchema,
});

const xy = z.tuple([z.number(), z.number()]);

export const uiSchema = z
  .object({
    positions: z.record(z.string(), xy).default({}),
    viewport: z.object({ x: z.number(), y: z.number(), zoom: z.number().positive() }).default({ x: 0, y: 0, zoom: 1 }),
    groups: z
      .array(
        z.object({
          id,
          title: z.string(),
          color: z.string().optional(),
          nodeIds: z.array(z.string()),
          rect: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
        }),
      )
      .default([]),
    notes: z.array(z.object({ id, text: z.string(), position: xy, size: xy.optional() })).default([]),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .default({ positions: {}, viewport: { x: 0, y: 0, zoom: 1 }, groups: [], notes: [] });

export const assetSchema = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  bytes: z.number().int().nonnegative(),
});

export const graphSchema = z.object({
  format: z.literal(GRAPH_FORMAT),
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  meta: z
    .object({
      name: z.string().default('Untitled'),
      description: z.string().optional(),
      createdWith: z.string().optional(),
    })
    .default({ name: 'Untitled' }),
  nodes: z.array(nodeSchema),
  edges: z.array(edgeSchema).default([]),
  ui: uiSchema,
  assets: z.array(assetSchema).default([]),
  /** Run seed; each node's seed is derived from it and the node's content (type, params, inputs), not its id. */
  seed: z.number().int().nonnegative().optional(),
});

export type Graph = z.infer<typeof graphSchema>;
export type GraphNode = z.infer<typeof nodeSchema>;
export type GraphEdge = z.infer<typeof edgeSchema>;
export type GraphUi = z.infer<typeof uiSchema>;

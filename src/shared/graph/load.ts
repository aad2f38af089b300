// Reading graph text: JSON parse -> file-level migrations -> zod schema. Never throws: every problem comes
// back as a ValidationIssue that names where it is (line and column, or the JSON path and node id).
// Per-node param migrations and graph validation (types, ports, cycles) happen in the engine.
import type { ZodError } from 'zod';
import type { ValidationIssue } from '../events';
import { lineAndColumn, locateJsonError } from './json-error';
import { migrateGraphDocument } from './migrations';
import { GRAPH_FORMAT, graphSchema, type Graph } from './schema';

export interface ParsedGraph {
  graph?: Graph;
  issues: ValidationIssue[];
  /** Set for files from a newer Condense: shown, never saved over. */
  readOnly: boolean;
  message?: string;
}

function describeJsonError(text: string): string {
  if (text.trim() === '') return 'the file is empty';
  const found = locateJsonError(text);
  if (!found) return 'not valid JSON';
  const { line, column } = lineAndColumn(text, found.offset);
  return `not valid JSON at line ${line}, column ${column}: ${found.reason}`;
}

/** `nodes[2] (node "quant").typeVersion` */
export function describePath(doc: unknown, path: PropertyKey[]): string {
  let out = '';
  let cursor: unknown = doc;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
    cursor = cursor && typeof cursor === 'object' ? (cursor as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number' && cursor && typeof cursor === 'object' && typeof (cursor as { id?: unknown }).id === 'string') {
      const kind = out.startsWith('edges') ? 'edge' : out.startsWith('nodes') ? 'node' : 'item';
      out += ` (${kind} "${(cursor as { id: string }).id}")`;
    }
  }
  return out || 'the file';
}

function schemaIssues(doc: unknown, error: ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const [top, index] = issue.path;
    const entry =
      (top === 'nodes' || top === 'edges') && typeof index === 'number'
        ? ((doc as Record<string, unknown[]>)[top]?.[index] as { id?: unknown } | undefined)
        : undefined;
    const id = typeof entry?.id === 'string' ? entry.id : undefined;
    return {
      code: 'schema' as const,
      ...(top === 'nodes' && id ? { nodeId: id } : {}),
      ...(top === 'edges' && id ? { edgeId: id } : {}),
      message: `${describePath(doc, issue.path)}: ${issue.message}`,
    };
  });
}

export function parseGraphText(text: string): ParsedGraph {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { issues: [{ code: 'schema', message: describeJsonError(text) }], readOnly: false };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return { issues: [{ code: 'schema', message: 'the file must hold a JSON object' }], readOnly: false };
  }
  const record = doc as Record<string, unknown>;
  if (record.format !== GRAPH_FORMAT) {
    return {
      issues: [{ code: 'schema', message: `format: expected "${GRAPH_FORMAT}", got ${JSON.stringify(record.format) ?? 'nothing'}: this is not a Condense graph file` }],
      readOnly: false,
    };
  }
  const migrated = migrateGraphDocument(record);
  if (!migrated.ok) {
    const newer = migrated.failure.reason === 'TargetVersionTooNew';
    return {
      issues: [{ code: newer ? 'newer-file' : 'schema', message: migrated.failure.message }],
      readOnly: newer,
      message: migrated.failure.message,
    };
  }
  const parsed = graphSchema.safeParse(migrated.doc);
  if (!parsed.success) return { issues: schemaIssues(migrated.doc, parsed.error), readOnly: false };
  return {
    graph: parsed.data,
    issues: [],
    readOnly: false,
    ...(migrated.migratedFrom ? { message: `migrated from schemaVersion ${migrated.migratedFrom}; saving writes the current version` } : {}),
  };
}

// File-level migrations of `*.condense.json`. Each step turns a document of schemaVersion N into N + 1 and
// is tested against a fixture of version N (tests/fixtures/graphs/v<N>.condense.json). Per-node param
// migrations are separate: each node type carries its own, keyed by typeVersion (see node-sdk.ts).
import { CURRENT_SCHEMA_VERSION } from './schema';

export interface FileMigration {
  from: number;
  /** Receives a plain JSON object of version `from`; returns one of version `from + 1`. */
  up(doc: Record<string, unknown>): Record<string, unknown>;
}

/** The chain, in order. Version 1 is the first format, so the chain is empty until version 2 exists. */
export const FILE_MIGRATIONS: FileMigration[] = [];

export type MigrationFailure =
  | { reason: 'TargetVersionTooNew'; version: number; message: string }
  | { reason: 'VersionInvalid'; version: unknown; message: string }
  | { reason: 'MigrationMissing'; version: number; message: string };

export type MigrationResult = { ok: true; doc: Record<string, unknown>; migratedFrom?: number } | { ok: false; failure: MigrationFailure };

export function migrateGraphDocument(
  doc: Record<string, unknown>,
  chain: FileMigration[] = FILE_MIGRATIONS,
  current: number = CURRENT_SCHEMA_VERSION,
): MigrationResult {
  const version = doc.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return {
      ok: false,
      failure: { reason: 'VersionInvalid', version, message: `schemaVersion must be a whole number from 1 to ${current}, got ${JSON.stringify(version) ?? 'nothing'}` },
    };
  }
  if (version > current) {
    return {
      ok: false,
      failure: {
        reason: 'TargetVersionTooNew',
        version,
        message: `this file was written by a newer Condense (schemaVersion ${version}; this build reads up to ${current}). Update Condense to open it; the file was left untouched.`,
      },
    };
  }
  let migrated = doc;
  for (let v = version; v < current; v++) {
    const step = chain.find((m) => m.from === v);
    if (!step) {
      return { ok: false, failure: { reason: 'MigrationMissing', version: v, message: `no migration from schemaVersion ${v} to ${v + 1}` } };
    }
    migrated = { ...step.up(migrated), schemaVersion: v + 1 };
  }
  return version === current ? { ok: true, doc: migrated } : { ok: true, doc: migrated, migratedFrom: version };
}

// The files a node wrote on the host, read from its output summaries: an Export's "Exported file" table
// (a `path` column), a Deploy package's folder. The canvas lists them so a person sees where each file
// went, whatever folder relative paths resolved against. Pure.
import type { OutputSummary } from '../../shared/values';

export interface WrittenFile {
  path: string;
  kind: 'file' | 'folder';
}

export function writtenFilesOf(outputs: Record<string, OutputSummary> | undefined): WrittenFile[] {
  const found = new Map<string, WrittenFile>();
  for (const summary of Object.values(outputs ?? {})) {
    if (summary.type === 'DeployPackage' && typeof summary.folder === 'string') found.set(summary.folder, { path: summary.folder, kind: 'folder' });
    if (summary.type !== 'Metrics' || !Array.isArray(summary.tables)) continue;
    for (const table of summary.tables as { columns?: unknown; rows?: unknown }[]) {
      const column = Array.isArray(table.columns) ? table.columns.indexOf('path') : -1;
      if (column < 0 || !Array.isArray(table.rows)) continue;
      for (const row of table.rows) {
        const value = Array.isArray(row) ? row[column] : undefined;
        if (typeof value === 'string' && value !== '' && !found.has(value)) found.set(value, { path: value, kind: 'file' });
      }
    }
  }
  return [...found.values()];
}

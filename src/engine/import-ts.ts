// Imports a TypeScript module whatever the host. Under `node --import tsx` and under vitest `.ts` already
// loads. A host without a loader (a bundled Electron main) fails with ERR_UNKNOWN_FILE_EXTENSION, and a
// Node with built-in type stripping fails on extensionless imports or parameter properties; either way tsx
// is registered once and the import retried. Resolution and syntax errors happen before any module code
// runs, so the retry cannot run anything twice.
import { pathToFileURL } from 'node:url';

let registered: Promise<void> | undefined;

export async function importTs(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (error) {
    if (registered) throw error;
    registered = import('tsx/esm/api').then(({ register }) => {
      register();
    });
    await registered;
    // A failed import stays failed for its URL, so the retry uses a distinct one.
    return (await import(/* @vite-ignore */ `${url}?with-tsx`)) as Record<string, unknown>;
  }
}

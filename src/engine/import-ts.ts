// Imports a TypeScript module whatever the host: under `node --import tsx` and under vitest `.ts` already
// loads; a bundled host (electron-vite output) has no loader, so tsx is registered on first need.
import { pathToFileURL } from 'node:url';

let registered: Promise<void> | undefined;

function isUnknownExtension(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ERR_UNKNOWN_FILE_EXTENSION';
}

export async function importTs(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (error) {
    if (!isUnknownExtension(error)) throw error;
    registered ??= import('tsx/esm/api').then(({ register }) => {
      register();
    });
    await registered;
    return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  }
}

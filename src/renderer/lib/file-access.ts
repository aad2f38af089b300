// Saving from a browser tab. Where the File System Access API exists (Chromium on a secure origin such as
// the localhost of `condense serve`), Save As asks for a file and later saves write to that same file;
// elsewhere the graph is downloaded.

interface WritableLike {
  write(data: string): Promise<void>;
  close(): Promise<void>;
}

export interface FileHandleLike {
  name: string;
  createWritable(): Promise<WritableLike>;
}

type SavePicker = (options: { suggestedName?: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<FileHandleLike>;

function savePicker(): SavePicker | undefined {
  const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  return typeof picker === 'function' ? picker.bind(globalThis) : undefined;
}

export function canPickSaveFile(): boolean {
  return savePicker() !== undefined;
}

/** Asks for a file to save to; undefined when the user cancels or the API is missing. */
export async function pickSaveFile(suggestedName: string): Promise<FileHandleLike | undefined> {
  const picker = savePicker();
  if (!picker) return undefined;
  try {
    return await picker({ suggestedName, types: [{ description: 'Condense graph', accept: { 'application/json': ['.json'] } }] });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return undefined;
    throw error;
  }
}

export async function writeFileHandle(handle: FileHandleLike, text: string): Promise<void> {
  const writable = await handle.createWritable();
  await writable.write(text);
  await writable.close();
}

export function downloadText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Whether a dropped file looks like a graph file (by name; its content is validated on open). */
export function isGraphFileName(name: string): boolean {
  return /\.condense\.json$/i.test(name) || /\.json$/i.test(name);
}

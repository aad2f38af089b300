// Where an unsaved graph's relative paths go. A graph with a file resolves them against the file's folder;
// one without a file (a new graph in the editor) has no folder of its own, and the folder the host was
// started from (often a source checkout) is nobody's choice. So they go to one documented place per graph
// name under $CONDENSE_HOME, created on first use by the nodes that write there.
import path from 'node:path';

/** `My Pipeline!` -> `my-pipeline`; an empty or symbol-only name -> `untitled`. */
export function graphFolderName(name: string | undefined): string {
  const slug = (name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'untitled';
}

/** $CONDENSE_HOME/outputs/<graph name>: the folder relative params of an unsaved graph resolve against. */
export function unsavedGraphFolder(home: string, graphName: string | undefined): string {
  return path.join(home, 'outputs', graphFolderName(graphName));
}

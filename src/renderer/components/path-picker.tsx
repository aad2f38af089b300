// Choosing a file or folder on the host for a path param: a small folder browser over `files.list`. It
// works the same in a browser tab and in Electron, since the files live where the engine runs.
import { useEffect, useState } from 'react';
import type { FolderListing } from '../../shared/api/contract';
import { useApi } from '../api/api-context';
import { pathForParam } from '../lib/param-fields';
import { useDocument } from '../store/document-store';

/** The folder of a graph file path, POSIX or Windows. */
function folderOf(file: string | undefined): string | undefined {
  if (!file) return undefined;
  const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return cut > 0 ? file.slice(0, cut) : undefined;
}

interface Props {
  paramKey: string;
  onChoose(path: string): void;
  onClose(): void;
}

export function PathPicker({ paramKey, onChoose, onClose }: Props) {
  const api = useApi();
  // Browsing starts in the graph's folder (an example copy's too); a chosen path is written relative to it
  // only when the graph is a file of the user's, since a copy runs from $CONDENSE_HOME/outputs instead.
  const graphDir = folderOf(useDocument((s) => s.path));
  const ownDir = folderOf(useDocument((s) => s.saveTarget));
  const [listing, setListing] = useState<FolderListing>();
  const [error, setError] = useState<string>();

  const open = (dir: string | undefined) => {
    setError(undefined);
    api.call('files.list', dir === undefined ? {} : { dir }).then(setListing, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  useEffect(() => open(graphDir), [graphDir]);
  const choose = (absolute: string) => {
    onChoose(pathForParam(absolute, ownDir));
    onClose();
  };
  const join = (name: string) => `${listing!.dir.replace(/[\\/]$/, '')}/${name}`;

  return (
    <div className="path-picker" role="dialog" aria-label="Choose a file or folder" data-testid={`path-picker-${paramKey}`}>
      <div className="path-picker-head">
        <code className="path-picker-dir" data-testid="path-picker-dir">
          {listing?.dir ?? '…'}
        </code>
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      {error ? <div className="field-error">{error}</div> : null}
      <ul className="path-picker-list">
        {listing?.parent ? (
          <li>
            <button type="button" onClick={() => open(listing.parent)} data-testid="path-picker-up">
              ↑ ..
            </button>
          </li>
        ) : null}
        {listing?.entries.map((entry) => (
          <li key={entry.name}>
            <button
              type="button"
              className={`path-entry path-entry-${entry.kind}`}
              onClick={() => (entry.kind === 'folder' ? open(join(entry.name)) : choose(join(entry.name)))}
              data-testid={`path-entry-${entry.name}`}
            >
              {entry.kind === 'folder' ? '▸ ' : ''}
              {entry.name}
            </button>
          </li>
        ))}
      </ul>
      {listing ? (
        <button type="button" className="path-picker-use" onClick={() => choose(listing.dir)} data-testid="path-picker-use-folder">
          Use this folder
        </button>
      ) : null}
    </div>
  );
}

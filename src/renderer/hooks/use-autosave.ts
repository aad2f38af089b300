// Keeps the host's autosave in step with the open document (see lib/autosaver.ts for when it writes).
import { useEffect } from 'react';
import type { RendererApiClient } from '../api/api-client';
import { createAutosaver } from '../lib/autosaver';
import { useDocument, type DocumentState } from '../store/document-store';

export function useAutosave(api: RendererApiClient): void {
  useEffect(() => {
    const saver = createAutosaver({
      write: (document) => api.call('autosave.write', document),
      clear: () => api.call('autosave.clear', {}),
    });
    const update = (s: DocumentState) =>
      // A read-only file from a newer Condense cannot be saved over; its edits are not kept either.
      saver.update({ graph: s.graph, dirty: s.dirty && !s.readOnly, revision: s.revision, path: s.saveTarget ?? s.path });
    update(useDocument.getState());
    const unsubscribe = useDocument.subscribe(update);
    const onHide = () => saver.flush();
    window.addEventListener('pagehide', onHide);
    return () => {
      unsubscribe();
      window.removeEventListener('pagehide', onHide);
      saver.dispose();
    };
  }, [api]);
}

// Dropping a graph file anywhere on the window opens it (nodes dragged from the palette are the canvas's).
import { useEffect, useState } from 'react';
import type { EditorActions } from '../editor-actions';
import { isGraphFileName } from '../lib/file-access';
import { useUi } from '../store/ui-store';

/** Returns true while files are dragged over the window, for the drop hint. */
export function useFileDrop(actions: EditorActions): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      depth = 0;
      setOver(false);
      if (!hasFiles(e)) return;
      e.preventDefault();
      const file = [...(e.dataTransfer?.files ?? [])].find((f) => isGraphFileName(f.name));
      if (file) void actions.openFile(file);
      else useUi.getState().toast('Drop a .condense.json graph file to open it.', 'error');
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [actions]);
  return over;
}

// The examples gallery: every example graph the app ships, with what it shows, in one dialog.
import { useEffect } from 'react';
import { create } from 'zustand';
import { useActions } from '../editor-actions';
import { useCatalog } from '../store/catalog-store';

export const useGallery = create<{ open: boolean; setOpen(open: boolean): void }>()((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));

/** The example's file name without `.condense.json`: stable even when its display name changes. */
export function exampleIdOf(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.condense\.json$/, '');
}

export function ExamplesGallery() {
  const open = useGallery((s) => s.open);
  const setOpen = useGallery((s) => s.setOpen);
  const examples = useCatalog((s) => s.examples);
  const actions = useActions();
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, setOpen]);
  if (!open) return null;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && setOpen(false)}>
      <div className="dialog gallery" role="dialog" aria-modal aria-labelledby="gallery-title" data-testid="examples-gallery">
        <header className="dialog-header">
          <h2 id="gallery-title">Examples</h2>
          <button type="button" className="dialog-close" onClick={() => setOpen(false)} aria-label="Close" data-testid="gallery-close">
            ×
          </button>
        </header>
        {examples.length === 0 ? <p className="muted">No examples are installed.</p> : null}
        <ul className="gallery-grid">
          {examples.map((example) => (
            <li key={example.path}>
              <button
                type="button"
                className="gallery-card"
                onClick={() => {
                  setOpen(false);
                  void actions.openExample(example);
                }}
                data-testid={`gallery-${exampleIdOf(example.path)}`}
              >
                <strong>{example.name}</strong>
                <span>{example.description}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

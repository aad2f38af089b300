// The full view of a result image: a node shows a small preview (readable at a glance, never taller than
// its slot), and one click on it opens the image here at its own size or larger, with its name. Escape, a
// click outside or the close button shut it.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { ArtifactRef } from '../../shared/values';
import { ArtifactImage } from './artifact-image';

interface ViewerState {
  image?: ArtifactRef;
  show(image: ArtifactRef | undefined): void;
}

export const useImageViewer = create<ViewerState>()((set) => ({
  image: undefined,
  show: (image) => set({ image }),
}));

export function ImageViewer() {
  const image = useImageViewer((s) => s.image);
  const close = () => useImageViewer.getState().show(undefined);
  useEffect(() => {
    if (!image) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [image]);
  if (!image) return null;
  return (
    <div className="image-viewer-backdrop" onClick={close} data-testid="image-viewer">
      <figure className="image-viewer" role="dialog" aria-label={image.name} onClick={(e) => e.stopPropagation()}>
        <figcaption>
          <span>{image.name}</span>
          <button type="button" onClick={close} aria-label="Close" data-testid="image-viewer-close">
            ×
          </button>
        </figcaption>
        <ArtifactImage artifact={image} className="image-viewer-image" testId="image-viewer-image" />
      </figure>
    </div>
  );
}

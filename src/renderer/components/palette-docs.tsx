// The card a palette item shows on hover: the node's description and the first lines of its docs, beside the
// palette so it never covers the list being read.
import { useRef, useState } from 'react';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { docsExcerpt } from '../lib/node-search';
import { MarkdownView } from './markdown-view';

/** Long enough that sweeping the pointer across the list does not flash cards. */
const HOVER_DELAY_MS = 350;

export interface DocsHover {
  descriptor: NodeDescriptor;
  top: number;
  left: number;
}

export function usePaletteDocs() {
  const [hover, setHover] = useState<DocsHover>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const enter = (descriptor: NodeDescriptor, el: HTMLElement) => {
    clearTimeout(timer.current);
    const rect = el.getBoundingClientRect();
    timer.current = setTimeout(() => setHover({ descriptor, top: Math.max(8, rect.top), left: rect.right + 8 }), HOVER_DELAY_MS);
  };
  const leave = () => {
    clearTimeout(timer.current);
    setHover(undefined);
  };
  return { hover, enter, leave };
}

export function PaletteDocs({ hover }: { hover: DocsHover | undefined }) {
  if (!hover) return null;
  const { descriptor } = hover;
  const excerpt = docsExcerpt(descriptor);
  return (
    <div className="palette-docs" style={{ top: hover.top, left: hover.left }} role="tooltip" data-testid="palette-docs">
      <div className="palette-docs-title">{descriptor.title}</div>
      <div className="palette-docs-type">{descriptor.type}</div>
      <MarkdownView source={excerpt ? `${descriptor.description}\n\n${excerpt}` : descriptor.description} />
    </div>
  );
}

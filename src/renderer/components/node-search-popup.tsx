// The search popup on the canvas: opened by a double-click on empty canvas (the chosen node is added there) or
// by a wire dropped on empty canvas (only node types with a port the wire fits are listed, and the new node is
// wired). Arrow keys move, Enter adds, Escape closes.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useActions } from '../editor-actions';
import { searchNodes } from '../lib/node-search';
import { useCanvasUi, type NodeSearchRequest } from '../store/canvas-ui-store';
import { useCatalog } from '../store/catalog-store';
import { useHistory } from '../store/history-store';

const MAX_HITS = 12;
/** Where a wired node goes relative to the drop point: its input handles sit near the pointer. */
const NODE_OFFSET = { x: 10, y: 50 };
const NODE_WIDTH = 250;

const POPUP = { width: 300, height: 370 };

/** Opens at the point, or flipped left/up where the canvas has no room, so the list is never cut off. */
function placement(at: { x: number; y: number }): { left: number; top: number } {
  const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
  const width = rect?.width ?? Infinity;
  const height = rect?.height ?? Infinity;
  const left = at.x + POPUP.width > width ? Math.max(0, at.x - POPUP.width) : at.x;
  const top = at.y + POPUP.height > height ? Math.max(0, at.y - POPUP.height) : at.y;
  return { left, top };
}

function Popup({ request }: { request: NodeSearchRequest }) {
  const actions = useActions();
  const close = useCanvasUi((s) => s.closeSearch);
  const descriptors = useCatalog((s) => s.descriptors);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const hits = useMemo(() => searchNodes(descriptors, query, request.wire).slice(0, MAX_HITS), [descriptors, query, request.wire]);
  useEffect(() => setActive(0), [query]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) close();
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [close]);

  const pick = (index: number) => {
    const hit = hits[index];
    if (!hit) return;
    close();
    const wire = request.wire;
    // An output dropped here: the new node goes to the right with its input at the pointer; an input: to the left.
    const position = !wire
      ? request.flow
      : wire.side === 'source'
        ? { x: request.flow.x + NODE_OFFSET.x, y: request.flow.y - NODE_OFFSET.y }
        : { x: request.flow.x - NODE_WIDTH - NODE_OFFSET.x, y: request.flow.y - NODE_OFFSET.y };
    // Adding and wiring is one step for undo.
    const history = useHistory.getState();
    history.beginGesture();
    try {
      const id = actions.addNode(hit.descriptor.type, position);
      if (id && wire && hit.port) {
        if (wire.side === 'source') actions.connect({ node: wire.node, port: wire.port }, { node: id, port: hit.port });
        else actions.connect({ node: id, port: hit.port }, { node: wire.node, port: wire.port });
      }
    } finally {
      history.endGesture();
    }
  };

  return (
    <div className="node-search" ref={box} style={placement(request.at)} data-testid="node-search">
      <input
        className="node-search-input"
        autoFocus
        placeholder={request.wire ? `Add a node for ${request.wire.port} (${request.wire.spec.type})` : 'Add a node…'}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') (e.preventDefault(), setActive((a) => Math.min(hits.length - 1, a + 1)));
          else if (e.key === 'ArrowUp') (e.preventDefault(), setActive((a) => Math.max(0, a - 1)));
          else if (e.key === 'Enter') (e.preventDefault(), pick(active));
          else if (e.key === 'Escape') (e.preventDefault(), close());
        }}
        aria-label="Search node types"
        data-testid="node-search-input"
      />
      <ul className="node-search-list" role="listbox">
        {hits.map((hit, i) => (
          <li
            key={hit.descriptor.type}
            role="option"
            aria-selected={i === active}
            className={`node-search-item${i === active ? ' active' : ''}`}
            onMouseEnter={() => setActive(i)}
            onMouseDown={(e) => (e.preventDefault(), pick(i))}
            data-testid={`node-search-item-${hit.descriptor.type}`}
          >
            <span className="node-search-title">{hit.descriptor.title}</span>
            <span className="node-search-meta">
              {hit.port ? `→ ${hit.port} · ` : ''}
              {hit.descriptor.category}
            </span>
          </li>
        ))}
        {hits.length === 0 ? <li className="node-search-empty">{request.wire ? 'No node type takes this wire' : 'No node matches'}</li> : null}
      </ul>
    </div>
  );
}

export function NodeSearchPopup() {
  const request = useCanvasUi((s) => s.search);
  return request ? <Popup request={request} /> : null;
}

// The node palette: node types by category, filtered as you type. Click adds a node in view (the free spot
// nearest the middle), selected; dragging drops it where it lands.
import { useMemo, useState, type DragEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { useActions } from '../editor-actions';
import { useCatalog } from '../store/catalog-store';
import { matchesQuery } from '../lib/node-search';
import { freeSpotInView } from '../lib/placement';
import { NODE_TYPE_MIME } from './canvas';
import { PaletteDocs, usePaletteDocs } from './palette-docs';

/** The node width in styles.css (.condense-node), and the height of a new node with a few ports. */
const NODE_WIDTH = 250;
const NODE_HEIGHT = 160;

function groupByCategory(descriptors: NodeDescriptor[]): [string, NodeDescriptor[]][] {
  const groups = new Map<string, NodeDescriptor[]>();
  for (const d of descriptors) groups.set(d.category, [...(groups.get(d.category) ?? []), d]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, list]) => [category, [...list].sort((a, b) => a.title.localeCompare(b.title))]);
}

export function Palette() {
  const actions = useActions();
  const flow = useReactFlow();
  const descriptors = useCatalog((s) => s.descriptors);
  const loaded = useCatalog((s) => s.loaded);
  const [query, setQuery] = useState('');
  const docs = usePaletteDocs();
  const groups = useMemo(() => groupByCategory(descriptors.filter((d) => matchesQuery(d, query))), [descriptors, query]);

  const addAtCentre = (type: string) => {
    const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    if (!rect) {
      actions.addNode(type, { x: 0, y: 0 });
      return;
    }
    const topLeft = flow.screenToFlowPosition({ x: rect.left, y: rect.top });
    const bottomRight = flow.screenToFlowPosition({ x: rect.right, y: rect.bottom });
    const view = { x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x, height: bottomRight.y - topLeft.y };
    // Measured sizes where React Flow has them: nodes grow with their results.
    const taken = flow.getNodes().map((n) => ({ x: n.position.x, y: n.position.y, width: n.measured?.width ?? NODE_WIDTH, height: n.measured?.height ?? NODE_HEIGHT }));
    actions.addNode(type, freeSpotInView(view, { width: NODE_WIDTH, height: NODE_HEIGHT }, taken));
  };

  const onDragStart = (e: DragEvent, type: string) => {
    e.dataTransfer.setData(NODE_TYPE_MIME, type);
    e.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <aside className="palette" data-testid="palette">
      <input
        className="palette-search"
        type="search"
        placeholder="Search nodes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          const first = groups[0]?.[1][0];
          if (e.key === 'Enter' && first) addAtCentre(first.type);
        }}
        data-testid="palette-search"
        aria-label="Search nodes"
      />
      <div className="palette-list">
        {groups.map(([category, list]) => (
          <section key={category} className="palette-group">
            <h3>{category}</h3>
            {list.map((d) => (
              <button
                key={d.type}
                type="button"
                className="palette-item"
                draggable
                onDragStart={(e) => (docs.leave(), onDragStart(e, d.type))}
                onClick={() => addAtCentre(d.type)}
                onMouseEnter={(e) => docs.enter(d, e.currentTarget)}
                onMouseLeave={docs.leave}
                data-testid={`palette-item-${d.type}`}
              >
                <span className="palette-item-title">{d.title}</span>
                <span className="palette-item-desc">{d.description}</span>
              </button>
            ))}
          </section>
        ))}
        {loaded && groups.length === 0 ? <p className="muted">No node matches “{query}”.</p> : null}
        {!loaded ? <p className="muted">Loading node types…</p> : null}
      </div>
      <PaletteDocs hover={docs.hover} />
    </aside>
  );
}

// The graph canvas. React Flow draws; every change that matters to the document (add, wire, move, delete)
// goes through the editor actions, and the canvas re-derives its nodes and edges from the graph.
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent } from 'react';
import {
  Background,
  type FitViewOptions,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type Node,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { useActions } from '../editor-actions';
import { useCatalog } from '../store/catalog-store';
import { useDocument } from '../store/document-store';
import { useUi } from '../store/ui-store';
import { useCanvasUi } from '../store/canvas-ui-store';
import { useHistory } from '../store/history-store';
import { CondenseNode } from './condense-node';
import { flowEdgesOf, syncFlowNodes, type FlowNode } from './flow-nodes';
import { NodeContextMenu, openNodeMenu } from './node-context-menu';
import { annotationNodeTypes, isAnnotationId, useAnnotations } from './annotation-nodes';
import { NodeSearchPopup } from './node-search-popup';
import { CanvasTools } from './editing-tools';
import { dropEmptyGroups } from '../lib/canvas-edit';

const nodeTypes = { condense: CondenseNode, ...annotationNodeTypes };

/** The drag-and-drop payload from the palette. */
export const NODE_TYPE_MIME = 'application/x-condense-node-type';

const DELETE_KEYS = ['Delete', 'Backspace'];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];

/** The zoom at which node text (12 px) is still comfortably read; a newly opened graph starts no smaller. */
const READABLE_ZOOM = 0.8;

/**
 * Room kept around a fitted graph: the minimap (180 x 120 in the bottom-right corner, styles.css) must not
 * sit on the nodes' ports, so that side gets its width and height as padding.
 */
function fitPadding(minimap: boolean): NonNullable<FitViewOptions['padding']> {
  return minimap ? { top: '40px', left: '40px', right: '220px', bottom: '150px' } as const : { top: '40px', left: '40px', right: '40px', bottom: '40px' } as const;
}

export function Canvas() {
  const actions = useActions();
  const graph = useDocument((s) => s.graph);
  const generation = useDocument((s) => s.generation);
  const catalog = useCatalog((s) => s.byType);
  const select = useUi((s) => s.select);
  const selectedNodeId = useUi((s) => s.selectedNodeId);
  const flow = useReactFlow();
  const [nodes, setNodes] = useState<FlowNode[]>([]);
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());
  const initialized = useNodesInitialized();
  const framed = useRef(-1);
  const annotations = useAnnotations(nodes, setNodes);
  const allNodes = useMemo<Node[]>(() => [...annotations.annotationNodes, ...nodes], [annotations.annotationNodes, nodes]);
  const minimap = useCanvasUi((s) => s.minimap);
  const openSearch = useCanvasUi((s) => s.openSearch);

  useEffect(() => setNodes((prev) => syncFlowNodes(graph, prev)), [graph]);
  // A node selected from outside the canvas (just added, or picked in the run log) is selected here too.
  useEffect(() => {
    if (!selectedNodeId) return;
    setNodes((prev) =>
      prev.some((n) => Boolean(n.selected) !== (n.id === selectedNodeId)) ? prev.map((n) => ({ ...n, selected: n.id === selectedNodeId })) : prev,
    );
  }, [selectedNodeId, graph]);
  const edges = useMemo(() => flowEdgesOf(graph, catalog, selectedEdges), [graph, catalog, selectedEdges]);

  // A newly opened graph is framed once its nodes have a size: at its saved viewport, or fitted to the view.
  useEffect(() => {
    if (framed.current === generation || (!initialized && graph.nodes.length > 0)) return;
    framed.current = generation;
    const v = graph.ui.viewport;
    if (graph.nodes.length > 0 && v.x === 0 && v.y === 0 && v.zoom === 1) {
      void flow.fitView({ padding: fitPadding(minimap), maxZoom: 1 }).then(() => {
        // A wide pipeline fitted whole has unreadable text; open it readable at its start (the sources, on
        // the left) instead, with the rest a pan, the minimap or the Fit button away.
        if (flow.getZoom() >= READABLE_ZOOM) return;
        const bounds = flow.getNodesBounds(flow.getNodes());
        void flow.setViewport({ x: 40 - bounds.x * READABLE_ZOOM, y: 40 - bounds.y * READABLE_ZOOM, zoom: READABLE_ZOOM });
      });
    } else void flow.setViewport(v);
  }, [generation, initialized, graph, flow, minimap]);

  const onNodesChange = useCallback(
    (all: NodeChange<Node>[]) => {
      const changes = annotations.applyChanges(all);
      // Removal goes through onDelete so nodes and their wires leave the document in one edit.
      setNodes((prev) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), prev));
      const moved: Record<string, { x: number; y: number }> = {};
      for (const c of changes) if (c.type === 'position' && c.position && c.dragging === false) moved[c.id] = c.position;
      if (Object.keys(moved).length > 0) actions.move(moved);
    },
    [actions, annotations],
  );

  const onNodeDragStop = useCallback(
    (_: unknown, __: Node, dragged: Node[]) => {
      annotations.onDragStop(dragged);
      const moved = dragged.filter((n) => !isAnnotationId(n.id));
      if (moved.length > 0) actions.move(Object.fromEntries(moved.map((n) => [n.id, n.position])));
    },
    [actions, annotations],
  );

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((prev) => {
      const next = new Set(prev);
      for (const c of changes) if (c.type === 'select') (c.selected ? next.add(c.id) : next.delete(c.id));
      return next;
    });
  }, []);

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.sourceHandle || !c.targetHandle) return;
      actions.connect({ node: c.source, port: c.sourceHandle }, { node: c.target, port: c.targetHandle });
    },
    [actions],
  );

  const onDelete = useCallback(
    ({ nodes: gone, edges: cut }: { nodes: Node[]; edges: Edge[] }) => {
      // Deleting nodes, notes and wires together is one undo step.
      useHistory.getState().beginGesture();
      try {
        actions.remove(
          annotations.onDelete(gone.map((n) => n.id)),
          cut.map((e) => e.id),
        );
        useDocument.getState().edit(dropEmptyGroups);
      } finally {
        useHistory.getState().endGesture();
      }
      setSelectedEdges(new Set());
    },
    [actions, annotations],
  );

  const onSelectionChange = useCallback(
    ({ nodes: picked }: OnSelectionChangeParams) => {
      const graphNodes = picked.filter((n) => !isAnnotationId(n.id));
      select(graphNodes.length === 1 ? graphNodes[0].id : undefined);
    },
    [select],
  );

  /** Where a search popup opens: at the pointer, in the canvas element's own coordinates. */
  const searchAt = useCallback(
    (clientX: number, clientY: number) => {
      const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
      return {
        at: { x: clientX - (rect?.left ?? 0), y: clientY - (rect?.top ?? 0) },
        flow: flow.screenToFlowPosition({ x: clientX, y: clientY }),
      };
    },
    [flow],
  );

  const onDoubleClick = useCallback(
    (e: ReactMouseEvent) => {
      if (!(e.target as HTMLElement).classList.contains('react-flow__pane')) return;
      openSearch(searchAt(e.clientX, e.clientY));
    },
    [openSearch, searchAt],
  );

  // A wire dropped on empty canvas asks what to add there; the new node is wired to the wire's loose end.
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle?.id) return;
      if (!(event.target as HTMLElement | null)?.classList?.contains('react-flow__pane')) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      const descriptor = catalog.get(useDocument.getState().graph.nodes.find((n) => n.id === state.fromNode!.id)?.type ?? '');
      const side = state.fromHandle.type;
      const spec = side === 'source' ? descriptor?.outputs[state.fromHandle.id] : descriptor?.inputs[state.fromHandle.id];
      if (!spec) return;
      openSearch({ ...searchAt(point.clientX, point.clientY), wire: { side, spec, node: state.fromNode.id, port: state.fromHandle.id } });
    },
    [catalog, openSearch, searchAt],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(NODE_TYPE_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(NODE_TYPE_MIME);
      if (!type) return;
      e.preventDefault();
      actions.addNode(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [actions, flow],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop} onDoubleClick={onDoubleClick}>
      <ReactFlow<Node, Edge>
        nodes={allNodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        onSelectionChange={onSelectionChange}
        onNodeContextMenu={openNodeMenu}
        onlyRenderVisibleElements
        deleteKeyCode={DELETE_KEYS}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        selectionKeyCode="Shift"
        zoomOnDoubleClick={false}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} color="#d5d9e0" />
        <Controls showInteractive={false} fitViewOptions={{ padding: fitPadding(minimap), maxZoom: 1 }} />
        <CanvasTools />
        {minimap ? (
          <MiniMap
            position="bottom-right"
            pannable
            zoomable
            ariaLabel="Minimap"
            nodeColor={(n) => (isAnnotationId(n.id) ? 'transparent' : '#c5ccd6')}
            className="minimap"
            data-testid="minimap"
          />
        ) : null}
      </ReactFlow>
      <NodeSearchPopup />
      <NodeContextMenu />
      {graph.nodes.length === 0 ? (
        <div className="canvas-empty">Add nodes from the palette, or open an example.</div>
      ) : null}
    </div>
  );
}

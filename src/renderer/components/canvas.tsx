// The graph canvas. React Flow draws; every change that matters to the document (add, wire, move, delete)
// goes through the editor actions, and the canvas re-derives its nodes and edges from the graph.
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  Controls,
  ReactFlow,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { useActions } from '../editor-actions';
import { useCatalog } from '../store/catalog-store';
import { useDocument } from '../store/document-store';
import { useUi } from '../store/ui-store';
import { CondenseNode } from './condense-node';
import { flowEdgesOf, syncFlowNodes, type FlowNode } from './flow-nodes';

const nodeTypes = { condense: CondenseNode };

/** The drag-and-drop payload from the palette. */
export const NODE_TYPE_MIME = 'application/x-condense-node-type';

const DELETE_KEYS = ['Delete', 'Backspace'];

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
    if (graph.nodes.length > 0 && v.x === 0 && v.y === 0 && v.zoom === 1) void flow.fitView({ padding: 0.15, maxZoom: 1 });
    else void flow.setViewport(v);
  }, [generation, initialized, graph, flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      // Removal goes through onDelete so nodes and their wires leave the document in one edit.
      setNodes((prev) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), prev));
      const moved: Record<string, { x: number; y: number }> = {};
      for (const c of changes) if (c.type === 'position' && c.position && c.dragging === false) moved[c.id] = c.position;
      if (Object.keys(moved).length > 0) actions.move(moved);
    },
    [actions],
  );

  const onNodeDragStop = useCallback(
    (_: unknown, __: FlowNode, dragged: FlowNode[]) => {
      actions.move(Object.fromEntries(dragged.map((n) => [n.id, n.position])));
    },
    [actions],
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
    ({ nodes: gone, edges: cut }: { nodes: FlowNode[]; edges: Edge[] }) => {
      actions.remove(
        gone.map((n) => n.id),
        cut.map((e) => e.id),
      );
      setSelectedEdges(new Set());
    },
    [actions],
  );

  const onSelectionChange = useCallback(
    ({ nodes: picked }: OnSelectionChangeParams) => select(picked.length === 1 ? picked[0].id : undefined),
    [select],
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
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<FlowNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onDelete={onDelete}
        onSelectionChange={onSelectionChange}
        deleteKeyCode={DELETE_KEYS}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} color="#d5d9e0" />
        <Controls showInteractive={false} fitViewOptions={{ padding: 0.15, maxZoom: 1 }} />
      </ReactFlow>
      {graph.nodes.length === 0 ? (
        <div className="canvas-empty">Add nodes from the palette, or open an example.</div>
      ) : null}
    </div>
  );
}

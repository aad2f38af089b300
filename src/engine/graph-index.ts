// Pure graph queries shared by validation, planning and the scheduler: who feeds whom, topological order,
// cycles, ancestors. Edges that point at missing nodes are ignored here; validation reports them.
import type { Graph, GraphEdge } from '../shared/graph/schema';

export interface GraphIndex {
  /** Node ids in file order. */
  ids: string[];
  /** nodeId -> edges arriving at it. */
  incoming: Map<string, GraphEdge[]>;
  /** nodeId -> edges leaving it. */
  outgoing: Map<string, GraphEdge[]>;
}

export function indexGraph(graph: Graph): GraphIndex {
  const ids = graph.nodes.map((n) => n.id);
  const incoming = new Map<string, GraphEdge[]>(ids.map((id) => [id, []]));
  const outgoing = new Map<string, GraphEdge[]>(ids.map((id) => [id, []]));
  for (const edge of graph.edges) {
    if (!incoming.has(edge.to.node) || !outgoing.has(edge.from.node)) continue;
    incoming.get(edge.to.node)!.push(edge);
    outgoing.get(edge.from.node)!.push(edge);
  }
  return { ids, incoming, outgoing };
}

/** Distinct upstream node ids, in edge order. */
export function parentsOf(index: GraphIndex, nodeId: string): string[] {
  return [...new Set((index.incoming.get(nodeId) ?? []).map((e) => e.from.node))];
}

export function childrenOf(index: GraphIndex, nodeId: string): string[] {
  return [...new Set((index.outgoing.get(nodeId) ?? []).map((e) => e.to.node))];
}

/**
 * Kahn's algorithm, ties broken by file order so the result is stable. Nodes on a cycle (and everything
 * downstream of one) are left out of `order` and listed in `blocked`.
 */
export function topologicalOrder(index: GraphIndex, only?: Set<string>): { order: string[]; blocked: string[] } {
  const ids = only ? index.ids.filter((id) => only.has(id)) : index.ids;
  const position = new Map(ids.map((id, i) => [id, i]));
  const pending = new Map<string, number>();
  for (const id of ids) pending.set(id, parentsOf(index, id).filter((p) => position.has(p)).length);
  // A binary heap keyed by file position keeps this O(n log n) on large graphs.
  const heap: number[] = [];
  const push = (i: number) => {
    heap.push(i);
    let c = heap.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (heap[p] <= heap[c]) break;
      [heap[p], heap[c]] = [heap[c], heap[p]];
      c = p;
    }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === p) break;
        [heap[p], heap[m]] = [heap[m], heap[p]];
        p = m;
      }
    }
    return top;
  };
  for (const id of ids) if (pending.get(id) === 0) push(position.get(id)!);
  const order: string[] = [];
  while (heap.length) {
    const id = ids[pop()];
    order.push(id);
    for (const child of childrenOf(index, id)) {
      if (!position.has(child)) continue;
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) push(position.get(child)!);
    }
  }
  const placed = new Set(order);
  return { order, blocked: ids.filter((id) => !placed.has(id)) };
}

/** Strongly connected components that form cycles (Tarjan), each listed in a walkable order. */
export function findCycles(index: GraphIndex): string[][] {
  let counter = 0;
  const number = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  // Iterative to survive deep graphs without blowing the call stack.
  for (const root of index.ids) {
    if (number.has(root)) continue;
    const work: { id: string; children: string[]; next: number }[] = [];
    const enter = (id: string) => {
      number.set(id, counter);
      low.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      work.push({ id, children: childrenOf(index, id), next: 0 });
    };
    enter(root);
    while (work.length) {
      const frame = work[work.length - 1];
      if (frame.next < frame.children.length) {
        const child = frame.children[frame.next++];
        if (!number.has(child)) enter(child);
        else if (onStack.has(child)) low.set(frame.id, Math.min(low.get(frame.id)!, number.get(child)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === number.get(frame.id)) {
        const component: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          component.push(id);
        } while (id !== frame.id);
        const selfLoop = (index.outgoing.get(frame.id) ?? []).some((e) => e.to.node === frame.id);
        if (component.length > 1 || selfLoop) cycles.push(orderCycle(index, component));
      }
    }
  }
  return cycles;
}

/** Walks the component along its edges from its first node in file order, so the message reads as a loop. */
function orderCycle(index: GraphIndex, component: string[]): string[] {
  const members = new Set(component);
  const start = index.ids.find((id) => members.has(id))!;
  const path = [start];
  const seen = new Set(path);
  let current = start;
  for (;;) {
    const next = childrenOf(index, current).find((c) => members.has(c) && !seen.has(c));
    if (!next) break;
    path.push(next);
    seen.add(next);
    current = next;
  }
  for (const id of index.ids) if (members.has(id) && !seen.has(id)) path.push(id);
  return path;
}

/** The given nodes and everything upstream of them. */
export function ancestorsOf(index: GraphIndex, nodeIds: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = nodeIds.filter((id) => index.incoming.has(id));
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const parent of parentsOf(index, id)) if (!seen.has(parent)) stack.push(parent);
  }
  return seen;
}

/** Everything downstream of a node (not the node itself). */
export function descendantsOf(index: GraphIndex, nodeId: string): Set<string> {
  const seen = new Set<string>();
  const stack = childrenOf(index, nodeId);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...childrenOf(index, id));
  }
  return seen;
}

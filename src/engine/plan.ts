// Planning: which nodes a run executes and which it reads from the cache. Driven backwards from the
// requested sinks: a cached node stops the walk (its inputs are not needed), an uncached one pulls in its
// parents. Pure: graph shape and the cache's answer in, two ordered lists out.
import { parentsOf, type GraphIndex } from './graph-index';

export interface Plan {
  /** Nodes to execute, in topological order. */
  run: string[];
  /** Nodes whose cached outputs the run uses, in topological order. */
  cached: string[];
}

/**
 * @param order topological order of (at least) every ancestor of the sinks
 * @param isCached whether a node's outputs are in the cache under its current key
 */
export function planRun(index: GraphIndex, order: string[], sinks: string[], isCached: (nodeId: string) => boolean): Plan {
  const run = new Set<string>();
  const cached = new Set<string>();
  const stack = [...sinks];
  while (stack.length) {
    const id = stack.pop()!;
    if (run.has(id) || cached.has(id)) continue;
    if (isCached(id)) {
      cached.add(id);
      continue;
    }
    run.add(id);
    stack.push(...parentsOf(index, id));
  }
  return { run: order.filter((id) => run.has(id)), cached: order.filter((id) => cached.has(id)) };
}

import { CycleError, UnknownDependencyError } from './errors.js';
import type { GraphNode } from './types.js';

export interface GraphPlan {
  /** Nodes in an order where every in-graph parent comes before its children. */
  order: GraphNode[];
  /** Ids of existing jobs the graph depends on. */
  existingIds: number[];
}

/**
 * Checks a graph before anything touches the database: refs unique, every ref dependency known,
 * no cycle (the error names one, e.g. `a -> b -> a`), and returns a topological order.
 */
export function planGraph(nodes: readonly GraphNode[]): GraphPlan {
  const byRef = new Map<string, GraphNode>();
  for (const n of nodes) {
    if (byRef.has(n.ref)) throw new Error(`graph: duplicate ref ${n.ref}`);
    byRef.set(n.ref, n);
  }
  const existing = new Set<number>();
  for (const n of nodes) {
    for (const d of n.dependsOn ?? []) {
      if (typeof d === 'string') {
        if (!byRef.has(d)) throw new UnknownDependencyError(n.ref, `ref ${d}`);
      } else {
        if (!Number.isSafeInteger(d.jobId)) throw new UnknownDependencyError(n.ref, `job ${String(d.jobId)}`);
        existing.add(d.jobId);
      }
    }
  }
  // Depth-first search; a node met again while still on the stack closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const order: GraphNode[] = [];
  const stack: string[] = [];
  const visit = (ref: string): void => {
    const s = state.get(ref);
    if (s === 'done') return;
    if (s === 'open') {
      const from = stack.indexOf(ref);
      throw new CycleError([...stack.slice(from), ref]);
    }
    state.set(ref, 'open');
    stack.push(ref);
    const node = byRef.get(ref) as GraphNode;
    for (const d of node.dependsOn ?? []) if (typeof d === 'string') visit(d);
    stack.pop();
    state.set(ref, 'done');
    order.push(node);
  };
  for (const n of nodes) visit(n.ref);
  return { order, existingIds: [...existing] };
}

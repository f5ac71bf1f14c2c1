import type { Executor } from '../db/client.js';
import { findByIdempotencyKeys, insertJobs, lockJobStates, type NewEdge, type NewJob } from '../db/jobs/index.js';
import { UnknownDependencyError } from './errors.js';
import { planGraph } from './graph.js';
import type { GraphNode, GraphResult, Job, JobState } from './types.js';

type NodeStatus = { kind: 'existing'; job: Job } | { kind: 'new'; blocked: boolean };

const PARENT_FAILED: ReadonlySet<JobState> = new Set(['dead', 'discarded', 'blocked']);

/**
 * Enqueues a DAG inside `tx`: validates it (cycles, unknown refs) before any write, share-locks
 * the existing jobs it depends on, computes each new node's pending-parent count and state
 * (ready / waiting / blocked when an ancestor already failed), inserts the jobs and their edges
 * in one statement.
 * A node whose idempotency key already exists resolves to that job and gets no new edges.
 */
export async function enqueueGraphIn(tx: Executor, nodes: readonly GraphNode[]): Promise<GraphResult> {
  const plan = planGraph(nodes);
  const existing = await lockJobStates(tx, plan.existingIds);
  for (const n of nodes) {
    for (const d of n.dependsOn ?? []) {
      if (typeof d !== 'string' && !existing.has(d.jobId)) throw new UnknownDependencyError(n.ref, `job ${d.jobId}`);
    }
  }
  const keyed = plan.order.filter((n) => n.idempotencyKey !== undefined);
  const hits = await findByIdempotencyKeys(
    tx,
    keyed.map((n) => ({ queue: n.queue, key: n.idempotencyKey as string })),
  );
  const hitFor = (n: GraphNode) => hits.find((j) => j.queue === n.queue && j.idempotencyKey === n.idempotencyKey);

  const status = new Map<string, NodeStatus>();
  const fresh: Array<{ node: GraphNode; row: NewJob }> = [];
  for (const node of plan.order) {
    const hit = node.idempotencyKey !== undefined ? hitFor(node) : undefined;
    if (hit) {
      status.set(node.ref, { kind: 'existing', job: hit });
      continue;
    }
    let pending = 0;
    let blocked = false;
    for (const dep of uniqueDeps(node)) {
      const parentState = typeof dep === 'string' ? stateOf(status.get(dep)) : (existing.get(dep.jobId) as JobState);
      if (parentState === 'succeeded') continue;
      pending++;
      if (PARENT_FAILED.has(parentState) || (typeof dep === 'string' && isBlockedNew(status.get(dep)))) blocked = true;
    }
    status.set(node.ref, { kind: 'new', blocked });
    fresh.push({
      node,
      row: {
        queue: node.queue,
        payload: node.payload,
        priority: node.priority,
        runAt: node.runAt,
        maxAttempts: node.maxAttempts,
        idempotencyKey: node.idempotencyKey,
        groupId: node.groupId,
        state: blocked ? 'blocked' : pending > 0 ? 'waiting' : 'ready',
        pendingParents: pending,
        parentCount: uniqueDeps(node).length,
      },
    });
  }

  // Edges travel with the rows: a parent is a new row's position, or an existing job's id.
  const position = new Map(fresh.map((f, i) => [f.node.ref, i]));
  const edges: NewEdge[] = [];
  fresh.forEach(({ node }, child) => {
    for (const dep of uniqueDeps(node)) {
      if (typeof dep !== 'string') {
        edges.push({ child, parent: null, parentJobId: dep.jobId });
        continue;
      }
      const parent = position.get(dep);
      const s = status.get(dep);
      if (parent !== undefined) edges.push({ child, parent, parentJobId: null });
      else if (s?.kind === 'existing') edges.push({ child, parent: null, parentJobId: s.job.id });
      else throw new Error(`enqueueGraph: ${node.ref} depends on ${dep}, neither new nor existing (bug in planning)`);
    }
  });
  const outcomes = await insertJobs(
    tx,
    fresh.map((f) => f.row),
    edges,
  );
  const jobs: Record<string, Job> = {};
  for (const [ref, s] of status) if (s.kind === 'existing') jobs[ref] = s.job;
  fresh.forEach((f, i) => {
    const o = outcomes[i];
    if (!o || !o.created) {
      throw new Error(`enqueueGraph: idempotency key ${String(f.node.idempotencyKey)} on ${f.node.queue} was enqueued concurrently; retry`);
    }
    jobs[f.node.ref] = o.job;
  });
  return { jobs };
}

function uniqueDeps(node: GraphNode): Array<string | { jobId: number }> {
  const seen = new Set<string>();
  const out: Array<string | { jobId: number }> = [];
  for (const d of node.dependsOn ?? []) {
    const key = typeof d === 'string' ? `r:${d}` : `j:${d.jobId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function stateOf(s: NodeStatus | undefined): JobState {
  if (!s) throw new Error('enqueueGraph: parent visited after child (bug in topological order)');
  return s.kind === 'existing' ? s.job.state : 'waiting';
}

function isBlockedNew(s: NodeStatus | undefined): boolean {
  return s?.kind === 'new' && s.blocked;
}

/** An unclaimed job a worker has heard is ready: what its heap orders by. */
export interface Candidate {
  id: number;
  priority: number;
  runAt: number;
}

export interface Wake {
  /** Jobs itemised in the payload that belong to the worker's queues. */
  items: Candidate[];
  /** The payload counted more jobs than it itemised: the worker should claim blindly. */
  untracked: boolean;
  /** Earliest run_at (ms) among the jobs the payload describes. */
  earliest: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Reads a `quizforge_jobs` NOTIFY payload (built by readyNotify in src/db/jobs/rows.ts). Returns
 * null when it concerns none of `queues` or is malformed: a hint may be dropped, polling covers it.
 */
export function parseWake(payload: string, queues: readonly string[]): Wake | null {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const { q, at, j } = doc as { q?: unknown; at?: unknown; j?: unknown };
  if (!Array.isArray(q) || !q.some((name) => typeof name === 'string' && queues.includes(name))) return null;
  const items: Candidate[] = [];
  if (Array.isArray(j)) {
    for (const entry of j) {
      if (!Array.isArray(entry)) continue;
      const [id, priority, runAt, queue] = entry as unknown[];
      if (isNum(id) && isNum(priority) && isNum(runAt) && typeof queue === 'string' && queues.includes(queue)) {
        items.push({ id, priority, runAt });
      }
    }
  }
  return { items, untracked: !Array.isArray(j), earliest: isNum(at) ? at : Date.now() };
}

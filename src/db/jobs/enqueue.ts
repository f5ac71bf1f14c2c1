import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job, JobState } from './types.js';
import { queryRows, toInt, toStr } from '../rows.js';
import { eventsFrom, jsonParam, readyNotify, toJob } from './rows.js';

/** One row to insert; `state`/`pendingParents` are decided by the engine (DAG), default ready. */
export interface NewJob {
  queue: string;
  payload: unknown;
  priority?: number | undefined;
  runAt?: Date | undefined;
  maxAttempts?: number | undefined;
  idempotencyKey?: string | undefined;
  groupId?: string | undefined;
  state?: 'ready' | 'waiting' | 'blocked';
  pendingParents?: number;
  /** Number of parents (DAG edges inserted for this job), pending or not. */
  parentCount?: number;
}

/** Per input row, in input order: the inserted job, or the existing job its idempotency key hit. */
export type InsertOutcome = { created: true; job: Job } | { created: false; job: Job };

/**
 * Inserts many jobs in one statement (rows travel as one jsonb parameter) with their
 * `job.enqueued` events, ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING; conflicting rows are then
 * read back. Ids are drawn from the sequence before the insert so results map to inputs exactly.
 */
export async function insertJobs(ex: Executor, rows: readonly NewJob[]): Promise<InsertOutcome[]> {
  if (rows.length === 0) return [];
  const input = rows.map((r, i) => ({
    ord: i,
    queue: r.queue,
    payload: r.payload === undefined ? null : r.payload,
    priority: r.priority ?? 0,
    run_at: r.runAt ? r.runAt.toISOString() : null,
    max_attempts: r.maxAttempts ?? 5,
    idempotency_key: r.idempotencyKey ?? null,
    group_id: r.groupId ?? null,
    state: r.state ?? 'ready',
    pending_parents: r.pendingParents ?? 0,
    parent_count: r.parentCount ?? 0,
  }));
  const inserted = await queryRows(
    ex,
    sql`WITH input AS MATERIALIZED (
          SELECT t.*, nextval('jobs_id_seq') AS new_id
          FROM jsonb_to_recordset(${jsonParam(input)}) AS t(
            ord integer, queue text, payload jsonb, priority integer, run_at timestamptz, max_attempts integer,
            idempotency_key text, group_id text, state text, pending_parents integer, parent_count integer)
          ORDER BY t.ord
        ), ins AS (
          INSERT INTO jobs (id, queue, payload, priority, run_at, state, max_attempts, idempotency_key,
                            group_id, pending_parents, parent_count)
          SELECT new_id, queue, coalesce(payload, 'null'::jsonb), priority, coalesce(run_at, now()), state,
                 max_attempts, idempotency_key, group_id, pending_parents, parent_count
          FROM input ORDER BY ord
          ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
          RETURNING *
        ), ev AS (${eventsFrom('ins', 'job.enqueued', sql`'runAt', e.run_at, 'priority', e.priority`)})
        SELECT input.ord, ins.*, ${readyNotify('ins')} AS _wake
        FROM ins JOIN input ON input.new_id = ins.id`,
  );
  const out = new Array<InsertOutcome | undefined>(rows.length);
  for (const r of inserted) out[toInt(r.ord, 'ord')] = { created: true, job: toJob(r) };
  const missing = input.filter((r) => out[r.ord] === undefined);
  if (missing.length > 0) {
    const existing = await queryRows(
      ex,
      sql`SELECT j.* FROM jobs j
          JOIN jsonb_to_recordset(${jsonParam(missing.map((m) => ({ queue: m.queue, key: m.idempotency_key })))})
            AS k(queue text, key text) ON j.queue = k.queue AND j.idempotency_key = k.key`,
    );
    const byKey = new Map(existing.map((r) => [`${toStr(r.queue, 'queue')}\u0000${toStr(r.idempotency_key, 'key')}`, r]));
    for (const m of missing) {
      const row = byKey.get(`${m.queue}\u0000${m.idempotency_key ?? ''}`);
      // Only a key conflict skips a row; the conflicting row must exist unless a concurrent
      // transaction inserted it and is not visible to this one (e.g. REPEATABLE READ callers).
      if (!row) throw new Error(`enqueue: idempotency key ${String(m.idempotency_key)} on ${m.queue} conflicted but is not visible`);
      out[m.ord] = { created: false, job: toJob(row) };
    }
  }
  return out.map((o, i) => {
    if (!o) throw new Error(`enqueue: no outcome for row ${i}`);
    return o;
  });
}

/** Inserts DAG edges (child runs after parent); both ends must exist. */
export async function insertEdges(ex: Executor, edges: ReadonlyArray<{ jobId: number; parentId: number }>): Promise<void> {
  if (edges.length === 0) return;
  await queryRows(
    ex,
    sql`INSERT INTO job_dependencies (job_id, parent_id)
        SELECT e.job_id, e.parent_id
        FROM jsonb_to_recordset(${jsonParam(edges.map((e) => ({ job_id: e.jobId, parent_id: e.parentId })))})
          AS e(job_id bigint, parent_id bigint)
        ON CONFLICT DO NOTHING`,
  );
}

/**
 * Reads and share-locks existing jobs a new graph depends on, so none of them can change state
 * (succeed, die) between this read and the commit that adds the edges.
 */
export async function lockJobStates(ex: Executor, ids: readonly number[]): Promise<Map<number, JobState>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows(
    ex,
    sql`SELECT j.id, j.state FROM jobs j
        WHERE j.id IN (SELECT (jsonb_array_elements_text(${jsonParam(ids)}))::bigint)
        ORDER BY j.id FOR SHARE`,
  );
  return new Map(rows.map((r) => [toInt(r.id, 'id'), toStr(r.state, 'state') as JobState]));
}

/** Existing jobs for (queue, idempotency key) pairs, share-locked (graph enqueue pre-check). */
export async function findByIdempotencyKeys(
  ex: Executor,
  keys: ReadonlyArray<{ queue: string; key: string }>,
): Promise<Job[]> {
  if (keys.length === 0) return [];
  const rows = await queryRows(
    ex,
    sql`SELECT j.* FROM jobs j
        JOIN jsonb_to_recordset(${jsonParam(keys)}) AS k(queue text, key text)
          ON j.queue = k.queue AND j.idempotency_key = k.key
        ORDER BY j.id FOR SHARE OF j`,
  );
  return rows.map(toJob);
}

import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toInt, toStr } from '../rows.js';

/** Job states with work still to do: a batch holding one is not deleted (cancel it first). */
export const ACTIVE_JOB_STATES = ['waiting', 'ready', 'running'] as const;

/** What one purge removed, by table (questions and job_dependencies go by FK cascade, uncounted). */
export interface PurgeCounts {
  batches: number;
  jobs: number;
  modelCalls: number;
  events: number;
}

const activeList = sql.join(
  ACTIVE_JOB_STATES.map((s) => sql`${s}`),
  sql`, `,
);

/**
 * Deletes the batches `ids` and everything derived from them in one statement: model_calls (by
 * batch and by job), the group's job_events, its jobs (job_dependencies cascade) and the batch
 * rows (questions cascade). Sources are separate documents and stay. The caller has locked the
 * jobs (see deleteBatch / purgeFinishedBatches) so no worker claims one meanwhile.
 */
async function purge(ex: Executor, ids: readonly string[]): Promise<PurgeCounts> {
  const idArray = sql`${`{${ids.map((id) => JSON.stringify(id)).join(',')}}`}::text[]`;
  const row = await queryOne(
    ex,
    sql`WITH j AS (SELECT id FROM jobs WHERE group_id = ANY(${idArray})),
        mc AS (DELETE FROM model_calls WHERE batch_id = ANY(${idArray}) OR job_id IN (SELECT id FROM j) RETURNING 1),
        ev AS (DELETE FROM job_events WHERE group_id = ANY(${idArray}) RETURNING 1),
        dj AS (DELETE FROM jobs WHERE id IN (SELECT id FROM j) RETURNING 1),
        db AS (DELETE FROM batches WHERE id = ANY(${idArray}) RETURNING 1)
        SELECT (SELECT count(*) FROM db)::int AS batches, (SELECT count(*) FROM dj)::int AS jobs,
               (SELECT count(*) FROM mc)::int AS model_calls, (SELECT count(*) FROM ev)::int AS events`,
  );
  if (!row) throw new Error('purge returned no row');
  return {
    batches: toInt(row.batches, 'batches'),
    jobs: toInt(row.jobs, 'jobs'),
    modelCalls: toInt(row.model_calls, 'model_calls'),
    events: toInt(row.events, 'events'),
  };
}

/**
 * One batch and everything derived from it; run inside a transaction. Locks the batch's jobs first
 * (completions lock jobs, then touch the batch: the same order), refuses while one is waiting, ready
 * or running, and otherwise purges. A claim skips locked rows, so none starts meanwhile.
 */
export async function deleteBatch(
  tx: Executor,
  id: string,
): Promise<{ outcome: 'deleted'; counts: PurgeCounts } | { outcome: 'not_found' } | { outcome: 'active'; active: number }> {
  const jobs = await queryRows(tx, sql`SELECT state FROM jobs WHERE group_id = ${id} ORDER BY id FOR UPDATE`);
  const active = jobs.filter((j) => (ACTIVE_JOB_STATES as readonly string[]).includes(toStr(j.state, 'jobs.state'))).length;
  if (!(await queryOne(tx, sql`SELECT 1 FROM batches WHERE id = ${id} FOR UPDATE`))) return { outcome: 'not_found' };
  if (active > 0) return { outcome: 'active', active };
  return { outcome: 'deleted', counts: await purge(tx, [id]) };
}

/**
 * Retention: up to `limit` batches last changed before `before` with no job left to run, purged in
 * the caller's transaction. Batches (and their jobs) another transaction holds are skipped, not
 * waited for. No ORDER BY: batches.updated_at has no index, and without a sort the scan stops at
 * `limit` matches instead of reading the whole table every round. Returns what was removed; call
 * again while `batches === limit`.
 */
export async function purgeFinishedBatches(ex: Executor, params: { before: Date; limit: number }): Promise<PurgeCounts> {
  const rows = await queryRows(
    ex,
    sql`SELECT b.id FROM batches b
        WHERE b.updated_at < ${params.before.toISOString()}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.group_id = b.id AND j.state IN (${activeList}))
        LIMIT ${params.limit} FOR UPDATE OF b SKIP LOCKED`,
  );
  const ids = rows.map((r) => toStr(r.id, 'batches.id'));
  if (ids.length === 0) return { batches: 0, jobs: 0, modelCalls: 0, events: 0 };
  // Lock the jobs too, re-checking: a DLQ replay may have revived one since the select above.
  const idArray = sql`${`{${ids.map((id) => JSON.stringify(id)).join(',')}}`}::text[]`;
  const revived = await queryRows(
    ex,
    sql`SELECT DISTINCT group_id FROM (SELECT group_id, state FROM jobs WHERE group_id = ANY(${idArray}) FOR UPDATE) l
        WHERE state IN (${activeList})`,
  );
  const skip = new Set(revived.map((r) => toStr(r.group_id, 'jobs.group_id')));
  const keep = ids.filter((id) => !skip.has(id));
  return keep.length === 0 ? { batches: 0, jobs: 0, modelCalls: 0, events: 0 } : purge(ex, keep);
}

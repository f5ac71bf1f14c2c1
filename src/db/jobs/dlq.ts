import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job, JobState } from './types.js';
import { queryOne, queryRows, toStr } from '../rows.js';
import { eventsFrom, jsonParam, readyNotify, toJob } from './rows.js';

/** Keyset position in the DLQ: finished_at as PostgreSQL prints it (full precision) and id. */
export interface DeadCursor {
  finishedAt: string;
  id: number;
}

/**
 * Dead jobs newest first (finished_at desc, id desc), after `cursor`; `limit + 1` rows tell if more
 * exist. `where` is an extra condition on `j` from another query of this boundary (a tenant's DLQ).
 */
export async function listDead(
  ex: Executor,
  p: { cursor: DeadCursor | null; limit: number; groupId?: string | undefined; where?: SQL },
): Promise<Array<{ job: Job; position: DeadCursor }>> {
  const after = p.cursor
    ? sql`AND (j.finished_at, j.id) < (${p.cursor.finishedAt}::timestamptz, ${p.cursor.id}::bigint)`
    : sql``;
  const group = p.groupId !== undefined ? sql`AND j.group_id = ${p.groupId}` : sql``;
  const rows = await queryRows(
    ex,
    sql`SELECT j.*, j.finished_at::text AS finished_at_text FROM jobs j
        WHERE j.state = 'dead' ${after} ${group} ${p.where ?? sql``}
        ORDER BY j.finished_at DESC, j.id DESC
        LIMIT ${p.limit}`,
  );
  return rows.map((r) => {
    const job = toJob(r);
    return { job, position: { finishedAt: toStr(r.finished_at_text, 'finished_at'), id: job.id } };
  });
}

/** The job if it is dead, else null (the DLQ only shows dead jobs). */
export async function getDead(ex: Executor, id: number): Promise<Job | null> {
  const row = await queryOne(ex, sql`SELECT * FROM jobs WHERE id = ${id} AND state = 'dead'`);
  return row ? toJob(row) : null;
}

/** Current state of a job, or null if it does not exist (to explain a refused DLQ operation). */
export async function jobState(ex: Executor, id: number): Promise<JobState | null> {
  const row = await queryOne(ex, sql`SELECT state FROM jobs WHERE id = ${id}`);
  return row ? (toStr(row.state, 'state') as JobState) : null;
}

/**
 * Dead → ready with fresh attempts (attempt 0), optionally a corrected payload and attempt budget;
 * history is kept. `job.replayed` event and a wake-up. Null when the job is not dead.
 */
export async function replayDead(
  ex: Executor,
  p: { id: number; payload?: unknown; maxAttempts?: number | undefined },
): Promise<Job | null> {
  const hasPayload = p.payload !== undefined;
  const row = await queryOne(
    ex,
    sql`WITH upd AS (
          UPDATE jobs j
          SET state = 'ready', attempt = 0,
              payload = CASE WHEN ${hasPayload} THEN ${jsonParam(hasPayload ? p.payload : null)} ELSE j.payload END,
              max_attempts = coalesce(${p.maxAttempts ?? null}::integer, j.max_attempts),
              run_at = now(), dead_reason = NULL, finished_at = NULL,
              lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
          WHERE j.id = ${p.id} AND j.state = 'dead'
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.replayed', sql`'payloadChanged', ${hasPayload}::boolean`)})
        SELECT u.*, ${readyNotify('upd')} AS _wake FROM upd u`,
  );
  return row ? toJob(row) : null;
}

/**
 * After a replay: blocked descendants of `id` go back to `waiting` unless another ancestor of
 * theirs is still dead or discarded. Their pending_parents counters were never decremented for the
 * failed ancestor, so they become ready through the normal path once it succeeds.
 */
export async function unblockDescendants(ex: Executor, id: number): Promise<Job[]> {
  const rows = await queryRows(
    ex,
    sql`WITH RECURSIVE down(id) AS (
          SELECT d.job_id FROM job_dependencies d WHERE d.parent_id = ${id}
          UNION
          SELECT d.job_id FROM job_dependencies d JOIN down ON d.parent_id = down.id
        ), up(start, anc) AS (
          SELECT d.job_id, d.parent_id FROM job_dependencies d WHERE d.job_id IN (SELECT id FROM down)
          UNION
          SELECT up.start, d.parent_id FROM up JOIN job_dependencies d ON d.job_id = up.anc
        ), still AS (
          SELECT DISTINCT up.start FROM up JOIN jobs a ON a.id = up.anc WHERE a.state IN ('dead', 'discarded')
        ), upd AS (
          UPDATE jobs j SET state = 'waiting', updated_at = now()
          WHERE j.id IN (SELECT id FROM down) AND j.id NOT IN (SELECT start FROM still) AND j.state = 'blocked'
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.unblocked', sql`'replayed', ${id}::bigint`)})
        SELECT u.* FROM upd u ORDER BY u.id`,
  );
  return rows.map(toJob);
}

/** Dead → discarded (kept for the record, never run). `job.discarded` event. Null when not dead. */
export async function discardDead(ex: Executor, id: number): Promise<Job | null> {
  const row = await queryOne(
    ex,
    sql`WITH upd AS (
          UPDATE jobs j SET state = 'discarded', updated_at = now()
          WHERE j.id = ${id} AND j.state = 'dead'
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.discarded')})
        SELECT u.* FROM upd u`,
  );
  return row ? toJob(row) : null;
}

/**
 * Dead → succeeded with `result` (a person supplied what the handler could not), fenced on
 * `state = 'dead'`: `job.succeeded` with `'by', 'dlq_accept'`. Null when the job is not dead.
 * The caller then runs unblockDescendants and releaseChildrenOf in the same transaction.
 */
export async function completeDead(ex: Executor, p: { id: number; result: unknown }): Promise<Job | null> {
  const row = await queryOne(
    ex,
    sql`WITH upd AS (
          UPDATE jobs j
          SET state = 'succeeded', result = ${jsonParam(p.result ?? null)}, dead_reason = NULL,
              finished_at = now(), lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
          WHERE j.id = ${p.id} AND j.state = 'dead'
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.succeeded', sql`'by', 'dlq_accept'`)})
        SELECT u.* FROM upd u`,
  );
  return row ? toJob(row) : null;
}

/**
 * Releases the children of a job that just succeeded outside the completion statement (a DLQ
 * accept): their pending_parents counters drop, the runnable ones become ready, with `job.ready`
 * events and a NOTIFY. Returns the children it touched.
 */
export async function releaseChildrenOf(ex: Executor, id: number): Promise<Job[]> {
  const rows = await queryRows(
    ex,
    sql`WITH released AS MATERIALIZED (SELECT * FROM qf_release_children(ARRAY[${id}::bigint])),
        ev AS (${eventsFrom('released', 'job.ready', sql`'reason', 'parents_succeeded'`, sql`e.state = 'ready'`)})
        SELECT j.*, ${readyNotify('released')} AS _wake FROM jobs j WHERE j.id IN (SELECT id FROM released) ORDER BY j.id`,
  );
  return rows.map(toJob);
}

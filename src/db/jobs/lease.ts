import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job } from './types.js';
import { queryRows, toDate, toInt } from '../rows.js';
import { eventsFrom, insertEvents, jsonParam, readyNotify, textArrayParam, toJob } from './rows.js';

export interface LeaseRef {
  id: number;
  leaseToken: string;
}

const leaseInput = (items: readonly LeaseRef[]) =>
  sql`SELECT * FROM jsonb_to_recordset(${jsonParam(items.map((i) => ({ id: i.id, token: i.leaseToken })))}) AS t(id bigint, token uuid)`;

/**
 * Extends the leases of jobs a worker still holds, fenced per row; one statement for all of them.
 * Returns the new expiry of each lease that was extended: a missing id means the lease was lost.
 */
export async function extendLeases(ex: Executor, items: readonly LeaseRef[], leaseMs: number): Promise<Map<number, Date>> {
  if (items.length === 0) return new Map();
  const rows = await queryRows(
    ex,
    sql`WITH input AS (${leaseInput(items)})
        UPDATE jobs j
        SET lease_expires_at = now() + make_interval(secs => ${leaseMs}::double precision / 1000)
        FROM input i
        WHERE j.id = i.id AND j.state = 'running' AND j.lease_token = i.token
        RETURNING j.id, j.lease_expires_at`,
  );
  return new Map(rows.map((r) => [toInt(r.id, 'id'), toDate(r.lease_expires_at, 'lease_expires_at')]));
}

/**
 * Gives held jobs back (worker shutdown, or claimed but never started): fenced per row, back to
 * ready with the attempt returned (the interruption is not the job's fault), a 'released' entry in
 * the history, `job.released` events and a wake-up for other workers. Returns the released jobs.
 */
export async function releaseJobs(ex: Executor, items: readonly LeaseRef[], workerId: string): Promise<Job[]> {
  if (items.length === 0) return [];
  const rows = await queryRows(
    ex,
    sql`WITH input AS (${leaseInput(items)}), upd AS (
          UPDATE jobs j
          SET state = 'ready', attempt = greatest(j.attempt - 1, 0), run_at = now(),
              errors = j.errors || jsonb_build_array(jsonb_build_object(
                'attempt', j.attempt, 'at', to_jsonb(now()), 'outcome', 'released', 'error', NULL, 'worker', ${workerId}::text)),
              lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
          FROM input i
          WHERE j.id = i.id AND j.state = 'running' AND j.lease_token = i.token
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.released', sql`'workerId', ${workerId}::text`)})
        SELECT u.*, ${readyNotify('upd')} AS _wake FROM upd u ORDER BY u.id`,
  );
  return rows.map(toJob);
}

export interface ReapResult {
  /** Jobs whose lease expired with attempts left: ready again. */
  requeued: Job[];
  /** Jobs whose lease expired on their last attempt: dead with reason `lease_expired`. */
  dead: Job[];
}

/**
 * Returns running jobs whose lease expired to ready, or to dead (`lease_expired`) when that was
 * their last attempt, recording the lost attempt in the history (`job.lease_expired`, and
 * `job.dead`). SKIP LOCKED: a job being completed right now is left to its completion.
 * The caller blocks dead jobs' descendants in the same transaction.
 */
export async function reapExpired(ex: Executor, p: { queues?: readonly string[] | undefined; limit: number }): Promise<ReapResult> {
  const queueFilter = p.queues
    ? sql`AND j.queue = ANY(${textArrayParam(p.queues)})`
    : sql``;
  const rows = await queryRows(
    ex,
    sql`WITH expired AS (
          SELECT j.id FROM jobs j
          WHERE j.state = 'running' AND j.lease_expires_at < now() ${queueFilter}
          ORDER BY j.lease_expires_at
          LIMIT ${p.limit}
          FOR UPDATE SKIP LOCKED
        ), upd AS (
          UPDATE jobs j
          SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'dead' ELSE 'ready' END,
              dead_reason = CASE WHEN j.attempt >= j.max_attempts THEN 'lease_expired' END,
              finished_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
              run_at = CASE WHEN j.attempt >= j.max_attempts THEN j.run_at ELSE now() END,
              last_error = jsonb_build_object('name', 'LeaseExpired',
                'message', 'lease expired (held by ' || coalesce(j.locked_by, 'unknown') || ')'),
              errors = j.errors || jsonb_build_array(jsonb_build_object(
                'attempt', j.attempt, 'at', to_jsonb(now()), 'outcome', 'lease_expired',
                'error', jsonb_build_object('name', 'LeaseExpired',
                  'message', 'lease expired (held by ' || coalesce(j.locked_by, 'unknown') || ')'),
                'worker', j.locked_by)),
              lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
          FROM expired e WHERE j.id = e.id
          RETURNING j.*
        ), ev AS (${insertEvents(
          { cte: 'upd', type: 'job.lease_expired' },
          { cte: 'upd', type: 'job.dead', extra: sql`'reason', e.dead_reason, 'error', e.last_error`, where: sql`e.state = 'dead'` },
        )})
        SELECT u.*, ${readyNotify('upd')} AS _wake FROM upd u ORDER BY u.id`,
  );
  const jobs = rows.map(toJob);
  return { requeued: jobs.filter((j) => j.state === 'ready'), dead: jobs.filter((j) => j.state === 'dead') };
}

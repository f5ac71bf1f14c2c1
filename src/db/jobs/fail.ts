import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job, JobError } from './types.js';
import { queryOne, queryRows } from '../rows.js';
import { eventsFrom, jsonParam, readyNotify, toJob } from './rows.js';

/** What one failed attempt turns into; decided in one place (src/engine/backoff.ts). */
export type FailTransition =
  | { kind: 'retry'; delayMs: number; error: JobError }
  | { kind: 'dead'; reason: string; error: JobError }
  /** Not a failure: back to ready after the delay, the attempt given back, no error written. */
  | { kind: 'snooze'; delayMs: number };

export interface FailParams {
  id: number;
  leaseToken: string;
  workerId: string;
  transition: Exclude<FailTransition, { kind: 'snooze' }>;
}

/**
 * Releases a running job until now()+delay without spending its attempt (the claim bumped it;
 * this gives it back) and without an error entry (`job.snoozed`). Fenced by the lease like every
 * transition; null when the lease was lost.
 */
export async function snoozeJob(ex: Executor, p: { id: number; leaseToken: string; delayMs: number }): Promise<Job | null> {
  const row = await queryOne(
    ex,
    sql`WITH upd AS (
          UPDATE jobs j
          SET state = 'ready', attempt = greatest(j.attempt - 1, 0),
              run_at = now() + make_interval(secs => ${p.delayMs}::double precision / 1000),
              lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, updated_at = now()
          WHERE j.id = ${p.id} AND j.state = 'running' AND j.lease_token = ${p.leaseToken}::uuid
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.snoozed', sql`'runAt', e.run_at`)})
        SELECT u.*, ${readyNotify('upd')} AS _wake FROM upd u`,
  );
  return row ? toJob(row) : null;
}

/**
 * Applies a failed attempt, fenced by the lease: back to ready at now()+delay (`job.retry_scheduled`)
 * or dead with its reason (`job.dead`); the error becomes last_error and is appended to the
 * attempt history. Returns null when the fence did not let it through (lease lost).
 * A dead job's descendants must then be blocked in the same transaction (blockDescendants).
 */
export async function failJob(ex: Executor, p: FailParams): Promise<Job | null> {
  const t = p.transition;
  const dead = t.kind === 'dead';
  const row = await queryOne(
    ex,
    sql`WITH upd AS (
          UPDATE jobs j
          SET state = ${dead ? 'dead' : 'ready'},
              run_at = CASE WHEN ${dead} THEN j.run_at
                            ELSE now() + make_interval(secs => ${t.kind === 'retry' ? t.delayMs : 0}::double precision / 1000) END,
              dead_reason = ${dead ? t.reason : null},
              last_error = ${jsonParam(t.error)},
              errors = j.errors || jsonb_build_array(jsonb_build_object(
                'attempt', j.attempt, 'at', to_jsonb(now()), 'outcome', ${dead ? 'dead' : 'retry'}::text,
                'error', ${jsonParam(t.error)}, 'worker', ${p.workerId}::text)),
              lease_token = NULL, lease_expires_at = NULL, locked_by = NULL,
              finished_at = CASE WHEN ${dead} THEN now() ELSE NULL END, updated_at = now()
          WHERE j.id = ${p.id} AND j.state = 'running' AND j.lease_token = ${p.leaseToken}::uuid
          RETURNING j.*
        ), ev AS (${eventsFrom(
          'upd',
          dead ? 'job.dead' : 'job.retry_scheduled',
          sql`'runAt', e.run_at, 'reason', e.dead_reason, 'error', e.last_error`,
        )})
        SELECT u.*, ${readyNotify('upd')} AS _wake FROM upd u`,
  );
  return row ? toJob(row) : null;
}

/**
 * Marks every transitive descendant of `deadIds` that has not run (`waiting`) as `blocked`, with a
 * `job.blocked` event naming the dead ancestor. A separate statement from the one that killed the
 * parent, so its snapshot includes children added by graph enqueues that committed meanwhile.
 */
export async function blockDescendants(ex: Executor, deadIds: readonly number[]): Promise<Job[]> {
  if (deadIds.length === 0) return [];
  const rows = await queryRows(
    ex,
    sql`WITH RECURSIVE roots AS (
          SELECT (jsonb_array_elements_text(${jsonParam(deadIds)}))::bigint AS id
        ), down(id, root) AS (
          SELECT d.job_id, d.parent_id FROM job_dependencies d JOIN roots r ON d.parent_id = r.id
          UNION
          SELECT d.job_id, down.root FROM job_dependencies d JOIN down ON d.parent_id = down.id
        ), target AS (
          SELECT id, min(root) AS root FROM down GROUP BY id
        ), upd AS (
          UPDATE jobs j SET state = 'blocked', updated_at = now()
          FROM target t WHERE j.id = t.id AND j.state = 'waiting'
          RETURNING j.*, t.root AS blocked_by
        ), ev AS (${eventsFrom('upd', 'job.blocked', sql`'blockedBy', e.blocked_by`)})
        SELECT u.* FROM upd u ORDER BY u.id`,
  );
  return rows.map(toJob);
}

import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job } from './types.js';
import { queryRows, toInt } from '../rows.js';
import { insertEvents, jsonParam, readyNotify, toJob } from './rows.js';

export interface Completion {
  id: number;
  leaseToken: string;
  result: unknown;
}

/**
 * Marks jobs succeeded in one statement, each row fenced by `state = 'running' AND lease_token`.
 * In the same statement: `job.succeeded` events, children released through qf_release_children
 * (fresh snapshot, see drizzle/0003), `job.ready` events for children that became runnable, and
 * a NOTIFY for them. Returns the jobs the fence let through; the others lost their lease.
 * The winning lease token stays on the row so an ambiguous commit can be confirmed later.
 */
export async function completeJobs(ex: Executor, items: readonly Completion[]): Promise<Job[]> {
  if (items.length === 0) return [];
  const rows = await queryRows(ex, completionStatement(items, sql`d.*`));
  return rows.map(toJob);
}

/** The same statement for the worker's batcher, which needs only to know which rows applied. */
export async function completeJobIds(ex: Executor, items: readonly Completion[]): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const rows = await queryRows(ex, completionStatement(items, sql`d.id`), { prepare: 'qf_complete' });
  return new Set(rows.map((r) => toInt(r.id, 'id')));
}

function completionStatement(items: readonly Completion[], columns: SQL): SQL {
  const input = items.map((c) => ({ id: c.id, token: c.leaseToken, result: c.result === undefined ? null : c.result }));
  return sql`WITH input AS (
          SELECT * FROM jsonb_to_recordset(${jsonParam(input)}) AS t(id bigint, token uuid, result jsonb)
        ), done AS (
          UPDATE jobs j
          SET state = 'succeeded', result = i.result, lease_expires_at = NULL,
              finished_at = now(), updated_at = now()
          FROM input i
          WHERE j.id = i.id AND j.state = 'running' AND j.lease_token = i.token
          RETURNING j.*
        ), released AS MATERIALIZED (
          SELECT * FROM qf_release_children(ARRAY(SELECT id FROM done))
        ), ev AS (${insertEvents(
          { cte: 'done', type: 'job.succeeded' },
          { cte: 'released', type: 'job.ready', extra: sql`'reason', 'parents_succeeded'`, where: sql`e.state = 'ready'` },
        )})
        SELECT ${columns}, ${readyNotify('released')} AS _wake FROM done d ORDER BY d.id`;
}

/**
 * After an error whose commit status is unknown (connection lost mid-commit), tells which of these
 * completions did commit: they are succeeded and still carry the lease token that won.
 */
export async function confirmCompleted(ex: Executor, items: readonly Completion[]): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const rows = await queryRows(
    ex,
    sql`SELECT j.id FROM jobs j
        JOIN jsonb_to_recordset(${jsonParam(items.map((c) => ({ id: c.id, token: c.leaseToken })))}) AS i(id bigint, token uuid)
          ON j.id = i.id AND j.lease_token = i.token
        WHERE j.state = 'succeeded'`,
  );
  return new Set(rows.map((r) => toInt(r.id, 'id')));
}

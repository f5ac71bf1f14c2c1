import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job } from './types.js';
import { queryOne, queryRows, toInt } from '../rows.js';
import { insertEvents, intArrayParam, jsonParam, readyNotify, textArrayParam, toJob } from './rows.js';

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
  const rows = await queryRows(ex, completionStatement(items, sql`j.*`, sql`SELECT d.*, ${readyNotify('released')} AS _wake FROM done d ORDER BY d.id`));
  return rows.map(toJob);
}

/** The same statement for the worker's batcher, which needs only to know which rows applied (one json array back). */
export async function completeJobIds(ex: Executor, items: readonly Completion[]): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const row = await queryOne(
    ex,
    completionStatement(
      items,
      sql`j.id, j.group_id, j.queue, j.state, j.attempt`,
      sql`SELECT json_agg(d.id) AS ids, ${readyNotify('released')} AS _wake FROM done d`,
    ),
    { prepare: 'qf_complete' },
  );
  const ids = row?.ids ?? [];
  if (!Array.isArray(ids)) throw new Error('database boundary: completed ids are not an array');
  return new Set(ids.map((id) => toInt(id, 'id')));
}

/**
 * The input travels as arrays, not a jsonb list of objects: ids, each item's index into the
 * distinct lease tokens (a batch holds the jobs of a claim or two, so a handful of tokens), and
 * the results only when some job returned one. That is about a tenth of the bytes, and
 * unnest is cheaper for the server than jsonb_to_recordset.
 */
/** `returning`: the succeeded rows' columns the output needs (the events need id, group_id, queue, state, attempt). */
function completionStatement(items: readonly Completion[], returning: SQL, output: SQL): SQL {
  const tokens: string[] = [];
  const tokenIndex = new Map<string, number>();
  const slots: number[] = [];
  let anyResult = false;
  for (const c of items) {
    let k = tokenIndex.get(c.leaseToken);
    if (k === undefined) {
      k = tokens.push(c.leaseToken);
      tokenIndex.set(c.leaseToken, k);
    }
    slots.push(k);
    if (c.result !== undefined && c.result !== null) anyResult = true;
  }
  const results = anyResult ? jsonParam(items.map((c) => (c.result === undefined ? null : c.result))) : sql`NULL::jsonb`;
  return sql`WITH input AS (
          SELECT i.id, (${textArrayParam(tokens)}::uuid[])[i.slot] AS token, ${results} -> (i.n::integer - 1) AS result
          FROM unnest(${intArrayParam(items.map((c) => c.id))}::bigint[], ${intArrayParam(slots)}::integer[])
            WITH ORDINALITY AS i(id, slot, n)
        ), done AS (
          UPDATE jobs j
          SET state = 'succeeded', result = i.result, lease_expires_at = NULL,
              finished_at = now(), updated_at = now()
          FROM input i
          WHERE j.id = i.id AND j.state = 'running' AND j.lease_token = i.token
          RETURNING ${returning}
        ), released AS MATERIALIZED (
          SELECT * FROM qf_release_children(ARRAY(SELECT id FROM done))
        ), ev AS (${insertEvents(
          { cte: 'done', type: 'job.succeeded' },
          { cte: 'released', type: 'job.ready', extra: sql`'reason', 'parents_succeeded'`, where: sql`e.state = 'ready'` },
        )})
        ${output}`;
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

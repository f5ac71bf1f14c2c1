import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job } from './types.js';
import { HotStatement, queryRows, toInt } from '../rows.js';
import { insertEvents, jsonParam, readyNotify, toJob } from './rows.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const v = completionValues(items);
  return (await COMPLETE_ROWS(v).rows(ex, v)).map(toJob);
}

/** The same statement for the worker's batcher, which needs only to know which rows applied (one json array back). */
export async function completeJobIds(ex: Executor, items: readonly Completion[]): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const v = completionValues(items);
  const row = await COMPLETE_IDS(v).one(ex, v);
  const ids = row?.ids ?? [];
  if (!Array.isArray(ids)) throw new Error('database boundary: completed ids are not an array');
  return new Set(ids.map((id) => toInt(id, 'id')));
}

/** The values completionStatement binds (a type, not an interface: it must be a plain record). */
type CompletionValues = { ids: string; tokens: string; slots: string; results?: string };

/**
 * The input is small and read per row by key, never joined: the ids as an array, the distinct
 * lease tokens (a batch holds the jobs of a claim or two) with a jsonb object from id to its
 * token's position, and, only when some job returned one, the results as a jsonb object by id.
 * About a tenth of the bytes of a jsonb list of objects, and cheaper to read.
 */
function completionValues(items: readonly Completion[]): CompletionValues {
  const tokens: string[] = [];
  const tokenIndex = new Map<string, number>();
  const ids: number[] = [];
  // The id -> token slot object is written as text directly: ids are integers (checked) and
  // slots are small integers, so there is nothing to escape, and a batch of 500 skips building
  // and serialising an object with 500 keys.
  const slotPairs: string[] = [];
  const results: Record<string, unknown> = {};
  let anyResult = false;
  for (const c of items) {
    if (!Number.isSafeInteger(c.id)) throw new Error(`completion: job id ${c.id} is not an integer`);
    let k = tokenIndex.get(c.leaseToken);
    if (k === undefined) {
      if (!UUID.test(c.leaseToken)) throw new Error(`completion: malformed lease token for job ${c.id}`);
      k = tokens.push(c.leaseToken);
      tokenIndex.set(c.leaseToken, k);
    }
    ids.push(c.id);
    slotPairs.push(`"${c.id}":${k}`);
    if (c.result !== undefined && c.result !== null) {
      results[String(c.id)] = c.result;
      anyResult = true;
    }
  }
  return {
    ids: `{${ids.join(',')}}`,
    tokens: `{${tokens.join(',')}}`,
    slots: `{${slotPairs.join(',')}}`,
    ...(anyResult ? { results: JSON.stringify(results) } : {}),
  };
}

/**
 * Marks the jobs of completionValues succeeded; built once per output shape and per "are there
 * results" (see HotStatement).
 *
 * The plan must not depend on row estimates: the statement is prepared, and its generic plan
 * guesses 10 input rows. A join with the input planned for 10 rows became a nested loop that
 * rescanned the input for every job (35 ms for 500). So the jobs are found by primary key
 * through an array from a subquery (the planner always takes that for small, so it never
 * prefers a sequential scan), the fence is checked per row against its token, and the state test
 * is spelled so that the running-lease partial index cannot serve it (with statistics from when
 * the batch was ready, the planner read every running job of every worker through that index to
 * update a few hundred: 4.4 of 8 ms at 1,000 running).
 * `returning`: the succeeded rows' columns the output needs (the events need id, group_id,
 * queue, state, attempt).
 */
function completionStatement(withResults: boolean, returning: SQL, output: SQL): SQL {
  const resultOf = withResults ? sql`${sql.placeholder('results')}::jsonb -> j.id::text` : sql`NULL::jsonb`;
  return sql`WITH done AS (
          UPDATE jobs j
          SET state = 'succeeded', result = ${resultOf}, lease_expires_at = NULL,
              finished_at = now(), updated_at = now()
          WHERE j.id = ANY(ARRAY(SELECT unnest(${sql.placeholder('ids')}::bigint[])))
            AND j.lease_token = (${sql.placeholder('tokens')}::uuid[])[(${sql.placeholder('slots')}::jsonb ->> j.id::text)::integer]
            AND j.state IS NOT DISTINCT FROM 'running'
          RETURNING ${returning}
        ), released AS MATERIALIZED (
          SELECT * FROM qf_release_children(ARRAY(SELECT id FROM done))
        ), ev AS (${insertEvents(
          { cte: 'done', type: 'job.succeeded' },
          { cte: 'released', type: 'job.ready', extra: sql`'reason', 'parents_succeeded'`, where: sql`e.state = 'ready'` },
        )})
        ${output}`;
}

/** Both variants of a completion statement (no job result to store, or some), and the choice for given values. */
function byResults(make: (withResults: boolean) => HotStatement): (v: CompletionValues) => HotStatement {
  const plain = make(false);
  const withResults = make(true);
  return (v) => (v.results === undefined ? plain : withResults);
}

/** Full succeeded rows, for engine.completeJob and the effects transaction. */
const COMPLETE_ROWS = byResults(
  (withResults) =>
    new HotStatement(
      completionStatement(withResults, sql`j.*`, sql`SELECT d.*, ${readyNotify('released')} AS _wake FROM done d ORDER BY d.id`),
    ),
);

/** Only the ids that applied, as prepared statements for the worker's batcher. */
const COMPLETE_IDS = byResults(
  (withResults) =>
    new HotStatement(
      completionStatement(
        withResults,
        sql`j.id, j.group_id, j.queue, j.state, j.attempt`,
        sql`SELECT json_agg(d.id) AS ids, ${readyNotify('released')} AS _wake FROM done d`,
      ),
      { prepare: 'qf_complete' },
    ),
);

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

import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job, JobState } from './types.js';
import { HotStatement, queryRows, toDate, toInt, toStr } from '../rows.js';
import { EVENTS_CHANNEL, insertEvents, jsonParam, readyNotify, toJob } from './rows.js';

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

/**
 * A DAG edge written with the jobs (insertJobs): the child at input position `child` runs after
 * the row at position `parent`, or, with `parent` null, after the existing job `parentJobId`.
 */
export type NewEdge = { child: number; parent: number; parentJobId: null } | { child: number; parent: null; parentJobId: number };

/** Per input row, in input order: the inserted job, or the existing job its idempotency key hit. */
export type InsertOutcome = { created: true; job: Job } | { created: false; job: Job };

/**
 * Inserts many jobs in one statement with their `job.enqueued` events and NOTIFYs, ON CONFLICT
 * (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING; conflicting rows are
 * then read back. Ids are drawn from the sequence before the insert so results map to inputs.
 *
 * Shaped for bulk loads (bench/RESULTS.md, "Enqueue"): the rows travel as ONE jsonb array of
 * positional arrays, the statement is built once and prepared (HotStatement), and it returns one
 * row: the drawn ids in input order, the ids actually inserted only when some key conflicted, and
 * `now()`. Every other column of a new row is known here (the input, or a column default), so the
 * Jobs are built in JS instead of sending 20 columns of every row back through the driver's type
 * parsers (that was a third of a 20,000-job enqueue's wall time).
 */
export async function insertJobs(ex: Executor, rows: readonly NewJob[], edges?: readonly NewEdge[]): Promise<InsertOutcome[]> {
  if (rows.length === 0) return [];
  const input = rows.map((r) => [
    r.queue,
    r.payload === undefined ? null : r.payload,
    r.priority ?? 0,
    r.runAt ? r.runAt.toISOString() : null,
    r.maxAttempts ?? 5,
    r.idempotencyKey ?? null,
    r.groupId ?? null,
    r.state ?? 'ready',
    r.pendingParents ?? 0,
    r.parentCount ?? 0,
  ]);
  const text = JSON.stringify(input);
  const row = edges && edges.length > 0
    ? await INSERT_GRAPH.one(ex, { rows: text, edges: JSON.stringify(edges.map((e) => [e.child, e.parent, e.parentJobId])) })
    : await INSERT_JOBS.one(ex, { rows: text });
  const ids = toIdList(row?.ids, 'ids');
  if (ids.length !== rows.length) throw new Error(`enqueue: ${ids.length} ids for ${rows.length} rows`);
  const inserted = row?.inserted === null || row?.inserted === undefined ? null : new Set(toIdList(row.inserted, 'inserted'));
  const now = toDate(row?.now, 'now');
  // The payloads as stored: what a jsonb round trip of the caller's value gives back.
  const stored = JSON.parse(text) as unknown[][];
  const out = new Array<InsertOutcome | undefined>(rows.length);
  const missing: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const id = ids[i] as number;
    if (inserted !== null && !inserted.has(id)) {
      missing.push(i);
      continue;
    }
    const r = rows[i] as NewJob;
    out[i] = { created: true, job: newJob(id, r, (stored[i] as unknown[])[1], now) };
  }
  if (missing.length > 0) {
    const keys = missing.map((i) => ({ queue: (rows[i] as NewJob).queue, key: (rows[i] as NewJob).idempotencyKey ?? null }));
    const existing = await queryRows(
      ex,
      sql`SELECT j.* FROM jobs j
          JOIN jsonb_to_recordset(${jsonParam(keys)}) AS k(queue text, key text) ON j.queue = k.queue AND j.idempotency_key = k.key`,
    );
    const byKey = new Map(existing.map((r) => [`${toStr(r.queue, 'queue')}\u0000${toStr(r.idempotency_key, 'key')}`, r]));
    for (const i of missing) {
      const m = rows[i] as NewJob;
      const found = byKey.get(`${m.queue}\u0000${m.idempotencyKey ?? ''}`);
      // Only a key conflict skips a row; the conflicting row must exist unless a concurrent
      // transaction inserted it and is not visible to this one (e.g. REPEATABLE READ callers).
      if (!found) throw new Error(`enqueue: idempotency key ${String(m.idempotencyKey)} on ${m.queue} conflicted but is not visible`);
      out[i] = { created: false, job: toJob(found) };
    }
  }
  return out.map((o, i) => {
    if (!o) throw new Error(`enqueue: no outcome for row ${i}`);
    return o;
  });
}

/** A job exactly as INSERT_JOBS wrote it: the input, the column defaults, and the statement's now(). */
function newJob(id: number, r: NewJob, payload: unknown, now: Date): Job {
  return {
    id,
    queue: r.queue,
    payload,
    priority: r.priority ?? 0,
    runAt: r.runAt ? new Date(r.runAt.getTime()) : new Date(now.getTime()),
    state: r.state ?? 'ready',
    attempt: 0,
    maxAttempts: r.maxAttempts ?? 5,
    groupId: r.groupId ?? null,
    idempotencyKey: r.idempotencyKey ?? null,
    lastError: null,
    errors: [],
    deadReason: null,
    result: null,
    createdAt: new Date(now.getTime()),
    updatedAt: new Date(now.getTime()),
    finishedAt: null,
  };
}

function toIdList(value: unknown, column: string): number[] {
  if (!Array.isArray(value)) throw new Error(`database boundary: ${column} is not an array`);
  return value.map((v) => toInt(v, column));
}

/**
 * The bulk insert, built once. `input` is materialized so nextval runs once per row, in array
 * order. It NOTIFYs readers of the events it wrote itself: the jobs NOTIFY already holds
 * PostgreSQL's NOTIFY lock through this commit, so a second channel costs nothing there, and the
 * caller is spared the separate NOTIFY transaction that other statements' events get
 * (EventNotifier); a producer enqueueing one job at a time ran one per job. The `job.enqueued` data is `{ runAt, priority }`; for the usual row (due now, priority 0)
 * it is one document built once per statement instead of once per row (timestamptz output was
 * most of the event rows' cost).
 */
function insertJobsStatement(edges: SQL): SQL {
  return sql`WITH input AS MATERIALIZED (
        SELECT nextval('jobs_id_seq') AS new_id, r.ord, r.e->>0 AS queue, r.e->1 AS payload, (r.e->>2)::integer AS priority,
               (r.e->>3)::timestamptz AS run_at, (r.e->>4)::integer AS max_attempts, r.e->>5 AS idempotency_key,
               r.e->>6 AS group_id, r.e->>7 AS state, (r.e->>8)::integer AS pending_parents, (r.e->>9)::integer AS parent_count
        FROM jsonb_array_elements(${sql.placeholder('rows')}::jsonb) WITH ORDINALITY AS r(e, ord)
      ), ins AS (
        INSERT INTO jobs (id, queue, payload, priority, run_at, state, max_attempts, idempotency_key,
                          group_id, pending_parents, parent_count)
        SELECT new_id, queue, payload, priority, coalesce(run_at, now()), state,
               max_attempts, idempotency_key, group_id, pending_parents, parent_count
        FROM input
        ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, queue, priority, run_at, state, attempt, group_id
      ), ev AS (${insertEvents({
        cte: 'ins',
        type: 'job.enqueued',
        doc: sql`CASE WHEN e.priority = 0 AND e.run_at = now() THEN (SELECT jsonb_build_object('runAt', now(), 'priority', 0))
                      ELSE jsonb_build_object('runAt', e.run_at, 'priority', e.priority) END`,
      })})${edges}
      SELECT (SELECT json_agg(new_id ORDER BY ord) FROM input) AS ids,
             CASE WHEN (SELECT count(*) FROM ins) < (SELECT count(*) FROM input) THEN (SELECT coalesce(json_agg(id), '[]') FROM ins) END AS inserted,
             now() AS now, ${readyNotify('ins')} AS _wake,
             (SELECT pg_notify(${EVENTS_CHANNEL}, '') FROM ins HAVING count(*) > 0) AS _events_wake`;
}

const INSERT_JOBS = new HotStatement(insertJobsStatement(sql``), { prepare: 'qf_enqueue' });

/**
 * The same insert with a DAG's edges: `[child, parent, parentJobId]` per edge, child and parent
 * as 0-based input positions (parent null for an existing job, named by parentJobId). An edge
 * is written only when its new rows were inserted (a row lost to a key conflict gets none).
 */
const INSERT_GRAPH = new HotStatement(
  insertJobsStatement(
    sql`, dep AS (
          INSERT INTO job_dependencies (job_id, parent_id)
          SELECT c.id, coalesce(p.id, (x.e->>2)::bigint)
          FROM jsonb_array_elements(${sql.placeholder('edges')}::jsonb) AS x(e)
          JOIN input ci ON ci.ord = (x.e->>0)::bigint + 1
          JOIN ins c ON c.id = ci.new_id
          LEFT JOIN input pi ON pi.ord = (x.e->>1)::bigint + 1
          LEFT JOIN ins p ON p.id = pi.new_id
          WHERE x.e->1 = 'null'::jsonb OR p.id IS NOT NULL
          ON CONFLICT DO NOTHING
        )`,
  ),
  { prepare: 'qf_enqueue_graph' },
);

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

import { sql, type SQL } from 'drizzle-orm';
import type { AttemptRecord, ClaimedJob, ClaimedRow, EngineEvent, Job, JobError, JobState, ParentResult } from './types.js';
import { toDate, toDateOrNull, toInt, toJson, toStr, toStrOrNull } from '../rows.js';

/**
 * Row → domain conversion for the engine tables, done once here so that no caller ever sees a
 * driver's idea of a bigint, a timestamp or a jsonb value.
 */

type Row = Record<string, unknown>;

const STATES: ReadonlySet<string> = new Set<JobState>([
  'waiting',
  'ready',
  'running',
  'succeeded',
  'dead',
  'blocked',
  'discarded',
  'cancelled',
]);

/** The channel workers LISTEN on for "jobs became ready" hints. */
export const JOBS_CHANNEL = 'quizforge_jobs';
/** The channel SSE readers LISTEN on: "new events, read after your cursor" (see notifyEvents). */
export const EVENTS_CHANNEL = 'quizforge_events';

export function toState(value: unknown): JobState {
  const s = toStr(value, 'state');
  if (!STATES.has(s)) throw new Error(`database boundary: unknown job state ${s}`);
  return s as JobState;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** jsonb error documents are written by this module, so a malformed one is a bug: fail loudly. */
export function toJobError(value: unknown): JobError | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value) || typeof value.message !== 'string') {
    throw new Error(`database boundary: malformed job error ${JSON.stringify(value)}`);
  }
  const err: JobError = { message: value.message };
  if (typeof value.name === 'string') err.name = value.name;
  if ('details' in value && value.details !== undefined && value.details !== null) err.details = value.details;
  return err;
}

function toAttempts(value: unknown): AttemptRecord[] {
  if (!Array.isArray(value)) throw new Error('database boundary: jobs.errors is not an array');
  return value.map((entry: unknown): AttemptRecord => {
    if (!isObject(entry)) throw new Error('database boundary: malformed attempt record');
    const outcome = entry.outcome;
    if (outcome !== 'retry' && outcome !== 'dead' && outcome !== 'lease_expired' && outcome !== 'released') {
      throw new Error(`database boundary: unknown attempt outcome ${String(outcome)}`);
    }
    return {
      attempt: toInt(entry.attempt, 'errors.attempt'),
      at: toStr(entry.at, 'errors.at'),
      outcome,
      error: toJobError(entry.error),
      worker: toStrOrNull(entry.worker, 'errors.worker'),
    };
  });
}

/** Converts a `jobs` row (all columns) into the domain Job. */
export function toJob(r: Row): Job {
  return {
    id: toInt(r.id, 'id'),
    queue: toStr(r.queue, 'queue'),
    payload: toJson(r.payload),
    priority: toInt(r.priority, 'priority'),
    runAt: toDate(r.run_at, 'run_at'),
    state: toState(r.state),
    attempt: toInt(r.attempt, 'attempt'),
    maxAttempts: toInt(r.max_attempts, 'max_attempts'),
    groupId: toStrOrNull(r.group_id, 'group_id'),
    idempotencyKey: toStrOrNull(r.idempotency_key, 'idempotency_key'),
    lastError: toJobError(r.last_error),
    errors: toAttempts(r.errors),
    deadReason: toStrOrNull(r.dead_reason, 'dead_reason'),
    result: toJson(r.result),
    createdAt: toDate(r.created_at, 'created_at'),
    updatedAt: toDate(r.updated_at, 'updated_at'),
    finishedAt: toDateOrNull(r.finished_at, 'finished_at'),
  };
}

/**
 * `expr` (a timestamptz) as epoch milliseconds in a json document: a number the boundary turns
 * into a Date without parsing text. Truncated to the millisecond, as the drivers' own Dates are.
 *
 * `extract` is exact but numeric, and numeric arithmetic was 2 % of a drain's database
 * instructions for two timestamps a job. `date_part` is float8: seconds since 1970 with an error
 * under half an ulp (2^-22 s before 2038, 2^-21 s before 2106), so times 10^6 it is within
 * 0.49 µs of the true microsecond count and rounds to it exactly; the milliseconds then follow
 * without error. Outside 1970-2100 the exact numeric path is taken.
 */
export function epochMs(expr: SQL): SQL {
  return sql`CASE WHEN ${expr} >= '1970-01-01 00:00:00+00' AND ${expr} < '2100-01-01 00:00:00+00'
    THEN floor(round(date_part('epoch', ${expr}) * 1000000) / 1000)
    ELSE floor(extract(epoch FROM ${expr}) * 1000)::float8 END`;
}

function msToDate(value: unknown, column: string): Date {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`database boundary: ${column} is not epoch milliseconds: ${String(value)}`);
  }
  return new Date(value);
}

/**
 * The job columns a claim sends back, in the order of each job's json array (its parents come
 * last); the statement (claimJobs) and the decoder (toClaimedBatch) both read this one list.
 */
export const CLAIMED_COLUMNS = [
  'id',
  'queue',
  'payload',
  'priority',
  'run_at',
  'state',
  'attempt',
  'max_attempts',
  'group_id',
  'idempotency_key',
  'last_error',
  'errors',
  'dead_reason',
  'result',
  'created_at',
  'finished_at',
] as const;

/** Timestamps travel as epoch ms (see epochMs), so the decoder needs no text parsing. */
const CLAIMED_TIMES: ReadonlySet<string> = new Set(['run_at', 'created_at', 'finished_at']);

/** CLAIMED_COLUMNS of CTE alias `alias` as json_build_array arguments, times as epoch ms. */
export function claimedColumns(alias: string): SQL {
  return sql.join(
    CLAIMED_COLUMNS.map((c) => (CLAIMED_TIMES.has(c) ? epochMs(sql.raw(`${alias}.${c}`)) : sql.raw(`${alias}.${c}`))),
    sql`, `,
  );
}

/** Each claimed column's position in a job's json array. */
const AT = Object.fromEntries(CLAIMED_COLUMNS.map((c, i) => [c, i])) as Record<(typeof CLAIMED_COLUMNS)[number], number>;

/**
 * Decodes the claim statement's result: one json array (null when nothing was claimed) of
 * positional arrays (CLAIMED_COLUMNS, then parents), plus what the claim set alike on every row
 * (its lease token, updated_at and lease expiry, as epoch ms). Every field is checked as toJob
 * checks a row. The mapping is spelled out rather than built as a row for toJob: that way was
 * 5-10 % slower on the benchmark's drain, and this runs for every claimed job.
 */
export function toClaimedBatch(
  value: unknown,
  batch: { leaseToken: string; updatedAt: unknown; leaseExpiresAt: unknown },
): ClaimedRow[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error('database boundary: claimed batch is not an array');
  const updatedAt = msToDate(batch.updatedAt, 'updated_at');
  const leaseExpiresAt = msToDate(batch.leaseExpiresAt, 'lease_expires_at');
  return value.map((e: unknown): ClaimedRow => {
    if (!Array.isArray(e) || e.length !== CLAIMED_COLUMNS.length + 1) throw new Error('database boundary: malformed claimed job');
    const job: ClaimedJob = {
      id: toInt(e[AT.id], 'id'),
      queue: toStr(e[AT.queue], 'queue'),
      payload: toJson(e[AT.payload]),
      priority: toInt(e[AT.priority], 'priority'),
      runAt: msToDate(e[AT.run_at], 'run_at'),
      state: toState(e[AT.state]),
      attempt: toInt(e[AT.attempt], 'attempt'),
      maxAttempts: toInt(e[AT.max_attempts], 'max_attempts'),
      groupId: toStrOrNull(e[AT.group_id], 'group_id'),
      idempotencyKey: toStrOrNull(e[AT.idempotency_key], 'idempotency_key'),
      lastError: toJobError(e[AT.last_error]),
      errors: toAttempts(e[AT.errors]),
      deadReason: toStrOrNull(e[AT.dead_reason], 'dead_reason'),
      result: toJson(e[AT.result]),
      createdAt: msToDate(e[AT.created_at], 'created_at'),
      // Each job gets its own Date objects: a handler may mutate one without touching the others.
      updatedAt: new Date(updatedAt.getTime()),
      finishedAt: e[AT.finished_at] === null ? null : msToDate(e[AT.finished_at], 'finished_at'),
      leaseToken: batch.leaseToken,
      leaseExpiresAt: new Date(leaseExpiresAt.getTime()),
    };
    return { job, parents: toParents(e[CLAIMED_COLUMNS.length]) };
  });
}

export function toParents(value: unknown): ParentResult[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error('database boundary: parents is not an array');
  return value.map((p: unknown) => {
    if (!isObject(p)) throw new Error('database boundary: malformed parent');
    return { id: toInt(p.id, 'parent.id'), queue: toStr(p.queue, 'parent.queue'), result: toJson(p.result) };
  });
}

export function toEvent(r: Row): EngineEvent {
  const stored = toJson(r.data);
  const extra = isObject(stored) ? stored : {};
  const jobId = r.job_id === null || r.job_id === undefined ? null : toInt(r.job_id, 'job_id');
  const groupId = toStrOrNull(r.group_id, 'group_id');
  // A job event keeps its snapshot of the job in columns (see insertEvents); consumers get the
  // same data document as ever: the snapshot, then the event's own fields.
  const data: Record<string, unknown> =
    r.queue === null || r.queue === undefined
      ? extra
      : {
          jobId,
          groupId,
          queue: toStr(r.queue, 'queue'),
          state: toStr(r.state, 'state'),
          attempt: toInt(r.attempt, 'attempt'),
          ...extra,
        };
  return { id: toInt(r.id, 'id'), jobId, groupId, type: toStr(r.type, 'type'), data, createdAt: toDate(r.created_at, 'created_at') };
}

/** A list of values bound as ONE jsonb parameter (drizzle expands JS arrays into `($1, $2…)`). */
export function jsonParam(value: unknown): SQL {
  return sql`${JSON.stringify(value)}::jsonb`;
}

/**
 * A list of strings bound as ONE `text[]` parameter (an array literal, every element quoted and
 * escaped): lets `unnest`/`= ANY` use indexes the way a jsonb list cannot.
 */
export function textArrayParam(values: readonly string[]): SQL {
  return sql`${textArrayLiteral(values)}::text[]`;
}

/** The array literal textArrayParam binds, for a HotStatement placeholder cast to `text[]`. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** One kind of event rows: every row of CTE `cte` (a name written in this module) matching `where`. */
export interface EventRows {
  cte: string;
  type: string;
  /** `'key', value` pairs for the event's own data (beyond the job snapshot); may use alias `e`. */
  extra?: SQL;
  /** Instead of `extra`: a jsonb expression for the event's own data, e.g. one bound document for every row. */
  doc?: SQL;
  where?: SQL;
}

/**
 * `INSERT INTO job_events` for one or more kinds of rows, kinds in the given order, so that e.g. a
 * parent's `job.succeeded` gets a lower id than its child's `job.ready`. The order is the plan's
 * own, not a sort: ids are drawn as rows are produced, a UNION ALL (an Append; data-modifying
 * statements never run in parallel) reads its parts one after another, and each part reads its
 * CTE in the order that statement produced the rows. An `ORDER BY` here sorted every event row
 * again for nothing: 2 % of a drain's database instructions (bench/RESULTS.md).
 * The job snapshot (queue, state, attempt) goes into plain columns; `data` gets only `extra`, and
 * a constant `'{}'` when there is none: building a jsonb document per row was about a third of
 * the event journal's cost (see bench/RESULTS.md). toEvent puts the document back together.
 */
export function insertEvents(...parts: EventRows[]): SQL {
  const selects = parts.map(
    (p) => sql`SELECT e.id, e.group_id, ${p.type}::text AS type, e.queue, e.state, e.attempt, ${eventDoc(p)} AS data
      FROM ${sql.raw(p.cte)} e WHERE ${p.where ?? sql`true`}`,
  );
  return sql`INSERT INTO job_events (job_id, group_id, type, queue, state, attempt, data)
    SELECT x.id, x.group_id, x.type, x.queue, x.state, x.attempt, x.data
    FROM (${sql.join(selects, sql` UNION ALL `)}) x`;
}

/** The event's own data: the bound document, the extra pairs, or a constant empty object. */
function eventDoc(p: EventRows): SQL {
  return p.doc ?? (p.extra ? sql`jsonb_build_object(${p.extra})` : sql`'{}'::jsonb`);
}

/** Shorthand for a single kind of event rows. */
export function eventsFrom(cte: string, type: string, extra?: SQL, where?: SQL): SQL {
  return insertEvents({ cte, type, ...(extra ? { extra } : {}), ...(where ? { where } : {}) });
}

/**
 * A scalar subquery that NOTIFYs workers about rows of `cte` now in state 'ready'. Uncorrelated,
 * so PostgreSQL evaluates it once, and only if the outer query produces a row. The payload names
 * the queues, the count and the earliest run_at, and itemises up to 20 jobs for the workers' heaps.
 * The itemised list is a subquery of its own, run only when there are at most 20 rows: as an
 * aggregate beside count(*) it built a json array for every row of a 20,000-job enqueue.
 */
export function readyNotify(cte: string): SQL {
  const from = sql.raw(cte);
  return sql`(SELECT pg_notify(${JOBS_CHANNEL}, json_build_object(
      'n', count(*),
      'q', (SELECT json_agg(DISTINCT r.queue) FROM ${from} r WHERE r.state = 'ready'),
      'at', floor(extract(epoch FROM min(w.run_at)) * 1000),
      'j', CASE WHEN count(*) <= 20
             THEN (SELECT json_agg(json_build_array(r.id, r.priority, floor(extract(epoch FROM r.run_at) * 1000), r.queue))
                   FROM ${from} r WHERE r.state = 'ready')
           END)::text)
    FROM ${from} w WHERE w.state = 'ready' HAVING count(*) > 0)`;
}

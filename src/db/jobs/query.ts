import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job, JobState, ParentResult } from './types.js';
import { queryOne, queryRows, toInt, toStr } from '../rows.js';
import { jsonParam, toJob, toParents } from './rows.js';

export async function getJob(ex: Executor, id: number): Promise<Job | null> {
  const row = await queryOne(ex, sql`SELECT * FROM jobs WHERE id = ${id}`);
  return row ? toJob(row) : null;
}

/** Jobs of some groups and/or states, oldest first (the dashboard's and the pipeline's view). */
export async function listJobs(
  ex: Executor,
  f: { groupIds?: readonly string[] | undefined; states?: readonly JobState[] | undefined; limit?: number | undefined },
): Promise<Job[]> {
  const groups = f.groupIds ? sql`AND group_id IN (SELECT jsonb_array_elements_text(${jsonParam(f.groupIds)}))` : sql``;
  const states = f.states ? sql`AND state IN (SELECT jsonb_array_elements_text(${jsonParam(f.states)}))` : sql``;
  const limit = f.limit !== undefined ? sql`LIMIT ${f.limit}` : sql``;
  const rows = await queryRows(ex, sql`SELECT * FROM jobs WHERE true ${groups} ${states} ORDER BY id ${limit}`);
  return rows.map(toJob);
}

/** Above this many rows (pg_class.reltuples) countByState estimates the big states instead of counting. */
export const EXACT_COUNT_MAX_ROWS = 100_000;

/** States with a partial index (see the schema): counted exactly at any size, reading only that index. */
const INDEXED_STATES = ['ready', 'running', 'dead'] as const;

function zeroCounts(): Record<JobState, number> {
  return { waiting: 0, ready: 0, running: 0, succeeded: 0, dead: 0, blocked: 0, cancelled: 0, discarded: 0 };
}

/**
 * Number of jobs in each state (every state present, zero when none): the queue-depth gauge and
 * the dashboard. Exact (one GROUP BY) while the table holds up to EXACT_COUNT_MAX_ROWS rows by the
 * planner's estimate. Beyond that a full GROUP BY reads the whole table on every dashboard refresh,
 * so: ready, running and dead stay exact (each a count over its small partial index), and the other
 * states are estimated from the planner statistics (pg_stats most-common values × reltuples, as
 * fresh as the last ANALYZE; autovacuum keeps them within ~10 %).
 */
export async function countByState(ex: Executor): Promise<Record<JobState, number>> {
  const counts = zeroCounts();
  const size = await queryOne(ex, sql`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'jobs'::regclass`);
  const reltuples = Number(size?.n ?? -1);
  if (reltuples <= EXACT_COUNT_MAX_ROWS) {
    const rows = await queryRows(ex, sql`SELECT state, count(*) AS n FROM jobs GROUP BY state`);
    for (const r of rows) {
      const state = toStr(r.state, 'state');
      if (state in counts) counts[state as JobState] = toInt(r.n, 'n');
    }
    return counts;
  }
  const estimates = await queryRows(
    ex,
    sql`SELECT v.state, v.freq FROM pg_stats s,
          unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(state, freq)
        WHERE s.schemaname = current_schema() AND s.tablename = 'jobs' AND s.attname = 'state'`,
  );
  for (const r of estimates) {
    const state = toStr(r.state, 'state');
    if (state in counts) counts[state as JobState] = Math.round(Number(r.freq) * reltuples);
  }
  const exact = await queryOne(
    ex,
    sql`SELECT (SELECT count(*) FROM jobs WHERE state = 'ready') AS ready,
               (SELECT count(*) FROM jobs WHERE state = 'running') AS running,
               (SELECT count(*) FROM jobs WHERE state = 'dead') AS dead`,
  );
  for (const state of INDEXED_STATES) counts[state] = toInt(exact?.[state], state);
  return counts;
}

/** Parents of a job with their results, in id order (what a handler sees as ctx.parents). */
export async function parentsOf(ex: Executor, id: number): Promise<ParentResult[]> {
  const row = await queryOne(
    ex,
    sql`SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'queue', p.queue, 'result', p.result) ORDER BY p.id), '[]'::jsonb) AS parents
        FROM job_dependencies d JOIN jobs p ON p.id = d.parent_id WHERE d.job_id = ${id}`,
  );
  return toParents(row?.parents);
}

/** Direct parent ids of each job (for graph inspection and tests). */
export async function edgesOf(ex: Executor, ids: readonly number[]): Promise<Array<{ jobId: number; parentId: number }>> {
  if (ids.length === 0) return [];
  const rows = await queryRows(
    ex,
    sql`SELECT job_id, parent_id FROM job_dependencies
        WHERE job_id IN (SELECT (jsonb_array_elements_text(${jsonParam(ids)}))::bigint) ORDER BY job_id, parent_id`,
  );
  return rows.map((r) => ({ jobId: toInt(r.job_id, 'job_id'), parentId: toInt(r.parent_id, 'parent_id') }));
}

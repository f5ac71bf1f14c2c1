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

/** Number of jobs in each state (every state present, zero when none): the queue-depth gauge. */
export async function countByState(ex: Executor): Promise<Record<JobState, number>> {
  const counts: Record<JobState, number> = {
    waiting: 0,
    ready: 0,
    running: 0,
    succeeded: 0,
    dead: 0,
    blocked: 0,
    cancelled: 0,
    discarded: 0,
  };
  const rows = await queryRows(ex, sql`SELECT state, count(*) AS n FROM jobs GROUP BY state`);
  for (const r of rows) {
    const state = toStr(r.state, 'state');
    if (state in counts) counts[state as JobState] = toInt(r.n, 'n');
  }
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

import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { listDead, type DeadCursor } from '../jobs/dlq.js';
import type { Job, JobState } from '../jobs/types.js';
import { queryOne, queryRows, toInt, toStr } from '../rows.js';

/**
 * Jobs seen through their batch's tenant: jobs, DLQ entries and events carry the batch id as
 * `group_id`, and `batches.tenant_id` says whose they are. No tenant column on jobs or events, so
 * the engine stays tenant-agnostic and its hot inserts unchanged; the reads below join once.
 */
const ofTenant = (tenantId: string) => sql`AND j.group_id IN (SELECT b.id FROM batches b WHERE b.tenant_id = ${tenantId})`;

/** A tenant's dead jobs, newest first, keyset-paginated like the engine's DLQ. */
export function listTenantDead(
  ex: Executor,
  p: { tenantId: string; cursor: DeadCursor | null; limit: number },
): Promise<Array<{ job: Job; position: DeadCursor }>> {
  return listDead(ex, { cursor: p.cursor, limit: p.limit, where: ofTenant(p.tenantId) });
}

/** The tenant owning a job (through its batch); null for a job without a batch or no job at all. */
export async function jobTenant(ex: Executor, jobId: number): Promise<string | null> {
  const row = await queryOne(ex, sql`SELECT b.tenant_id FROM jobs j JOIN batches b ON b.id = j.group_id WHERE j.id = ${jobId}`);
  return row ? toStr(row.tenant_id, 'batches.tenant_id') : null;
}

/** A tenant's jobs by state, for its dashboard (exact: one tenant's jobs are a fraction of the table). */
export async function countTenantJobsByState(ex: Executor, tenantId: string): Promise<Partial<Record<JobState, number>>> {
  const rows = await queryRows(
    ex,
    sql`SELECT j.state, count(*) AS n FROM batches b JOIN jobs j ON j.group_id = b.id WHERE b.tenant_id = ${tenantId} GROUP BY j.state`,
  );
  return Object.fromEntries(rows.map((r) => [toStr(r.state, 'state'), toInt(r.n, 'n')])) as Partial<Record<JobState, number>>;
}

/** A tenant's jobs that succeeded or died since `since`, counted up to `limit` each (the dashboard's throughput). */
export async function countTenantFinished(
  ex: Executor,
  p: { tenantId: string; since: Date; limit: number },
): Promise<{ succeeded: number; dead: number }> {
  const row = await queryOne(
    ex,
    sql`SELECT
          (SELECT count(*) FROM (SELECT 1 FROM batches b JOIN jobs j ON j.group_id = b.id
             WHERE b.tenant_id = ${p.tenantId} AND j.state = 'succeeded' AND j.finished_at >= ${p.since.toISOString()}::timestamptz LIMIT ${p.limit}) s) AS succeeded,
          (SELECT count(*) FROM (SELECT 1 FROM batches b JOIN jobs j ON j.group_id = b.id
             WHERE b.tenant_id = ${p.tenantId} AND j.state = 'dead' AND j.finished_at >= ${p.since.toISOString()}::timestamptz LIMIT ${p.limit}) d) AS dead`,
  );
  return { succeeded: toInt(row?.succeeded ?? 0, 'succeeded'), dead: toInt(row?.dead ?? 0, 'dead') };
}

import { sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { queryOne } from './rows.js';

/** What `quizforge doctor` reads from the database beside the migration status. */
export type DoctorFacts = {
  /** The database clock, to compare with this process's. */
  dbNow: Date;
  /** Jobs held under an unexpired lease right now (a live worker is running them). */
  leasedJobs: number;
  /** The latest change to any job a worker touched (claim, heartbeat, completion), or null. */
  lastWorkerActivity: Date | null;
};

export async function readDoctorFacts(ex: Executor): Promise<DoctorFacts> {
  const row = await queryOne(
    ex,
    sql`select clock_timestamp() as now,
          (select count(*) from jobs where state = 'running' and lease_expires_at > now())::int as leased,
          (select max(updated_at) from jobs where state <> 'ready') as last_activity`,
  );
  return {
    dbNow: new Date(String(row?.now)),
    leasedJobs: Number(row?.leased ?? 0),
    lastWorkerActivity: row?.last_activity ? new Date(String(row.last_activity)) : null,
  };
}

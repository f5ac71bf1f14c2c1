import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { Job } from './types.js';
import { queryRows } from '../rows.js';
import { eventsFrom, JOBS_CHANNEL, toJob } from './rows.js';

/** The states a cancel takes a job out of: everything not finished for good. */
export const CANCELLABLE_STATES = ['waiting', 'ready', 'running', 'blocked', 'dead'] as const;

/**
 * Every unfinished job of a group → `cancelled` (a `job.cancelled` event each), in one statement.
 * The lease token is cleared, so the holder of a running job is fenced out: its completion,
 * failure, heartbeat or release no longer match `state = 'running' AND lease_token = …`. The
 * statement also NOTIFYs workers on the jobs channel with `{"cancel": [ids]}` (delivered at
 * commit), so a holder aborts the job's signal at once instead of at its next heartbeat. Dead
 * jobs are cancelled too, so a DLQ replay cannot bring a cancelled batch back. Returns the jobs
 * it cancelled: none when the group had nothing left to cancel (a repeat is a no-op).
 */
export async function cancelGroup(ex: Executor, groupId: string): Promise<Job[]> {
  const states = sql.join(
    CANCELLABLE_STATES.map((s) => sql`${s}`),
    sql`, `,
  );
  const rows = await queryRows(
    ex,
    // Rows are locked in id order first, the order completions lock a chunk and then its
    // dependant (an UPDATE alone locks in scan order and deadlocked with them). A row that
    // changed while we waited for its lock is re-checked against the state list.
    sql`WITH locked AS (
          SELECT id FROM jobs WHERE group_id = ${groupId} AND state IN (${states}) ORDER BY id FOR UPDATE
        ), upd AS (
          UPDATE jobs j SET state = 'cancelled', lease_token = NULL, lease_expires_at = NULL, locked_by = NULL,
            finished_at = now(), updated_at = now()
          FROM locked l WHERE j.id = l.id AND j.state IN (${states})
          RETURNING j.*
        ), ev AS (${eventsFrom('upd', 'job.cancelled')})
        SELECT u.*, (SELECT pg_notify(${JOBS_CHANNEL}, json_build_object('cancel', json_agg(c.id))::text) FROM upd c) AS _wake
        FROM upd u ORDER BY u.id`,
  );
  return rows.map(toJob);
}

import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { EngineEvent } from './types.js';
import { queryRows, toInt } from '../rows.js';
import { EVENTS_CHANNEL, jsonParam, toEvent } from './rows.js';

/**
 * Wakes `quizforge_events` LISTENers (SSE readers). Inside a caller's transaction it is delivered
 * at commit. On its own (after the engine's own commits) it runs as a transaction that does not
 * wait for its WAL flush: the NOTIFY lock is then held for microseconds, not for an fsync, and a
 * wake-up lost in a crash only delays readers until their next poll.
 */
export async function notifyEvents(ex: Executor, opts: { ownTransaction: boolean }): Promise<void> {
  await queryRows(
    ex,
    opts.ownTransaction
      ? sql`SELECT set_config('synchronous_commit', 'off', true), pg_notify(${EVENTS_CHANNEL}, '')`
      : sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`,
  );
}

/** Inserts one domain event (e.g. `batch.succeeded`) in the caller's transaction, with its NOTIFY. */
export async function appendEvent(
  ex: Executor,
  ev: { jobId?: number | null | undefined; groupId?: string | null | undefined; type: string; data?: Record<string, unknown> | undefined },
): Promise<EngineEvent> {
  // The NOTIFY rides in the caller's transaction: delivered if and when it commits.
  const rows = await queryRows(
    ex,
    sql`WITH ins AS (
          INSERT INTO job_events (job_id, group_id, type, data)
          VALUES (${ev.jobId ?? null}::bigint, ${ev.groupId ?? null}::text, ${ev.type}, ${jsonParam(ev.data ?? {})})
          RETURNING *
        )
        SELECT ins.*, (SELECT pg_notify(${EVENTS_CHANNEL}, '')) AS _wake FROM ins`,
  );
  const row = rows[0];
  if (!row) throw new Error('appendEvent: insert returned no row');
  return toEvent(row);
}

/**
 * Events with id > afterId in id order, stopping before a gap that may still fill.
 *
 * Ids come from a sequence when the row is inserted, but transactions commit in any order: id 10
 * can become visible after id 11. A reader that took 11 and moved its cursor past 10 would never
 * see 10. So the read stops at the first missing id whose successor was inserted less than
 * `gapGraceMs` ago (the missing id then belongs to a transaction still open, or to a rollback;
 * after the grace period it is treated as a rollback). Events are thus delivered in id order and
 * none is skipped unless its transaction stayed open longer than the grace period after a later
 * event was written.
 *
 * The gap check looks only inside the page (ids up to the page's last one): a gap after it cannot
 * hide anything this read returns. Unbounded, a replay from an old cursor re-scanned the whole
 * journal after the cursor for every page.
 */
export async function readEventsAfter(
  ex: Executor,
  p: { afterId: number; limit: number; groupId?: string | undefined; gapGraceMs: number },
): Promise<EngineEvent[]> {
  const group = p.groupId !== undefined ? sql`AND e.group_id = ${p.groupId}` : sql``;
  const rows = await queryRows(
    ex,
    sql`WITH page AS (
          SELECT e.* FROM job_events e
          WHERE e.id > ${p.afterId}::bigint ${group}
          ORDER BY e.id
          LIMIT ${p.limit}
        ), young_gap AS (
          SELECT min(s.id) AS stop FROM job_events s
          WHERE s.id > ${p.afterId}::bigint + 1
            AND s.id <= (SELECT max(id) FROM page)
            AND s.created_at > clock_timestamp() - make_interval(secs => ${p.gapGraceMs}::double precision / 1000)
            AND NOT EXISTS (SELECT 1 FROM job_events g WHERE g.id = s.id - 1)
        )
        SELECT page.* FROM page
        WHERE page.id < coalesce((SELECT stop FROM young_gap), 9223372036854775807)
        ORDER BY page.id`,
  );
  return rows.map(toEvent);
}

/**
 * Deletes events older than `olderThanMs`; returns how many. Readers resume by id, so pruning is
 * safe. Events are inserted in id order at `clock_timestamp()`, so ids and creation times rise
 * together: the cut is the first event young enough to keep, found by walking the primary key
 * from the oldest id (reading only rows that are about to go), and everything below it goes. An
 * old event inserted a few microseconds after a younger one by a concurrent transaction waits
 * for the next prune. There is no index on created_at (see the schema).
 */
export async function pruneEvents(ex: Executor, olderThanMs: number): Promise<number> {
  const rows = await queryRows(
    ex,
    sql`WITH cut AS (
          SELECT coalesce(
            (SELECT e.id FROM job_events e
              WHERE e.created_at >= now() - make_interval(secs => ${olderThanMs}::double precision / 1000)
              ORDER BY e.id LIMIT 1),
            (SELECT max(e.id) + 1 FROM job_events e)) AS id
        ), del AS (
          DELETE FROM job_events WHERE id < (SELECT id FROM cut)
          RETURNING 1
        ) SELECT count(*) AS n FROM del`,
  );
  return toInt(rows[0]?.n ?? 0, 'n');
}

/** The id of the newest event (0 when empty): where a live reader that wants only new events starts. */
export async function latestEventId(ex: Executor): Promise<number> {
  const rows = await queryRows(ex, sql`SELECT coalesce(max(id), 0) AS id FROM job_events`);
  return toInt(rows[0]?.id ?? 0, 'id');
}


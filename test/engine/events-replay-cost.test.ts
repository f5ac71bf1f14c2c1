import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { readEventsAfter } from '../../src/db/jobs/events.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDatabase } from '../helpers/db.js';

const testDb = useTestDatabase();

describe('event replay from an old cursor', () => {
  it('reads about one page of the journal per page, not everything after the cursor', async () => {
    const { database } = testDb();
    await queryRows(
      database.db,
      sql`INSERT INTO job_events (type, created_at) SELECT 'bulk', now() - interval '1 hour' FROM generate_series(1, 50000)`,
    );
    await queryRows(database.db, sql`ANALYZE job_events`);
    const { page, read } = await database.transaction(async (tx) => {
      const events = await readEventsAfter(tx, { afterId: 0, limit: 100, gapGraceMs: 3_000 });
      // Per-transaction table statistics: rows this transaction read from job_events.
      const [stats] = await queryRows(
        tx,
        sql`SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'job_events'`,
      );
      return { page: events, read: Number(stats?.n ?? 0) };
    });
    expect(page).toHaveLength(100);
    expect(read).toBeLessThan(1_000);
  });
});

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { EXACT_COUNT_MAX_ROWS } from '../../src/db/jobs/query.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDatabase } from '../helpers/db.js';
import { testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

describe('countByState', () => {
  it('is exact on a small table, then above the threshold estimates big states and keeps ready/running/dead exact', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('counts');
    const insert = (n: number, stateSql: ReturnType<typeof sql>) =>
      queryRows(database.db, sql`INSERT INTO jobs (queue, state, finished_at) SELECT ${queue}, ${stateSql}, now() FROM generate_series(1, ${n}) i`);
    await insert(30, sql`(CASE WHEN i % 3 = 0 THEN 'ready' WHEN i % 3 = 1 THEN 'dead' ELSE 'succeeded' END)`);
    await queryRows(database.db, sql`ANALYZE jobs`);
    expect(await engine.countByState()).toMatchObject({ ready: 10, dead: 10, succeeded: 10, running: 0, cancelled: 0 });

    const big = EXACT_COUNT_MAX_ROWS + 50_000;
    await insert(big, sql`(CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'succeeded' END)`);
    await queryRows(database.db, sql`ANALYZE jobs`);
    // Fresh rows after the ANALYZE: estimated states do not see them, exact ones do.
    await insert(7, sql`'ready'`);
    await insert(5, sql`'running'`);
    const counts = await engine.countByState();
    expect(counts.ready).toBe(17);
    expect(counts.running).toBe(5);
    expect(counts.dead).toBe(10);
    expect(Math.abs(counts.succeeded - (big * 0.9 + 10)) / (big * 0.9)).toBeLessThan(0.05);
    expect(Math.abs(counts.cancelled - big * 0.1) / (big * 0.1)).toBeLessThan(0.1);
  }, 60_000);
});

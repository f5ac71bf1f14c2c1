import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryOne, queryRows, toInt } from '../../src/db/rows.js';
import { useTestDatabase } from '../helpers/db.js';

const testDb = useTestDatabase();

describe('database boundary', () => {
  it('opens the envelope once: rows, never the wrapper', async () => {
    const { database } = testDb();
    const rows = await queryRows(database.db, sql`select id from generate_series(1, 0) as id`);
    expect(rows).toEqual([]);
    const one = await queryOne(database.db, sql`select 2::bigint as id`);
    expect(one).not.toBeNull();
    // pg hands bigint back as a string; the boundary turns it into the domain's number.
    expect(typeof one?.id).toBe('string');
    expect(toInt(one?.id, 'id')).toBe(2);
  });

  it('refuses to treat two rows as one', async () => {
    const { database } = testDb();
    await expect(queryOne(database.db, sql`select generate_series(1, 2) as id`)).rejects.toThrow(/at most one row/);
  });

  it('gives every pooled connection generic plans for the named prepared statements', async () => {
    const { open } = testDb();
    const database = await open({ poolSize: 3 });
    // three statements at once take three connections, each set up by the pool before use
    const rows = await Promise.all(
      [1, 2, 3].map(() => queryOne(database.db, sql`select pg_backend_pid() as pid, current_setting('plan_cache_mode') as mode, pg_sleep(0.05)`)),
    );
    expect(new Set(rows.map((r) => r?.pid)).size).toBe(3);
    expect(rows.map((r) => r?.mode)).toEqual(['force_generic_plan', 'force_generic_plan', 'force_generic_plan']);
  });

  it('has the migrated schema', async () => {
    const { database } = testDb();
    const rows = await queryRows(
      database.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['batches', 'job_dependencies', 'job_events', 'jobs', 'model_calls', 'questions']),
    );
  });
});

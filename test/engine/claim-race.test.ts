import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows, toInt } from '../../src/db/rows.js';
import type { ClaimResult } from '../../src/engine/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

describe('atomic claim', () => {
  it('8 claimers on separate connections take 2,000 jobs exactly once; losers see { claimed: false }', async () => {
    const t = testDb();
    const queue = uniqueQueue('race');
    const engine = testEngine(t.database);
    const enqueued = await engine.enqueueMany(Array.from({ length: 2_000 }, (_, i) => ({ queue, payload: { i } })));
    const ids = enqueued.map((e) => e.job.id);

    const claimers = await Promise.all(Array.from({ length: 8 }, () => t.open({ poolSize: 1 })));
    const results = await Promise.all(
      claimers.map(async (database, c) => {
        const e = testEngine(database);
        const mine: number[] = [];
        let last: ClaimResult;
        for (;;) {
          // Mix single and batch claims: both go through the same SKIP LOCKED statement.
          if (mine.length % 3 === 0) {
            const batch = await e.claim([queue], { workerId: `c${c}`, limit: 7 });
            mine.push(...batch.map((j) => j.id));
            if (batch.length > 0) continue;
          }
          last = await e.claimOne([queue], { workerId: `c${c}` });
          if (!last.claimed) break;
          expect(last.job.state).toBe('running');
          expect(last.job.attempt).toBe(1);
          mine.push(last.job.id);
        }
        return { mine, last };
      }),
    );

    const all = results.flatMap((r) => r.mine);
    expect(all.length).toBe(2_000);
    expect(new Set(all).size).toBe(2_000);
    expect([...all].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    // every claimer got work (real contention), and its final answer is exactly { claimed: false }
    for (const r of results) {
      expect(r.mine.length).toBeGreaterThan(0);
      expect(r.last).toStrictEqual({ claimed: false });
    }
    const rows = await queryRows(
      t.database.db,
      sql`SELECT count(*) AS n, max(attempt) AS max_attempt FROM jobs WHERE queue = ${queue} AND state = 'running'`,
    );
    expect(toInt(rows[0]?.n, 'n')).toBe(2_000);
    expect(toInt(rows[0]?.max_attempt, 'max_attempt')).toBe(1);
    // a lease token belongs to one claim statement, hence to one claimer
    const shared = await queryRows(
      t.database.db,
      sql`SELECT lease_token FROM jobs WHERE queue = ${queue} GROUP BY lease_token HAVING count(DISTINCT locked_by) > 1`,
    );
    expect(shared).toEqual([]);
    // exactly one job.started event per job
    const started = await queryRows(
      t.database.db,
      sql`SELECT count(*) AS n FROM job_events WHERE type = 'job.started' AND queue = ${queue}`,
    );
    expect(toInt(started[0]?.n, 'n')).toBe(2_000);
  });

  it('when 8 claimers race for one job, exactly one wins and 7 see { claimed: false }', async () => {
    const t = testDb();
    const claimers = await Promise.all(Array.from({ length: 8 }, () => t.open({ poolSize: 1 })));
    const engines = claimers.map((d) => testEngine(d));
    for (let round = 0; round < 25; round++) {
      const queue = uniqueQueue('one');
      const { job } = await engines[0]!.enqueue({ queue, payload: { round } });
      const results = await Promise.all(engines.map((e, i) => e.claimOne([queue], { workerId: `c${i}` })));
      const winners = results.filter((r) => r.claimed);
      expect(winners.length).toBe(1);
      expect(winners[0]).toMatchObject({ claimed: true, job: { id: job.id, state: 'running' } });
      for (const r of results.filter((x) => !x.claimed)) expect(r).toStrictEqual({ claimed: false });
    }
  });

  it('an empty queue answers { claimed: false }, and a claimed job is not claimable again', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('empty');
    expect(await engine.claimOne([queue])).toStrictEqual({ claimed: false });
    await engine.enqueue({ queue, payload: null });
    expect((await engine.claimOne([queue])).claimed).toBe(true);
    expect(await engine.claimOne([queue])).toStrictEqual({ claimed: false });
    expect(await engine.claim([queue], { limit: 10 })).toEqual([]);
  });
});

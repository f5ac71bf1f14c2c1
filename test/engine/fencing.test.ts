import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import type { ClaimedJob, HandlerSuccess } from '../../src/engine/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { count, eventsOf, expireLease, testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

beforeAll(async () => {
  await queryRows(testDb().database.db, sql`CREATE TABLE side_effects (job_id bigint PRIMARY KEY, writer text NOT NULL)`);
});

const effect = (writer: string): HandlerSuccess => ({
  result: { writer },
  effects: async (tx, job) => {
    await queryRows(tx, sql`INSERT INTO side_effects (job_id, writer) VALUES (${job.id}, ${writer})`);
  },
});

async function claimOrThrow(engine: ReturnType<typeof testEngine>, queue: string, workerId: string, leaseMs = 5_000) {
  const r = await engine.claimOne([queue], { workerId, leaseMs });
  if (!r.claimed) throw new Error('expected a claim');
  return r.job;
}

describe('lease fencing', () => {
  it('a worker whose lease expired and was reclaimed cannot complete or fail; its effects never commit', async () => {
    const t = testDb();
    const a = testEngine(await t.open({ poolSize: 2 }));
    const b = testEngine(await t.open({ poolSize: 2 }));
    const queue = uniqueQueue('fence');
    const { job } = await a.enqueue({ queue, payload: {}, maxAttempts: 3 });

    const stale: ClaimedJob = await claimOrThrow(a, queue, 'worker-a');
    await expireLease(t.database, job.id);
    const reaped = await b.reap({ queues: [queue] });
    expect(reaped.requeued.map((j) => j.id)).toEqual([job.id]);
    const fresh = await claimOrThrow(b, queue, 'worker-b');
    expect(fresh.attempt).toBe(2);
    expect(fresh.leaseToken).not.toBe(stale.leaseToken);

    // every fenced write of the stale holder reports that it did not apply
    expect(await a.completeJob(stale, effect('worker-a'))).toStrictEqual({ applied: false, reason: 'lease_lost' });
    expect(await a.completeJob(stale, { result: 1 })).toStrictEqual({ applied: false, reason: 'lease_lost' });
    expect(await a.failJob(stale, new Error('late failure'))).toStrictEqual({ applied: false, reason: 'lease_lost' });
    expect(await a.heartbeat(stale)).toStrictEqual({ applied: false, reason: 'lease_lost' });
    expect(await a.release(stale)).toStrictEqual({ applied: false, reason: 'lease_lost' });
    expect(await count(t.database, sql`SELECT count(*) AS n FROM side_effects WHERE job_id = ${job.id}`)).toBe(0);
    expect(await a.getJob(job.id)).toMatchObject({ state: 'running', attempt: 2 });

    // the current holder completes, and its effect commits exactly once
    const done = await b.completeJob(fresh, effect('worker-b'));
    expect(done).toMatchObject({ applied: true, job: { state: 'succeeded', result: { writer: 'worker-b' } } });
    const rows = await queryRows(t.database.db, sql`SELECT writer FROM side_effects WHERE job_id = ${job.id}`);
    expect(rows).toEqual([{ writer: 'worker-b' }]);
    // and a second completion by the same holder (a duplicate delivery) is fenced too
    expect(await b.completeJob(fresh, effect('worker-b'))).toStrictEqual({ applied: false, reason: 'lease_lost' });
    expect(await count(t.database, sql`SELECT count(*) AS n FROM side_effects WHERE job_id = ${job.id}`)).toBe(1);

    const types = (await eventsOf(t.database, [job.id])).map((e) => e.type);
    expect(types).toEqual(['job.enqueued', 'job.started', 'job.lease_expired', 'job.started', 'job.succeeded']);
  });

  it('effects that throw roll back with the completion: the job stays running under its lease', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('fx');
    await engine.enqueue({ queue, payload: {} });
    const job = await claimOrThrow(engine, queue, 'w');
    const failing: HandlerSuccess = {
      effects: async (tx, j) => {
        await queryRows(tx, sql`INSERT INTO side_effects (job_id, writer) VALUES (${j.id}, 'half')`);
        throw new Error('effect failed halfway');
      },
    };
    await expect(engine.completeJob(job, failing)).rejects.toThrow('effect failed halfway');
    expect(await count(database, sql`SELECT count(*) AS n FROM side_effects WHERE job_id = ${job.id}`)).toBe(0);
    expect(await engine.getJob(job.id)).toMatchObject({ state: 'running' });
    expect(await engine.completeJob(job, effect('second-try'))).toMatchObject({ applied: true });
  });

  it('a lease that expired but was not yet reaped still fences nothing away: the holder may finish', async () => {
    // Documented behaviour: the fence is the token, not the clock. Until the reaper (or another
    // claim) takes the job, the holder's late write is still the only one and applies.
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('late');
    await engine.enqueue({ queue, payload: {} });
    const job = await claimOrThrow(engine, queue, 'w');
    await expireLease(database, job.id);
    expect(await engine.completeJob(job, { result: 'late' })).toMatchObject({ applied: true, job: { state: 'succeeded' } });
  });
});

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import type { EnqueueSpec } from '../../src/engine/index.js';
import { count, testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

describe('enqueue', () => {
  it('an idempotency key is unique per queue: the same key returns the existing job', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('idem');
    const first = await engine.enqueue({ queue, payload: { v: 1 }, idempotencyKey: 'batch-42' });
    const second = await engine.enqueue({ queue, payload: { v: 2 }, idempotencyKey: 'batch-42' });
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, job: first.job });
    expect(second.job.payload).toEqual({ v: 1 });
    const otherQueue = await engine.enqueue({ queue: `${queue}-other`, payload: {}, idempotencyKey: 'batch-42' });
    expect(otherQueue.created).toBe(true);
    expect(await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue}`)).toBe(1);
    // only one job.enqueued event for the key
    expect(
      await count(database, sql`SELECT count(*) AS n FROM job_events WHERE type = 'job.enqueued' AND job_id = ${first.job.id}`),
    ).toBe(1);
  });

  it('concurrent enqueues of one key on separate connections create exactly one job', async () => {
    const t = testDb();
    const queue = uniqueQueue('idem-race');
    const engines = await Promise.all(Array.from({ length: 6 }, async () => testEngine(await t.open({ poolSize: 1 }))));
    const results = await Promise.all(engines.map((e, i) => e.enqueue({ queue, payload: { i }, idempotencyKey: 'same' })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
  });

  it('enqueueMany returns results in input order, mixing new rows, in-batch duplicates and existing keys', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('many');
    const existing = await engine.enqueue({ queue, payload: 'old', idempotencyKey: 'k1' });
    const res = await engine.enqueueMany([
      { queue, payload: 'a' },
      { queue, payload: 'b', idempotencyKey: 'k1' },
      { queue, payload: 'c', idempotencyKey: 'k2' },
      { queue, payload: 'd', idempotencyKey: 'k2' },
      { queue, payload: 'e', priority: 3, groupId: 'g' },
    ]);
    expect(res.map((r) => [r.created, r.job.payload])).toEqual([
      [true, 'a'],
      [false, 'old'],
      [true, 'c'],
      [false, 'c'],
      [true, 'e'],
    ]);
    expect(res[1]?.job.id).toBe(existing.job.id);
    expect(res[4]?.job).toMatchObject({ priority: 3, groupId: 'g', state: 'ready', attempt: 0, maxAttempts: 5 });
    expect(typeof res[0]?.job.id).toBe('number');
    expect(res[0]?.job.runAt).toBeInstanceOf(Date);
  });

  it('the jobs enqueueMany returns are the rows as stored, and each has its job.enqueued event', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('stored');
    const runAt = new Date(Date.now() + 3_600_000);
    const specs: EnqueueSpec<unknown>[] = [
      { queue, payload: { topic: 'photosynthesis', skip: undefined, nested: [1, { b: 'chlorophyll' }] } },
      { queue, payload: undefined },
      { queue, payload: null, priority: -3, maxAttempts: 2, groupId: 'grp-1', idempotencyKey: 'key-1' },
      { queue, payload: 'the water cycle', runAt },
    ];
    const check = async (res: Awaited<ReturnType<typeof engine.enqueueMany>>, tx?: Parameters<Parameters<typeof engine.transaction>[0]>[0]) => {
      for (const r of res) {
        expect(r.created).toBe(true);
        expect(await engine.getJob(r.job.id, tx ? { tx } : undefined)).toEqual(r.job);
      }
    };
    const res = await engine.enqueueMany(specs);
    await check(res);
    expect(res.map((r) => r.job.payload)).toEqual([{ topic: 'photosynthesis', nested: [1, { b: 'chlorophyll' }] }, null, null, 'the water cycle']);
    // In a transaction that began earlier, created_at and a default run_at are its start time.
    await engine.transaction(async (tx) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await check(await engine.enqueueMany([{ queue, payload: 'late' }], { tx }), tx);
    });
    const events = await engine.events.readAfter(0, { limit: 100 });
    const enqueued = events.filter((e) => e.type === 'job.enqueued' && e.data.queue === queue);
    expect(enqueued.map((e) => e.jobId)).toEqual([...res.map((r) => r.job.id), expect.any(Number)]);
    expect(enqueued[2]?.data).toMatchObject({ priority: -3, state: 'ready', attempt: 0, groupId: 'grp-1' });
    expect(new Date(String(enqueued[3]?.data.runAt)).getTime()).toBe(runAt.getTime());
    expect(new Date(String(enqueued[0]?.data.runAt)).getTime()).toBe(res[0]?.job.runAt.getTime());
  });

  it('jobs are claimed in (priority, run_at, id) order: lower priority value first', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('prio');
    const past = (ms: number) => new Date(Date.now() - ms);
    const specs = [
      { queue, payload: 'p5', priority: 5 },
      { queue, payload: 'p1-late', priority: 1, runAt: past(1_000) },
      { queue, payload: 'p1-early', priority: 1, runAt: past(5_000) },
      { queue, payload: 'p-2', priority: -2 },
      { queue, payload: 'p3', priority: 3 },
      { queue, payload: 'p1-late-2', priority: 1, runAt: past(1_000) },
      { queue, payload: 'future', priority: -10, runAt: new Date(Date.now() + 60_000) },
    ];
    // same run_at for the two 'p1-late' jobs: id breaks the tie
    const sameAt = past(1_000);
    specs[1]!.runAt = sameAt;
    specs[5]!.runAt = sameAt;
    await engine.enqueueMany(specs);
    const order: unknown[] = [];
    for (;;) {
      const r = await engine.claimOne([queue]);
      if (!r.claimed) break;
      order.push(r.job.payload);
    }
    expect(order).toEqual(['p-2', 'p1-early', 'p1-late', 'p1-late-2', 'p3', 'p5']);
  });

  it('a batch claim returns its jobs in dispatch order, from one queue or from several', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const a = uniqueQueue('batch-a');
    const b = uniqueQueue('batch-b');
    const at = new Date(Date.now() - 1_000);
    // inserted out of order: neither id order nor the rows' physical order is dispatch order
    await engine.enqueueMany([
      { queue: a, payload: 'a3', priority: 3 },
      { queue: b, payload: 'b1', priority: 1, runAt: at },
      { queue: a, payload: 'a1-later', priority: 1, runAt: at },
      { queue: b, payload: 'b2', priority: 2 },
      { queue: a, payload: 'a1-early', priority: 1, runAt: new Date(at.getTime() - 500) },
      { queue: b, payload: 'b-1', priority: -1 },
    ]);
    const one = await engine.claim([a], { limit: 2 });
    expect(one.map((j) => j.payload)).toEqual(['a1-early', 'a1-later']);
    const several = await engine.claim([a, b], { limit: 3 });
    expect(several.map((j) => j.payload)).toEqual(['b-1', 'b1', 'b2']);
    const rest = await engine.claim([a, b], { limit: 10 });
    expect(rest.map((j) => j.payload)).toEqual(['a3']);
  });

  it('enqueue inside the caller transaction commits or rolls back with it', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('tx');
    await expect(
      engine.transaction(async (tx) => {
        await engine.enqueue({ queue, payload: 1 }, { tx });
        await engine.enqueueGraph([{ ref: 'a', queue, payload: 2 }], { tx });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue}`)).toBe(0);
    await engine.transaction(async (tx) => {
      await engine.enqueue({ queue, payload: 1 }, { tx });
    });
    expect(await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue}`)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { SnoozeError } from '../../src/engine/errors.js';
import { useTestDatabase } from '../helpers/db.js';
import { eventsOf, testEngine, uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

describe('snooze', () => {
  it('releases the job until its delay without spending an attempt or writing an error', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('snooze');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
    const first = await engine.claimOne([queue], { workerId: 'w' });
    if (!first.claimed) throw new Error('expected a claim');
    expect(first.job.attempt).toBe(1);
    const before = Date.now();
    const res = await engine.failJob(first.job, new SnoozeError(60_000));
    if (!res.applied) throw new Error('fence refused');
    expect(res.job.state).toBe('ready');
    expect(res.job.attempt).toBe(0);
    expect(res.job.errors).toEqual([]);
    expect(res.job.lastError).toBeNull();
    expect(res.job.runAt.getTime()).toBeGreaterThanOrEqual(before + 59_000);
    // Not due yet: nobody can claim it.
    expect(await engine.claimOne([queue])).toStrictEqual({ claimed: false });
    const types = (await eventsOf(database, [job.id])).map((e) => e.type);
    expect(types).toContain('job.snoozed');
  });

  it('a worker runs a snoozing handler many times on a one-attempt job, then it succeeds', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('snooze_worker');
    let runs = 0;
    const worker = engine.createWorker({
      concurrency: 1,
      tasks: {
        [queue]: {
          handler: async () => {
            runs += 1;
            if (runs < 4) throw new SnoozeError(30);
            return { result: { runs } };
          },
        },
      },
    });
    await worker.start();
    try {
      const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
      const done = await waitFor(async () => {
        const j = await engine.getJob(job.id);
        return j?.state === 'succeeded' ? j : undefined;
      });
      expect(done.result).toEqual({ runs: 4 });
      expect(done.attempt).toBe(1);
      expect(done.errors).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it('a snooze by a holder that lost its lease is refused', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('snooze_fence');
    await engine.enqueue({ queue, payload: {} });
    const first = await engine.claimOne([queue], { workerId: 'w' });
    if (!first.claimed) throw new Error('expected a claim');
    const res = await engine.failJob({ ...first.job, leaseToken: '00000000-0000-4000-8000-000000000000' }, new SnoozeError(10));
    expect(res.applied).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { sleep, testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

describe("the workers' ready cache", () => {
  it('stays bounded with two workers under a steady backlog (each hears of every job, claims half)', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('bound');
    const CAP = 40;
    let done = 0;
    const task = {
      handler: async () => {
        await sleep(2);
        done++;
      },
    };
    const workers = [0, 1].map(() => engine.createWorker({ tasks: { [queue]: task }, concurrency: 2, readyCacheMax: CAP }));
    for (const w of workers) await w.start();
    let largest = 0;
    let enqueued = 0;
    try {
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        // Groups of 10 keep each NOTIFY itemised: every worker caches every job it hears of.
        await engine.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ queue, payload: { i } })));
        enqueued += 10;
        for (const w of workers) largest = Math.max(largest, w.cachedJobs);
        await sleep(5);
      }
    } finally {
      for (const w of workers) await w.stop({ graceMs: 2_000 });
      await engine.close();
    }
    expect(enqueued).toBeGreaterThan(5 * CAP);
    expect(done).toBeGreaterThan(CAP);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(CAP);
  }, 30_000);
});

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { count, sleep, testEngine, uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

describe('a handler that leaves writes in flight (HandlerSuccess.pending)', () => {
  it('frees its place at once, and its job completes only once the writes have landed', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('pending');
    let land!: () => void;
    const writes = new Promise<void>((r) => (land = r));
    const started: string[] = [];
    const { job: first } = await engine.enqueue({ queue, payload: 'first', priority: 0 });
    await engine.enqueue({ queue, payload: 'second', priority: 1 });
    const worker = engine.createWorker({
      concurrency: 1,
      tasks: {
        [queue]: {
          handler: async (job) => {
            started.push(String(job.payload));
            return job.payload === 'first' ? { result: 1, pending: writes } : { result: 2 };
          },
        },
      },
    });
    await worker.start();
    await waitFor(async () => started.length === 2, 10_000).catch(() => undefined);
    expect(started).toEqual(['first', 'second']);
    await sleep(100);
    expect((await engine.getJob(first.id))?.state).toBe('running');
    land();
    await waitFor(async () => (await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue} AND state = 'succeeded'`)) === 2);
    expect((await engine.getJob(first.id))?.result).toBe(1);
    await worker.stop();
  });

  it('fails the attempt when a write rejects: the job is not completed, and the error is recorded', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('pending-fails');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
    const worker = engine.createWorker({
      concurrency: 1,
      tasks: { [queue]: { handler: async () => ({ result: 'never stored', pending: Promise.reject(new Error('outcome write failed')) }) } },
    });
    await worker.start();
    const dead = await waitFor(async () => {
      const j = await engine.getJob(job.id);
      return j?.state === 'dead' ? j : undefined;
    });
    await worker.stop();
    expect(dead.result).toBeNull();
    expect(dead.lastError?.message).toContain('outcome write failed');
  });
});

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { NotDeadError, PermanentError } from '../../src/engine/errors.js';
import { useTestDatabase } from '../helpers/db.js';
import { count, eventsOf, testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

describe('dlq.complete (a dead job completed with a result)', () => {
  it('succeeds the dead job with the result, unblocks and releases its child, and runs effects in the same transaction', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('accept');
    const graph = await engine.enqueueGraph([
      { ref: 'a', queue, payload: {}, maxAttempts: 1 },
      { ref: 'b', queue: `${queue}-child`, payload: {}, dependsOn: ['a'] },
    ]);
    const a = graph.jobs.a?.id ?? -1;
    const b = graph.jobs.b?.id ?? -1;
    const r = await engine.claimOne([queue], { workerId: 'w' });
    if (!r.claimed) throw new Error('expected a claim');
    const died = await engine.failJob(r.job, new PermanentError('validation', 'bad'));
    expect(died.applied && died.job.state).toBe('dead');
    expect((await engine.getJob(b))?.state).toBe('blocked');

    let seen: unknown = null;
    const done = await engine.dlq.complete(a, {
      result: { fixed: true },
      // The effects see the completion they belong to: same transaction, already succeeded.
      effects: async (tx, job) => {
        const rows = await tx.execute(sql`SELECT state FROM jobs WHERE id = ${job.id}`);
        seen = (rows as unknown as { rows: Array<{ state: string }> }).rows[0]?.state;
      },
    });
    expect(seen).toBe('succeeded');
    expect(done.state).toBe('succeeded');
    expect((await engine.getJob(a))?.result).toEqual({ fixed: true });
    expect((await engine.getJob(b))?.state).toBe('ready');
    const types = (await eventsOf(database, [a, b])).map((e) => `${e.data.jobId}:${e.type}`);
    expect(types).toContain(`${a}:job.succeeded`);
    expect(types).toContain(`${b}:job.ready`);

    // Fenced on state 'dead': a second completion is refused and its effects never run.
    let ran = false;
    await expect(
      engine.dlq.complete(a, {
        result: { again: true },
        effects: async () => {
          ran = true;
        },
      }),
    ).rejects.toBeInstanceOf(NotDeadError);
    expect(ran).toBe(false);
    expect((await engine.getJob(a))?.result).toEqual({ fixed: true });
  });

  it('rolls everything back when the effects throw', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('accept-rollback');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
    const r = await engine.claimOne([queue], { workerId: 'w' });
    if (!r.claimed) throw new Error('expected a claim');
    await engine.failJob(r.job, new PermanentError('validation', 'bad'));
    await expect(
      engine.dlq.complete(job.id, {
        result: 1,
        effects: () => Promise.reject(new Error('effect failed')),
      }),
    ).rejects.toThrow('effect failed');
    expect((await engine.getJob(job.id))?.state).toBe('dead');
    expect(await count(database, sql`SELECT count(*) AS n FROM job_events WHERE job_id = ${job.id} AND type = 'job.succeeded'`)).toBe(0);
  });
});

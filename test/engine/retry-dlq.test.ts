import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { InvalidCursorError, NotDeadError, PermanentError, RetryAfterError } from '../../src/engine/errors.js';
import type { Job } from '../../src/engine/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { expireLease, testEngine, uniqueQueue } from './helpers.js';

const testDb = useTestDatabase();

async function claimOrThrow(engine: ReturnType<typeof testEngine>, queue: string) {
  const r = await engine.claimOne([queue], { workerId: 'w' });
  if (!r.claimed) throw new Error('expected a claim');
  return r.job;
}

/** Runs attempts that all fail with `err` until the job is dead; returns it. */
async function failUntilDead(engine: ReturnType<typeof testEngine>, queue: string, err: () => unknown): Promise<Job> {
  for (let i = 0; i < 20; i++) {
    const job = await claimOrThrow(engine, queue);
    const res = await engine.failJob(job, err(), { retryBaseMs: 0, retryMaxMs: 0 });
    if (!res.applied) throw new Error('fence refused');
    if (res.job.state === 'dead') return res.job;
  }
  throw new Error('never died');
}

describe('retries with backoff', () => {
  it('a transient failure returns the job to ready at now + full-jitter delay, within the bound', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('backoff');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 10 });
    for (const [attempt, r] of [
      [1, 0.5],
      [2, 0.999999],
      [3, 0],
    ] as const) {
      const claimed = await claimOrThrow(engine, queue);
      expect(claimed.attempt).toBe(attempt);
      const ceiling = Math.min(8_000, 1_000 * 2 ** (attempt - 1));
      const before = Date.now();
      const res = await engine.failJob(claimed, new Error(`boom ${attempt}`), { retryBaseMs: 1_000, retryMaxMs: 8_000, random: () => r });
      const after = Date.now();
      if (!res.applied) throw new Error('fence refused');
      const expected = Math.floor(r * (ceiling + 1));
      expect(res.job.state).toBe('ready');
      expect(res.job.runAt.getTime()).toBeGreaterThanOrEqual(before + expected - 50);
      expect(res.job.runAt.getTime()).toBeLessThanOrEqual(after + expected + 50);
      expect(res.job.runAt.getTime() - after).toBeLessThanOrEqual(ceiling + 50);
      expect(res.job.lastError).toMatchObject({ message: `boom ${attempt}`, name: 'Error' });
      if (expected > 200) {
        // not claimable before its run_at
        expect(await engine.claimOne([queue])).toStrictEqual({ claimed: false });
      }
      // make it due now for the next round
      await makeDue(engine, job.id);
    }
    const final = await engine.getJob(job.id);
    expect(final?.errors.map((e) => [e.attempt, e.outcome, e.error?.message])).toEqual([
      [1, 'retry', 'boom 1'],
      [2, 'retry', 'boom 2'],
      [3, 'retry', 'boom 3'],
    ]);
  });

  it('RetryAfterError schedules the named delay and still counts as an attempt', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('retry-after');
    await engine.enqueue({ queue, payload: {}, maxAttempts: 2 });
    const first = await claimOrThrow(engine, queue);
    const before = Date.now();
    const res = await engine.failJob(first, new RetryAfterError(1_500, 'rate limited', { status: 429 }));
    if (!res.applied) throw new Error('fence refused');
    expect(res.job).toMatchObject({ state: 'ready', attempt: 1, lastError: { name: 'RetryAfterError', details: { status: 429 } } });
    expect(res.job.runAt.getTime() - before).toBeGreaterThanOrEqual(1_450);
    expect(res.job.runAt.getTime() - before).toBeLessThan(1_700);
    // on the last attempt a retry-after is a death: attempts are exhausted
    await makeDue(engine, first.id);
    const second = await claimOrThrow(engine, queue);
    const last = await engine.failJob(second, new RetryAfterError(1_500, 'still limited'));
    expect(last).toMatchObject({ applied: true, job: { state: 'dead', deadReason: 'exhausted', attempt: 2 } });
  });
});

/** Moves a retrying job's run_at to now, instead of waiting out its backoff. */
async function makeDue(engine: ReturnType<typeof testEngine>, id: number): Promise<void> {
  await engine.transaction((tx) => queryRows(tx, sql`UPDATE jobs SET run_at = now() WHERE id = ${id}`));
}

describe('dead-letter queue', () => {
  it('exhausted attempts: dead with reason, last error and the whole attempt history', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('exhaust');
    let n = 0;
    const dead = await (async () => {
      await engine.enqueue({ queue, payload: { v: 1 }, maxAttempts: 3 });
      return failUntilDead(engine, queue, () => new Error(`fail ${++n}`));
    })();
    expect(dead).toMatchObject({ state: 'dead', deadReason: 'exhausted', attempt: 3, lastError: { message: 'fail 3' } });
    expect(dead.finishedAt).toBeInstanceOf(Date);
    expect(dead.errors.map((e) => [e.attempt, e.outcome, e.error?.message, e.worker])).toEqual([
      [1, 'retry', 'fail 1', 'manual'],
      [2, 'retry', 'fail 2', 'manual'],
      [3, 'dead', 'fail 3', 'manual'],
    ]);
    expect(await engine.dlq.get(dead.id)).toEqual(dead);
  });

  it('an onDead hook that throws cannot keep a job from dying; its writes roll back', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('hook');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
    const claimed = await claimOrThrow(engine, queue);
    const res = await engine.failJob(claimed, new Error('boom'), {
      onDead: async (tx, dead) => {
        await engine.events.append(tx, { jobId: dead.id, type: 'hook.wrote' });
        throw new Error('hook bug');
      },
    });
    expect(res).toMatchObject({ applied: true, job: { state: 'dead', deadReason: 'exhausted' } });
    const rows = await queryRows(database.db, sql`SELECT type FROM job_events WHERE job_id = ${job.id} ORDER BY id`);
    expect(rows.map((r) => r.type)).toEqual(['job.enqueued', 'job.started', 'job.dead']);
  });

  it('PermanentError: dead at once with its reason and details', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('perm');
    await engine.enqueue({ queue, payload: {}, maxAttempts: 5 });
    const dead = await failUntilDead(engine, queue, () => new PermanentError('invalid_request', 'topic is empty', { field: 'topic' }));
    expect(dead).toMatchObject({
      state: 'dead',
      attempt: 1,
      deadReason: 'invalid_request',
      lastError: { name: 'PermanentError', message: 'topic is empty', details: { field: 'topic' } },
    });
  });

  it('a lease that expires on the last attempt dead-letters the job as lease_expired', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('lease-dead');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
    await claimOrThrow(engine, queue);
    await expireLease(database, job.id);
    const res = await engine.reap({ queues: [queue] });
    expect(res.dead.map((j) => j.id)).toEqual([job.id]);
    expect(await engine.dlq.get(job.id)).toMatchObject({
      deadReason: 'lease_expired',
      lastError: { name: 'LeaseExpired' },
      errors: [{ attempt: 1, outcome: 'lease_expired', worker: 'w' }],
    });
  });

  it('lists dead jobs newest first with an opaque cursor, and only dead jobs', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('list');
    const groupId = `grp-${queue}`;
    const deadIds: number[] = [];
    for (let i = 0; i < 5; i++) {
      await engine.enqueue({ queue, payload: { i }, maxAttempts: 1, groupId });
      deadIds.push((await failUntilDead(engine, queue, () => new Error(`e${i}`))).id);
    }
    await engine.enqueue({ queue, payload: { alive: true }, groupId });
    const seen: Job[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof engine.dlq.list>> = await engine.dlq.list({ cursor, limit: 2, groupId });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((j) => j.id)).toEqual([...deadIds].reverse());
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1] as Job, seen[i] as Job];
      expect(a.finishedAt!.getTime()).toBeGreaterThanOrEqual(b.finishedAt!.getTime());
    }
    expect(seen.every((j) => j.state === 'dead')).toBe(true);
    await expect(engine.dlq.list({ cursor: 'garbage' })).rejects.toThrow(InvalidCursorError);
    const alive = (await engine.listJobs({ groupId, states: ['ready'] }))[0];
    expect(alive).toBeDefined();
    expect(await engine.dlq.get(alive!.id)).toBeNull();
  });

  it('replay gives fresh attempts and a corrected payload, keeps history; non-dead jobs are refused', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('replay');
    await engine.enqueue({ queue, payload: { topic: '' }, maxAttempts: 2 });
    const dead = await failUntilDead(engine, queue, () => new PermanentError('invalid', 'empty topic'));
    const replayed = await engine.dlq.replay(dead.id, { payload: { topic: 'volcanoes' }, maxAttempts: 4 });
    expect(replayed).toMatchObject({
      id: dead.id,
      state: 'ready',
      attempt: 0,
      maxAttempts: 4,
      payload: { topic: 'volcanoes' },
      deadReason: null,
      finishedAt: null,
    });
    expect(replayed.errors).toHaveLength(1);
    await expect(engine.dlq.replay(dead.id)).rejects.toBeInstanceOf(NotDeadError);
    const again = await claimOrThrow(engine, queue);
    expect(again).toMatchObject({ id: dead.id, attempt: 1, payload: { topic: 'volcanoes' } });
    expect(await engine.completeJob(again, { result: 'ok' })).toMatchObject({ applied: true });
    await expect(engine.dlq.replay(dead.id)).rejects.toThrow(`job ${dead.id} is succeeded, not dead`);
    await expect(engine.dlq.replay(999_999_999)).rejects.toThrow('job 999999999 does not exist');
  });

  it('discard retires a dead job for good', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('discard');
    await engine.enqueue({ queue, payload: {}, maxAttempts: 1 });
    const dead = await failUntilDead(engine, queue, () => new Error('x'));
    const discarded = await engine.dlq.discard(dead.id);
    expect(discarded).toMatchObject({ id: dead.id, state: 'discarded' });
    expect(await engine.dlq.get(dead.id)).toBeNull();
    await expect(engine.dlq.discard(dead.id)).rejects.toBeInstanceOf(NotDeadError);
    await expect(engine.dlq.replay(dead.id)).rejects.toBeInstanceOf(NotDeadError);
    expect(await engine.claimOne([queue])).toStrictEqual({ claimed: false });
  });
});

import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { LeaseLostError, WorkerStoppingError } from '../../src/engine/index.js';
import type { Job } from '../../src/engine/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { count, eventsOf, expireLease, sleep, testEngine, uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

beforeAll(async () => {
  await queryRows(testDb().database.db, sql`CREATE TABLE worker_effects (job_id bigint PRIMARY KEY, n int NOT NULL)`);
});

const stateOf = async (engine: ReturnType<typeof testEngine>, id: number) => (await engine.getJob(id))?.state;

/** Resolves when `signal` aborts, with its reason. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

describe('worker', () => {
  it('runs many jobs with batched completions, each exactly once', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('drain');
    const seen = new Map<number, number>();
    await engine.enqueueMany(Array.from({ length: 1_000 }, (_, i) => ({ queue, payload: { i } })));
    const worker = engine.createWorker({
      concurrency: 20,
      prefetch: 100,
      tasks: { [queue]: { handler: async (job) => void seen.set(job.id, (seen.get(job.id) ?? 0) + 1) } },
    });
    await worker.start();
    await waitFor(async () => (await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue} AND state = 'succeeded'`)) === 1_000);
    await worker.stop();
    expect(seen.size).toBe(1_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(worker.held).toBe(0);
  });


  it('keeps claiming after completion back-pressure clears, without waiting for a poll', async () => {
    // Found by the benchmark: fast handlers filled the completion batcher while a flush was in
    // flight; the worker held back its next claim (back-pressure) and nothing woke it when the
    // flush landed, so it idled until the next poll. Polling is made too slow to rescue it here.
    const { database } = testDb();
    const engine = testEngine(database, { pollMs: 60_000, completionBatch: 2, completionFlushMs: 1 });
    const queue = uniqueQueue('backlog');
    await engine.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ queue, payload: { i } })));
    const worker = engine.createWorker({ concurrency: 4, prefetch: 0, tasks: { [queue]: { handler: async () => undefined } } });
    await worker.start();
    const done = () => count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue} AND state = 'succeeded'`);
    await waitFor(async () => (await done()) === 40, 10_000).catch(() => undefined);
    const succeeded = await done();
    await worker.stop();
    expect(succeeded).toBe(40);
  });
  it('a job writing its outcome (here: slow effects) holds no place: the next handler starts meanwhile', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('place');
    let release!: () => void;
    const effectsHeld = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    await engine.enqueueMany([
      { queue, payload: 'first', priority: 0 },
      { queue, payload: 'second', priority: 1 },
    ]);
    const worker = engine.createWorker({
      concurrency: 1,
      tasks: {
        [queue]: {
          handler: async (job) => {
            started.push(String(job.payload));
            // The first job's completion transaction stays open until the second handler ran.
            return job.payload === 'first' ? { result: 1, effects: () => effectsHeld } : { result: 2 };
          },
        },
      },
    });
    await worker.start();
    await waitFor(async () => started.length === 2, 10_000).catch(() => undefined);
    release();
    expect(started).toEqual(['first', 'second']);
    await waitFor(async () => (await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue} AND state = 'succeeded'`)) === 2);
    await worker.stop();
  });

  it('with prefetch, the local queue is refilled while every place is busy, before one idles', async () => {
    const { database } = testDb();
    const engine = testEngine(database, { pollMs: 60_000 });
    const queue = uniqueQueue('refill');
    await engine.enqueueMany(['first', 'second', 'third'].map((payload, priority) => ({ queue, payload, priority })));
    let thirdDuringSecond: string | undefined;
    const worker = engine.createWorker({
      concurrency: 1,
      prefetch: 1,
      tasks: {
        [queue]: {
          handler: async (job) => {
            // While 'second' runs (the local queue just gave it up), 'third' should be claimed.
            if (job.payload !== 'second') return;
            const third = async () => (await engine.listJobs({ states: ['running'] })).find((j) => j.queue === queue && j.payload === 'third');
            thirdDuringSecond = (await waitFor(third, 3_000).catch(() => undefined))?.state;
          },
        },
      },
    });
    await worker.start();
    await waitFor(async () => (await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue} AND state = 'succeeded'`)) === 3);
    await worker.stop();
    expect(thirdDuringSecond).toBe('running');
  });

  it('starts a delayed job when it becomes due, not before (timer, not polling)', async () => {
    const { database } = testDb();
    const engine = testEngine(database, { pollMs: 30_000 });
    const queue = uniqueQueue('delay');
    let startedAt = 0;
    const worker = engine.createWorker({ tasks: { [queue]: { handler: async () => void (startedAt = Date.now()) } } });
    await worker.start();
    const runAt = new Date(Date.now() + 300);
    const { job } = await engine.enqueue({ queue, payload: {}, runAt });
    await waitFor(async () => (await stateOf(engine, job.id)) === 'succeeded', 5_000);
    await worker.stop();
    expect(startedAt).toBeGreaterThanOrEqual(runAt.getTime());
    expect(startedAt - runAt.getTime()).toBeLessThan(250);
  });

  it('wakes on NOTIFY: an idle worker starts a new job within milliseconds (no polling)', async () => {
    const { database } = testDb();
    const engine = testEngine(database, { pollMs: 30_000 });
    const queue = uniqueQueue('notify');
    const latencies: number[] = [];
    const worker = engine.createWorker({
      tasks: { [queue]: { handler: async (job) => void latencies.push(Date.now() - (job.payload as { at: number }).at) } },
    });
    await worker.start();
    for (let i = 0; i < 20; i++) {
      await engine.enqueue({ queue, payload: { at: Date.now() } });
      await waitFor(async () => latencies.length > i, 2_000, 2);
    }
    await worker.stop();
    // Polling is 30 s here, so anything near that would mean a missed wake-up; the bounds leave
    // room for a loaded CI machine.
    const sorted = [...latencies].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(100);
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  });

  it('starts jobs in priority order', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('wprio');
    const order: number[] = [];
    await engine.enqueueMany([7, 3, 9, 1, 5].map((p) => ({ queue, payload: p, priority: p })));
    const worker = engine.createWorker({ concurrency: 1, tasks: { [queue]: { handler: async (job) => void order.push(job.payload as number) } } });
    await worker.start();
    await waitFor(async () => order.length === 5);
    await worker.stop();
    expect(order).toEqual([1, 3, 5, 7, 9]);
  });

  it('heartbeats keep a long job’s lease alive while the reaper runs', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('long');
    const { job } = await engine.enqueue({ queue, payload: {} });
    const worker = engine.createWorker({
      leaseMs: 400,
      heartbeatMs: 100,
      reaperIntervalMs: 50,
      tasks: { [queue]: { handler: async () => sleep(1_500) } },
    });
    let lost = 0;
    worker.on('job:lease_lost', () => lost++);
    await worker.start();
    await waitFor(async () => (await stateOf(engine, job.id)) === 'succeeded', 5_000);
    await worker.stop();
    expect(lost).toBe(0);
    const done = await engine.getJob(job.id);
    expect(done).toMatchObject({ attempt: 1, errors: [] });
    expect((await eventsOf(database, [job.id])).map((e) => e.type)).not.toContain('job.lease_expired');
  });

  it('the reaper returns a crashed holder’s expired job to ready, and it runs again', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('reap');
    const { job } = await engine.enqueue({ queue, payload: {} });
    const crashed = await engine.claimOne([queue], { workerId: 'crashed-worker', leaseMs: 200 });
    expect(crashed.claimed).toBe(true);
    const worker = engine.createWorker({ reaperIntervalMs: 50, tasks: { [queue]: { handler: async () => ({ result: 'second' }) } } });
    await worker.start();
    await waitFor(async () => (await stateOf(engine, job.id)) === 'succeeded', 5_000);
    await worker.stop();
    const done = await engine.getJob(job.id);
    expect(done).toMatchObject({ attempt: 2, result: 'second', errors: [{ attempt: 1, outcome: 'lease_expired', worker: 'crashed-worker' }] });
  });

  it('a lost lease aborts the handler’s signal, and its late completion is refused', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('lost');
    const { job } = await engine.enqueue({ queue, payload: {} });
    let reason: unknown = null;
    let started = false;
    const worker = engine.createWorker({
      leaseMs: 1_000,
      heartbeatMs: 100,
      runReaper: false,
      tasks: {
        [queue]: {
          async handler(_job, ctx) {
            started = true;
            reason = await aborted(ctx.signal);
            return {
              effects: async (tx, j) => {
                await queryRows(tx, sql`INSERT INTO worker_effects (job_id, n) VALUES (${j.id}, 1)`);
              },
            };
          },
        },
      },
    });
    const lostDuring: string[] = [];
    worker.on('job:lease_lost', (e) => lostDuring.push(e.during));
    await worker.start();
    await waitFor(async () => started);
    // someone else takes the job over (as a reaper + second claim would)
    await expireLease(database, job.id);
    await engine.reap({ queues: [queue] });
    const thief = await engine.claimOne([queue], { workerId: 'thief' });
    expect(thief.claimed).toBe(true);
    await waitFor(async () => lostDuring.length >= 2, 3_000);
    await worker.stop();
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(lostDuring).toEqual(['heartbeat', 'complete']);
    expect(await count(database, sql`SELECT count(*) AS n FROM worker_effects WHERE job_id = ${job.id}`)).toBe(0);
    expect(await engine.getJob(job.id)).toMatchObject({ state: 'running', attempt: 2 });
  });

  it('effects commit with the completion; effects that throw fail the attempt and commit nothing', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('effects');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 3 });
    const seen: Job[] = [];
    const worker = engine.createWorker({
      tasks: {
        [queue]: {
          retryBaseMs: 1,
          retryMaxMs: 1,
          async handler(j) {
            return {
              result: { attempt: j.attempt },
              effects: async (tx) => {
                await queryRows(tx, sql`INSERT INTO worker_effects (job_id, n) VALUES (${j.id}, ${j.attempt})`);
                if (j.attempt === 1) throw new Error('effect failed');
              },
            };
          },
          async onSucceeded(_tx, done) {
            seen.push(done);
          },
        },
      },
    });
    await worker.start();
    await waitFor(async () => (await stateOf(engine, job.id)) === 'succeeded', 5_000);
    await worker.stop();
    const rows = await queryRows(database.db, sql`SELECT n FROM worker_effects WHERE job_id = ${job.id}`);
    expect(rows).toEqual([{ n: 2 }]);
    expect(seen.map((j) => [j.id, j.state, j.result])).toEqual([[job.id, 'succeeded', { attempt: 2 }]]);
    expect((await engine.getJob(job.id))?.errors).toMatchObject([{ attempt: 1, outcome: 'retry', error: { message: 'effect failed' } }]);
  });

  it('onDead runs in the dead-letter transaction; failures emit typed events', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('ondead');
    const { job } = await engine.enqueue({ queue, payload: {}, maxAttempts: 2, groupId: 'g1' });
    const events: string[] = [];
    const worker = engine.createWorker({
      tasks: {
        [queue]: {
          retryBaseMs: 1,
          retryMaxMs: 1,
          async handler() {
            throw new Error('always');
          },
          async onDead(tx, dead) {
            await engine.events.append(tx, { jobId: dead.id, groupId: dead.groupId, type: 'batch.failed', data: { why: dead.deadReason } });
          },
        },
      },
    });
    worker.on('job:failed', (e) => events.push(`failed:${e.job.attempt}`));
    worker.on('job:dead', (e) => events.push(`dead:${e.reason}`));
    await worker.start();
    await waitFor(async () => (await stateOf(engine, job.id)) === 'dead', 5_000);
    await worker.stop();
    expect(events).toEqual(['failed:1', 'dead:exhausted']);
    const types = (await eventsOf(database, [job.id])).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['job.dead', 'batch.failed']);
  });

  it('stop(): stops claiming, lets running handlers finish within the grace period, releases the rest', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('stop');
    const { job: fast } = await engine.enqueue({ queue, payload: 'fast', priority: 0 });
    const { job: slow } = await engine.enqueue({ queue, payload: 'slow', priority: 1 });
    const { job: queued } = await engine.enqueue({ queue, payload: 'queued', priority: 2 });
    let slowReason: unknown = null;
    const started: string[] = [];
    const worker = engine.createWorker({
      concurrency: 2,
      prefetch: 1,
      tasks: {
        [queue]: {
          async handler(job, ctx) {
            started.push(job.payload as string);
            if (job.payload === 'fast') return void (await sleep(100));
            slowReason = await aborted(ctx.signal); // finishes only when told to stop
            await sleep(50);
          },
        },
      },
    });
    const released: number[] = [];
    worker.on('job:released', (e) => released.push(e.job.id));
    await worker.start();
    await waitFor(async () => started.length === 2);
    const t0 = Date.now();
    await worker.stop({ graceMs: 400 });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(1_500);
    expect(slowReason).toBeInstanceOf(WorkerStoppingError);
    expect(await stateOf(engine, fast.id)).toBe('succeeded');
    expect(await engine.getJob(slow.id)).toMatchObject({ state: 'ready', attempt: 0, errors: [{ outcome: 'released', attempt: 1 }] });
    expect(await engine.getJob(queued.id)).toMatchObject({ state: 'ready', attempt: 0 });
    expect(released.sort()).toEqual([slow.id, queued.id].sort());
    expect(started).not.toContain('queued');
    // the slow handler's late completion is fenced out
    await sleep(150);
    expect(await stateOf(engine, slow.id)).toBe('ready');
    expect((await eventsOf(database, [slow.id])).map((e) => e.type)).toEqual(['job.enqueued', 'job.started', 'job.released']);
    // and nothing is claimed after stop
    await engine.enqueue({ queue, payload: 'after' });
    await sleep(300);
    expect(started).toHaveLength(2);
  });

  it('stop() with idle handlers resolves quickly and is idempotent', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const worker = engine.createWorker({ tasks: { [uniqueQueue('idle')]: { handler: async () => undefined } } });
    await worker.start();
    const t0 = Date.now();
    await Promise.all([worker.stop(), worker.stop()]);
    expect(Date.now() - t0).toBeLessThan(500);
    await engine.close();
  });
});

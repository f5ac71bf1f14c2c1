import { describe, expect, it } from 'vitest';
import { JobCancelledError } from '../../src/engine/index.js';
import { parseCancel } from '../../src/engine/worker.js';
import { useTestDatabase } from '../helpers/db.js';
import { eventsOf, testEngine, uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

describe('cancelling a group', () => {
  it('waiting, ready, blocked and dead jobs become cancelled, finished ones stay; a repeat cancels nothing', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('cancel');
    const group = `g-${queue}`;
    const { jobs } = await engine.enqueueGraph([
      { ref: 'done', queue, payload: {}, groupId: group },
      { ref: 'ready', queue, payload: {}, groupId: group },
      { ref: 'dies', queue, payload: {}, groupId: group, maxAttempts: 1 },
      { ref: 'waits', queue, payload: {}, groupId: group, dependsOn: ['ready'] },
    ]);
    const other = await engine.enqueue({ queue, payload: {}, groupId: 'another-group' });
    const byId = (ref: string) => jobs[ref]?.id ?? -1;
    // Finish 'done', kill 'dies', give 'ready' and the other group's job back; 'waits' stays waiting.
    const held = await engine.claim([queue], { workerId: 'w', limit: 10 });
    expect(held).toHaveLength(4);
    for (const j of held) {
      if (j.id === byId('done')) expect((await engine.completeJob(j)).applied).toBe(true);
      else if (j.id === byId('dies')) expect((await engine.failJob(j, new Error('boom'))).applied).toBe(true);
      else expect((await engine.release(j)).applied).toBe(true);
    }
    expect((await engine.getJob(byId('dies')))?.state).toBe('dead');
    expect((await engine.getJob(byId('waits')))?.state).toBe('waiting');
    const cancelled = await engine.cancelGroup(group);
    expect(cancelled.map((j) => j.state)).toEqual(cancelled.map(() => 'cancelled'));
    expect(new Set(cancelled.map((j) => j.id))).toEqual(new Set([byId('ready'), byId('dies'), byId('waits')]));
    expect((await engine.getJob(byId('done')))?.state).toBe('succeeded');
    expect((await engine.getJob(other.job.id))?.state).toBe('ready');
    const events = await eventsOf(database, cancelled.map((j) => j.id));
    expect(events.filter((e) => e.type === 'job.cancelled').map((e) => e.jobId).sort()).toEqual(cancelled.map((j) => j.id).sort());
    expect(await engine.cancelGroup(group)).toEqual([]);
    // Nothing cancelled is claimable, and a dead-then-cancelled job cannot be replayed.
    expect((await engine.claim([queue], { workerId: 'w2', limit: 10 })).map((j) => j.id)).toEqual([other.job.id]);
    await expect(engine.dlq.replay(byId('dies'))).rejects.toThrow();
  });

  it('the fence refuses a cancelled running job: complete, fail, heartbeat and release', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('cancel-fence');
    const group = `g-${queue}`;
    await engine.enqueueMany([1, 2, 3, 4].map((n) => ({ queue, payload: { n }, groupId: group })));
    const held = await engine.claim([queue], { workerId: 'w', limit: 4 });
    expect(held).toHaveLength(4);
    expect((await engine.cancelGroup(group)).map((j) => j.id).sort()).toEqual(held.map((j) => j.id).sort());
    const [a, b, c, d] = held;
    if (!a || !b || !c || !d) throw new Error('expected four jobs');
    expect(await engine.completeJob(a, { result: { late: true } })).toMatchObject({ applied: false, reason: 'lease_lost' });
    expect(await engine.failJob(b, new Error('late'))).toMatchObject({ applied: false });
    expect(await engine.heartbeat(c)).toMatchObject({ applied: false });
    expect(await engine.release(d)).toMatchObject({ applied: false });
    for (const j of held) {
      const now = await engine.getJob(j.id);
      expect(now?.state).toBe('cancelled');
      expect(now?.result).toBeNull();
    }
  });

  it("a worker aborts a running job's signal at once with JobCancelledError, and its late result is refused", async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('cancel-worker');
    const group = `g-${queue}`;
    let reason: unknown = null;
    let calls = 0;
    let started = false;
    const worker = engine.createWorker({
      heartbeatMs: 60_000,
      leaseMs: 120_000,
      tasks: {
        [queue]: {
          handler: async (_job, ctx) => {
            calls++;
            started = true;
            // A stand-in for the model call: resolves late unless aborted.
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, 5_000);
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(t);
                reason = ctx.signal.reason;
                resolve();
              });
            });
            return { result: { finished: true } };
          },
        },
      },
    });
    const cancelledEvents: number[] = [];
    worker.on('job:cancelled', ({ job }) => cancelledEvents.push(job.id));
    await worker.start();
    const { job } = await engine.enqueue({ queue, payload: {}, groupId: group });
    await waitFor(async () => started);
    const t0 = Date.now();
    await engine.cancelGroup(group);
    await waitFor(async () => reason !== null, 3_000);
    expect(Date.now() - t0).toBeLessThan(2_000); // well before the 60 s heartbeat
    expect(reason).toBeInstanceOf(JobCancelledError);
    expect(cancelledEvents).toEqual([job.id]);
    await new Promise((r) => setTimeout(r, 200));
    await worker.stop();
    const after = await engine.getJob(job.id);
    expect(after?.state).toBe('cancelled');
    expect(after?.result).toBeNull();
    expect(calls).toBe(1);
  });

  it('parseCancel reads only cancel payloads', () => {
    expect(parseCancel('{"cancel":[1,2]}')).toEqual([1, 2]);
    expect(parseCancel('{"cancel":null}')).toEqual([]);
    expect(parseCancel('{"n":1,"q":["a"]}')).toBeNull();
    expect(parseCancel('{"cancel":')).toBeNull();
  });
});

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { PermanentError } from '../../src/engine/errors.js';
import type { EngineEvent } from '../../src/engine/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { eventsOf, expireLease, sleep, testEngine, uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

async function claimOrThrow(engine: ReturnType<typeof testEngine>, queue: string) {
  const r = await engine.claimOne([queue], { workerId: 'w' });
  if (!r.claimed) throw new Error('expected a claim');
  return r.job;
}

describe('event journal', () => {
  it('every state change writes an event row with { jobId, groupId, queue, state, attempt }', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('ev');
    const groupId = `g-${queue}`;
    const { jobs } = await engine.enqueueGraph([
      { ref: 'p', queue, payload: {}, maxAttempts: 2, groupId },
      { ref: 'c', queue, payload: {}, dependsOn: ['p'], groupId },
    ]);
    const p = jobs.p!.id;
    const c = jobs.c!.id;
    // p: started → released → started → lease expired (reaped) → started → retry → ... → dead
    await engine.release(await claimOrThrow(engine, queue));
    await claimOrThrow(engine, queue);
    await expireLease(database, p);
    await engine.reap({ queues: [queue] });
    await engine.failJob(await claimOrThrow(engine, queue), new PermanentError('nope', 'bad'));
    await engine.dlq.replay(p);
    await engine.completeJob(await claimOrThrow(engine, queue), { result: 1 });
    await engine.failJob(await claimOrThrow(engine, queue), new PermanentError('nope', 'child bad'));
    await engine.dlq.discard(c);

    const evs = await eventsOf(database, [p, c]);
    expect(evs.map((e) => [e.jobId === p ? 'p' : 'c', e.type, e.data.state, e.data.attempt])).toEqual([
      ['p', 'job.enqueued', 'ready', 0],
      ['c', 'job.enqueued', 'waiting', 0],
      ['p', 'job.started', 'running', 1],
      ['p', 'job.released', 'ready', 0],
      ['p', 'job.started', 'running', 1],
      ['p', 'job.lease_expired', 'ready', 1],
      ['p', 'job.started', 'running', 2],
      ['p', 'job.dead', 'dead', 2],
      ['c', 'job.blocked', 'blocked', 0],
      ['p', 'job.replayed', 'ready', 0],
      ['c', 'job.unblocked', 'waiting', 0],
      ['p', 'job.started', 'running', 1],
      ['p', 'job.succeeded', 'succeeded', 1],
      ['c', 'job.ready', 'ready', 0],
      ['c', 'job.started', 'running', 1],
      ['c', 'job.dead', 'dead', 1],
      ['c', 'job.discarded', 'discarded', 1],
    ]);
    for (const e of evs) {
      expect(e.data).toMatchObject({ jobId: e.jobId, groupId, queue });
      expect(e.groupId).toBe(groupId);
      expect(e.createdAt).toBeInstanceOf(Date);
    }
    // a retry is journaled with its run_at
    const r = uniqueQueue('ev-retry');
    const { job } = await engine.enqueue({ queue: r, payload: {} });
    await engine.failJob(await claimOrThrow(engine, r), new Error('transient'));
    const retry = (await eventsOf(database, [job.id])).find((e) => e.type === 'job.retry_scheduled');
    expect(retry?.data).toMatchObject({ state: 'ready', attempt: 1, error: { message: 'transient' } });
    expect(typeof retry?.data.runAt).toBe('string');
  });

  it('readAfter pages through events in id order, optionally for one group', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const start = await engine.events.latestId();
    const queue = uniqueQueue('page');
    await engine.enqueueMany(Array.from({ length: 7 }, (_, i) => ({ queue, payload: i, groupId: i % 2 ? 'odd' : 'even' })));
    const all: EngineEvent[] = [];
    let cursor = start;
    for (;;) {
      const page = await engine.events.readAfter(cursor, { limit: 3 });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(3);
      all.push(...page);
      cursor = page[page.length - 1]!.id;
    }
    expect(all).toHaveLength(7);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
    expect(all.every((e) => e.id > start)).toBe(true);
    const odd = await engine.events.readAfter(start, { groupId: 'odd' });
    expect(odd.map((e) => e.data.groupId)).toEqual(['odd', 'odd', 'odd']);
    expect(await engine.events.readAfter(cursor)).toEqual([]);
  });

  it('readAfter never skips an event whose transaction commits after a later one', async () => {
    const t = testDb();
    const engine = testEngine(t.database);
    const other = await t.open({ poolSize: 1 });
    const start = await engine.events.latestId();
    let releaseSlow!: () => void;
    const slowMayCommit = new Promise<void>((r) => (releaseSlow = r));
    let slowInserted!: () => void;
    const slowHasInserted = new Promise<void>((r) => (slowInserted = r));
    // the slow transaction takes the lower id and commits last
    const slow = other.db.transaction(async (tx) => {
      await engine.events.append(tx, { type: 'test.slow' });
      slowInserted();
      await slowMayCommit;
    });
    await slowHasInserted;
    await engine.transaction((tx) => engine.events.append(tx, { type: 'test.fast' }));
    // the fast event is committed, but reading past it would lose the slow one: the reader waits
    expect(await engine.events.readAfter(start)).toEqual([]);
    releaseSlow();
    await slow;
    expect((await engine.events.readAfter(start)).map((e) => e.type)).toEqual(['test.slow', 'test.fast']);
  });

  it('a gap left by a rollback is passed once the grace period is over', async () => {
    const { database } = testDb();
    const engine = testEngine(database, { eventGapGraceMs: 300 });
    const start = await engine.events.latestId();
    await expect(
      engine.transaction(async (tx) => {
        await engine.events.append(tx, { type: 'test.rolled_back' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await engine.transaction((tx) => engine.events.append(tx, { type: 'test.after' }));
    expect(await engine.events.readAfter(start)).toEqual([]);
    await sleep(350);
    expect((await engine.events.readAfter(start)).map((e) => e.type)).toEqual(['test.after']);
  });

  it('subscribe wakes on commit of appended domain events, not on rollback', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    let wakes = 0;
    const off = await engine.events.subscribe(() => wakes++);
    await engine.transaction(async (tx) => {
      await engine.events.append(tx, { groupId: 'b1', type: 'batch.succeeded', data: { questions: 10 } });
      await sleep(100);
      expect(wakes).toBe(0); // not before commit
    });
    await waitFor(async () => wakes > 0, 2_000);
    const seen = wakes;
    await engine.transaction(async (tx) => {
      await engine.events.append(tx, { type: 'never' });
      throw new Error('rollback');
    }).catch(() => undefined);
    await sleep(200);
    expect(wakes).toBe(seen);
    await off();
    const last = await engine.events.readAfter((await engine.events.latestId()) - 1);
    expect(last[0]).toMatchObject({ type: 'batch.succeeded', groupId: 'b1', jobId: null, data: { questions: 10 } });
  });

  it('an enqueue wakes event subscribers by itself, at its commit, and a rolled-back one does not', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('enqueue-wake');
    let wakes = 0;
    const off = await engine.events.subscribe(() => wakes++);
    await engine.enqueue({ queue, payload: { topic: 'plate tectonics' } });
    await waitFor(async () => wakes > 0, 2_000);
    const seen = wakes;
    await engine
      .transaction(async (tx) => {
        await engine.enqueueMany([{ queue, payload: { topic: 'volcanoes' } }], { tx });
        await sleep(100);
        expect(wakes).toBe(seen); // not before commit
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await sleep(200);
    expect(wakes).toBe(seen);
    await off();
  });

  it('prune deletes events older than the given age and nothing newer', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('prune');
    const [a, b] = await engine.enqueueMany([
      { queue, payload: 'old' },
      { queue, payload: 'new' },
    ]);
    // The journal's oldest part, up to and including a's events, is two hours old (ids and
    // creation times rise together, as they do when events are written).
    await queryRows(
      database.db,
      sql`UPDATE job_events SET created_at = now() - interval '2 hours'
          WHERE id <= (SELECT max(id) FROM job_events WHERE job_id = ${a!.job.id})`,
    );
    const removed = await engine.events.prune(60 * 60 * 1000);
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await eventsOf(database, [a!.job.id])).toEqual([]);
    expect((await eventsOf(database, [b!.job.id])).map((e) => e.type)).toEqual(['job.enqueued']);

    // When every event is old, every event goes (the cut then lies past the newest id).
    await queryRows(database.db, sql`UPDATE job_events SET created_at = now() - interval '2 hours'`);
    expect(await engine.events.prune(60 * 60 * 1000)).toBeGreaterThanOrEqual(1);
    expect(await queryRows(database.db, sql`SELECT id FROM job_events`)).toEqual([]);
    expect(await engine.events.prune(60 * 60 * 1000)).toBe(0);
  });
});

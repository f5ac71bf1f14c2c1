import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { CycleError, PermanentError, UnknownDependencyError } from '../../src/engine/errors.js';
import type { ParentResult } from '../../src/engine/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { count, eventsOf, sleep, testEngine, uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

type Engine = ReturnType<typeof testEngine>;

async function claimOrThrow(engine: Engine, queue: string) {
  const r = await engine.claimOne([queue], { workerId: 'w' });
  if (!r.claimed) throw new Error('expected a claim');
  return r.job;
}

async function states(engine: Engine, ids: Record<string, number>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [ref, id] of Object.entries(ids)) out[ref] = (await engine.getJob(id))?.state ?? 'missing';
  return out;
}

describe('job dependencies (DAG)', () => {
  it('runs a child only after all its parents succeeded, and hands it their results', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('dag');
    const log: Array<{ ref: string; phase: 'start' | 'end'; at: number; parents?: ParentResult[] }> = [];
    const { jobs } = await engine.enqueueGraph([
      { ref: 'assemble', queue, payload: { ref: 'assemble' }, dependsOn: ['chunk1', 'chunk2', 'chunk3'] },
      { ref: 'chunk1', queue, payload: { ref: 'chunk1' } },
      { ref: 'chunk2', queue, payload: { ref: 'chunk2' } },
      { ref: 'chunk3', queue, payload: { ref: 'chunk3' }, dependsOn: ['chunk1'] },
      { ref: 'publish', queue, payload: { ref: 'publish' }, dependsOn: ['assemble'] },
    ]);
    expect(jobs.assemble).toMatchObject({ state: 'waiting' });
    expect(jobs.chunk1).toMatchObject({ state: 'ready' });
    expect(jobs.chunk3).toMatchObject({ state: 'waiting' });

    const worker = engine.createWorker({
      concurrency: 4,
      tasks: {
        [queue]: {
          async handler(job, ctx) {
            const ref = (job.payload as { ref: string }).ref;
            log.push({ ref, phase: 'start', at: Date.now(), parents: ctx.parents });
            await sleep(ref.startsWith('chunk') ? 60 : 10);
            log.push({ ref, phase: 'end', at: Date.now() });
            return { result: { from: ref } };
          },
        },
      },
    });
    await worker.start();
    await waitFor(async () => (await engine.getJob(jobs.publish!.id))?.state === 'succeeded');
    await worker.stop();

    const at = (ref: string, phase: 'start' | 'end') => log.find((l) => l.ref === ref && l.phase === phase)?.at ?? NaN;
    for (const parent of ['chunk1', 'chunk2', 'chunk3']) expect(at('assemble', 'start')).toBeGreaterThanOrEqual(at(parent, 'end'));
    expect(at('chunk3', 'start')).toBeGreaterThanOrEqual(at('chunk1', 'end'));
    expect(at('publish', 'start')).toBeGreaterThanOrEqual(at('assemble', 'end'));
    const assembleStart = log.find((l) => l.ref === 'assemble' && l.phase === 'start');
    expect(assembleStart?.parents).toEqual(
      ['chunk1', 'chunk2', 'chunk3'].map((ref) => ({ id: jobs[ref]!.id, queue, result: { from: ref } })),
    );
    expect(log.find((l) => l.ref === 'chunk1' && l.phase === 'start')?.parents).toEqual([]);
    // the release of a child is journaled
    const types = (await eventsOf(database, [jobs.assemble!.id])).map((e) => e.type);
    expect(types).toEqual(['job.enqueued', 'job.ready', 'job.started', 'job.succeeded']);
  });

  it('blocks all descendants of a dead job, and unblocks them when it is replayed and succeeds', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('block');
    const { jobs } = await engine.enqueueGraph([
      { ref: 'a', queue, payload: { fail: true }, maxAttempts: 1 },
      { ref: 'b', queue, payload: {}, dependsOn: ['a'] },
      { ref: 'c', queue, payload: {}, dependsOn: ['b'] },
      { ref: 'other', queue, payload: {} },
      { ref: 'd', queue, payload: {}, dependsOn: ['other'] },
    ]);
    const ids = Object.fromEntries(Object.entries(jobs).map(([k, j]) => [k, j.id]));
    // a fails permanently; 'other' succeeds
    for (let i = 0; i < 2; i++) {
      const job = await claimOrThrow(engine, queue);
      if (job.id === ids.a) await engine.failJob(job, new PermanentError('bad', 'cannot'));
      else await engine.completeJob(job, { result: 'ok' });
    }
    expect(await states(engine, ids)).toEqual({ a: 'dead', b: 'blocked', c: 'blocked', other: 'succeeded', d: 'ready' });
    const blockedEvents = (await eventsOf(database, [ids.b!, ids.c!])).filter((e) => e.type === 'job.blocked');
    expect(blockedEvents.map((e) => [e.jobId, e.data.blockedBy])).toEqual([
      [ids.b, ids.a],
      [ids.c, ids.a],
    ]);

    await engine.dlq.replay(ids.a!, { payload: { fail: false } });
    expect(await states(engine, ids)).toMatchObject({ a: 'ready', b: 'waiting', c: 'waiting' });
    const unblocked = (await eventsOf(database, [ids.b!, ids.c!])).filter((e) => e.type === 'job.unblocked');
    expect(unblocked).toHaveLength(2);

    // d (ready) and a (ready) run; then b, then c
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const job = await claimOrThrow(engine, queue);
      order.push(job.id);
      await engine.completeJob(job, { result: i });
    }
    expect(order.indexOf(ids.a!)).toBeLessThan(order.indexOf(ids.b!));
    expect(order.indexOf(ids.b!)).toBeLessThan(order.indexOf(ids.c!));
    expect(await states(engine, ids)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', other: 'succeeded', d: 'succeeded' });
  });

  it('a child with two dead parents stays blocked until both are replayed', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('two');
    const { jobs } = await engine.enqueueGraph([
      { ref: 'x', queue, payload: {}, maxAttempts: 1 },
      { ref: 'y', queue, payload: {}, maxAttempts: 1 },
      { ref: 'z', queue, payload: {}, dependsOn: ['x', 'y'] },
    ]);
    const ids = { x: jobs.x!.id, y: jobs.y!.id, z: jobs.z!.id };
    for (let i = 0; i < 2; i++) await engine.failJob(await claimOrThrow(engine, queue), new PermanentError('p', 'no'));
    expect(await states(engine, ids)).toEqual({ x: 'dead', y: 'dead', z: 'blocked' });
    await engine.dlq.replay(ids.x);
    expect(await states(engine, ids)).toEqual({ x: 'ready', y: 'dead', z: 'blocked' });
    await engine.dlq.replay(ids.y);
    expect(await states(engine, ids)).toEqual({ x: 'ready', y: 'ready', z: 'waiting' });
    for (let i = 0; i < 2; i++) await engine.completeJob(await claimOrThrow(engine, queue), {});
    expect((await engine.getJob(ids.z))?.state).toBe('ready');
  });

  it('rejects a cycle, naming it, and writes nothing', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('cycle');
    const attempt = engine.enqueueGraph([
      { ref: 'start', queue, payload: {} },
      { ref: 'a', queue, payload: {}, dependsOn: ['start', 'c'] },
      { ref: 'b', queue, payload: {}, dependsOn: ['a'] },
      { ref: 'c', queue, payload: {}, dependsOn: ['b'] },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(CycleError);
    await expect(attempt).rejects.toThrow('dependency cycle: a -> c -> b -> a');
    expect(await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue}`)).toBe(0);
  });

  it('rejects unknown refs and unknown job ids, and writes nothing', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('unknown');
    await expect(engine.enqueueGraph([{ ref: 'a', queue, payload: {}, dependsOn: ['ghost'] }])).rejects.toThrow(
      UnknownDependencyError,
    );
    const missingJob = engine.enqueueGraph([
      { ref: 'ok', queue, payload: {} },
      { ref: 'a', queue, payload: {}, dependsOn: [{ jobId: 987_654_321 }] },
    ]);
    await expect(missingJob).rejects.toThrow('job a depends on unknown job 987654321');
    expect(await count(database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${queue}`)).toBe(0);
  });

  it('depends on existing jobs by id: waits for a running one, ignores a succeeded one, is blocked by a dead one', async () => {
    const { database } = testDb();
    const engine = testEngine(database);
    const queue = uniqueQueue('existing');
    const { job: done } = await engine.enqueue({ queue, payload: 'done' });
    await engine.completeJob(await claimOrThrow(engine, queue), { result: 'first' });
    const { job: running } = await engine.enqueue({ queue, payload: 'running' });
    const held = await claimOrThrow(engine, queue);
    expect(held.id).toBe(running.id);
    const { job: dead } = await engine.enqueue({ queue, payload: 'dead', maxAttempts: 1 });
    await engine.failJob(await claimOrThrow(engine, queue), new Error('x'));

    const child = uniqueQueue('child');
    const { jobs } = await engine.enqueueGraph([
      { ref: 'afterDone', queue: child, payload: {}, dependsOn: [{ jobId: done.id }] },
      { ref: 'afterRunning', queue: child, payload: {}, dependsOn: [{ jobId: running.id }, { jobId: done.id }] },
      { ref: 'afterDead', queue: child, payload: {}, dependsOn: [{ jobId: dead.id }] },
      { ref: 'grandchild', queue: child, payload: {}, dependsOn: ['afterDead'] },
    ]);
    expect(jobs.afterDone?.state).toBe('ready');
    expect(jobs.afterRunning?.state).toBe('waiting');
    expect(jobs.afterDead?.state).toBe('blocked');
    expect(jobs.grandchild?.state).toBe('blocked');
    await engine.completeJob(held, { result: 'second' });
    expect((await engine.getJob(jobs.afterRunning!.id))?.state).toBe('ready');
    await engine.dlq.replay(dead.id);
    expect((await engine.getJob(jobs.afterDead!.id))?.state).toBe('waiting');
    expect((await engine.getJob(jobs.grandchild!.id))?.state).toBe('waiting');
  });

  it('never strands a child when its existing parent completes while the child is being enqueued', async () => {
    // Completion and graph enqueue race on separate connections; afterwards no child may be left
    // waiting on a parent that succeeded (the qf_release_children snapshot argument in 0003).
    const t = testDb();
    const a = testEngine(await t.open({ poolSize: 4 }));
    const b = testEngine(await t.open({ poolSize: 4 }));
    const queue = uniqueQueue('race-parent');
    const child = uniqueQueue('race-child');
    const parents = await a.enqueueMany(Array.from({ length: 150 }, (_, i) => ({ queue, payload: { i } })));
    const claimed = await a.claim([queue], { limit: 150 });
    expect(claimed).toHaveLength(150);
    const completing = (async () => {
      for (const job of claimed.sort(() => Math.random() - 0.5)) await a.completeJob(job, { result: job.id });
    })();
    const enqueuing = (async () => {
      const out: number[] = [];
      for (const p of parents) {
        const { jobs } = await b.enqueueGraph([{ ref: 'c', queue: child, payload: {}, dependsOn: [{ jobId: p.job.id }] }]);
        out.push(jobs.c!.id);
      }
      return out;
    })();
    const [, children] = await Promise.all([completing, enqueuing]);
    const stuck = await queryRows(
      t.database.db,
      sql`SELECT id FROM jobs WHERE queue = ${child} AND state <> 'ready'`,
    );
    expect(stuck).toEqual([]);
    expect(children).toHaveLength(150);
    expect(await count(t.database, sql`SELECT count(*) AS n FROM jobs WHERE queue = ${child} AND pending_parents <> 0`)).toBe(0);
  });
});

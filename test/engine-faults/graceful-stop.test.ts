import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows, toInt } from '../../src/db/rows.js';
import { createEngine } from '../../src/engine/index.js';
import { useTestDatabase } from '../helpers/db.js';
import { createFaultTables, effectStats, FAULT_QUEUE, waitUntil, WorkerProcess, type ChildOptions } from './harness.js';

const testDb = useTestDatabase();

const JOBS = 12;
const CONCURRENCY = 3;

const jobIdsRun = (w: WorkerProcess) => [...new Set(w.runs.map((r) => r.job))].sort((a, b) => a - b);

async function setup(t: ReturnType<typeof testDb>, opts: Partial<ChildOptions>) {
  await queryRows(t.database.db, sql`drop table if exists fault_effects`);
  await queryRows(t.database.db, sql`delete from jobs`);
  await createFaultTables(t.database);
  const engine = createEngine({ database: t.database });
  await engine.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ queue: FAULT_QUEUE, payload: { i } })));
  const worker = new WorkerProcess({
    url: t.url,
    appName: `qf-graceful-${t.name}`,
    concurrency: CONCURRENCY,
    leaseMs: 10_000,
    heartbeatMs: 1000,
    pollMs: 200,
    reaperIntervalMs: 1000,
    graceMs: 5000,
    handlerMinMs: 1500,
    handlerMaxMs: 1500,
    ...opts,
  });
  await worker.ready;
  // Wait until the worker is busy: `CONCURRENCY` handlers running.
  await waitUntil(() => worker.runs.length >= CONCURRENCY, 15_000, () => worker.tail());
  return { engine, worker };
}

describe('graceful stop (SIGTERM)', () => {
  it('stops claiming, lets running handlers finish, releases the rest, exits 0', async () => {
    const t = testDb();
    const { engine, worker } = await setup(t, { graceMs: 5000 });
    const sentAt = Date.now();
    worker.signal('SIGTERM');
    const exit = await worker.exited;
    const tookMs = Date.now() - sentAt;
    expect(exit, worker.tail()).toEqual({ code: 0, signal: null });
    // It waited for the running handlers (about 1.5 s each) but not for the grace period to end.
    expect(tookMs).toBeLessThan(5000);

    const ran = jobIdsRun(worker);
    expect(ran).toHaveLength(CONCURRENCY); // nothing claimed after SIGTERM
    const states = await engine.countByState();
    expect(states.succeeded).toBe(CONCURRENCY);
    expect(states.running ?? 0).toBe(0);
    expect(states.ready).toBe(JOBS - CONCURRENCY);
    const succeeded = await queryRows(t.database.db, sql`select id from jobs where state = 'succeeded' order by id`);
    expect(succeeded.map((r) => toInt(r.id, 'id'))).toEqual(ran);
    expect(await effectStats(t.database)).toEqual({
      rows: CONCURRENCY,
      distinctJobs: CONCURRENCY,
      maxCommits: 1,
      totalCommits: CONCURRENCY,
    });
    await engine.close();
  }, 30_000);

  it('releases handlers still running at the end of the grace period (even ones ignoring their abort signal) to ready, exits 0', async () => {
    const t = testDb();
    const { engine, worker } = await setup(t, { graceMs: 500, handlerMinMs: 20_000, handlerMaxMs: 20_000, ignoreAbort: true });
    const sentAt = Date.now();
    worker.signal('SIGTERM');
    const exit = await worker.exited;
    expect(exit, worker.tail()).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(4000);
    const states = await engine.countByState();
    expect(states.running ?? 0).toBe(0);
    expect(states.succeeded ?? 0).toBe(0);
    expect(states.ready).toBe(JOBS);
    expect((await effectStats(t.database)).rows).toBe(0);
    await engine.close();
  }, 30_000);
});

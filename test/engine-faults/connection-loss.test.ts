import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryOne, toInt } from '../../src/db/rows.js';
import { createEngine } from '../../src/engine/index.js';
import { useTestDatabase } from '../helpers/db.js';
import { createFaultTables, diagnose, effectStats, FAULT_QUEUE, Progress, runStats, sleep, waitUntil, WorkerProcess } from './harness.js';

const testDb = useTestDatabase();

// Enough work (8 at a time, 30-50 ms each: about 4 s) that the five kill rounds (~2.5 s) all land mid-run.
const JOBS = 800;
const TERMINATIONS = 5;

describe('connection loss (pg_terminate_backend on every worker connection)', () => {
  it('survives its connections being killed mid-run and finishes the work', async () => {
    const { database, url, name } = testDb();
    await createFaultTables(database);
    const engine = createEngine({ database });
    await engine.enqueueMany(
      Array.from({ length: JOBS }, (_, i) => ({ queue: FAULT_QUEUE, payload: { i }, maxAttempts: 50 })),
    );
    const appName = `qf-connloss-${name}`;
    const worker = new WorkerProcess({
      url,
      appName,
      concurrency: 8,
      leaseMs: 2000,
      heartbeatMs: 500,
      pollMs: 200,
      reaperIntervalMs: 250,
      graceMs: 5000,
      handlerMinMs: 30,
      handlerMaxMs: 50,
    });
    const t0 = Date.now();
    const timeline: string[] = [];
    const mark = async (what: string) => timeline.push(`${Date.now() - t0}ms ${what} (${(await engine.countByState()).succeeded} done)`);
    await worker.ready;
    await mark('ready');
    const progress = new Progress();
    const succeeded = async () => progress.see((await engine.countByState()).succeeded ?? 0);
    await waitUntil(async () => (await succeeded()) > 0, 15_000, () => worker.tail());

    // Kill the worker's pool and LISTEN connections (matched by application_name) several times.
    const terminated: number[] = [];
    const backends = async () =>
      toInt(
        (
          await queryOne(
            database.db,
            sql`select count(*) as n from pg_stat_activity
                where datname = current_database() and application_name like ${`${appName}%`}`,
          )
        )?.n,
        'n',
      );
    for (let i = 0; i < TERMINATIONS; i++) {
      // Each round waits for the worker to be connected again, so every round kills something.
      await waitUntil(async () => (await backends()) > 0, 10_000, () => `round ${i}: no connection\n${worker.tail()}`);
      const row = await queryOne(
        database.db,
        sql`select count(pg_terminate_backend(pid)) as n from pg_stat_activity
            where datname = current_database() and application_name like ${`${appName}%`}`,
      );
      terminated.push(toInt(row?.n, 'n'));
      await mark(`terminated ${terminated[i]}`);
      expect(worker.alive, worker.tail()).toBe(true);
      await sleep(400);
    }
    const doneAtLastKill = await succeeded();

    await waitUntil(
      async () => (await succeeded()) === JOBS,
      30_000,
      async () =>
        `states ${JSON.stringify(await engine.countByState())}, succeeded ${progress}\n${await diagnose(database, appName)}\n${worker.tail()}`,
    );
    expect(worker.alive, worker.tail()).toBe(true);
    await mark('all done');
    if (process.env.FAULT_TIMELINE) console.log(timeline.join('\n'));

    worker.signal('SIGTERM');
    expect(await worker.exited, worker.tail()).toEqual({ code: 0, signal: null });

    // Every round found live connections to kill, and work remained after the last one.
    expect(terminated.every((n) => n > 0), `terminated per round: ${terminated.join(',')}`).toBe(true);
    expect(doneAtLastKill).toBeLessThan(JOBS);
    const states = await engine.countByState();
    expect(states.succeeded).toBe(JOBS);
    for (const [state, count] of Object.entries(states)) if (state !== 'succeeded') expect(count, state).toBe(0);
    expect(await effectStats(database)).toEqual({ rows: JOBS, distinctJobs: JOBS, maxCommits: 1, totalCommits: JOBS });
    expect(runStats([worker]).jobsRun).toBe(JOBS);
    await engine.close();
  }, 60_000);
});

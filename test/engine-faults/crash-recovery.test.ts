import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { useTestDatabase } from '../helpers/db.js';
import {
  createFaultTables,
  diagnose,
  effectStats,
  FAULT_QUEUE,
  Progress,
  randomBetween,
  runStats,
  sleep,
  waitUntil,
  WorkerProcess,
  type ChildOptions,
} from './harness.js';

const testDb = useTestDatabase();

const JOBS = 2000;
const PROCESSES = 3;

describe('crash recovery (worker processes killed with SIGKILL)', () => {
  it('finishes every job exactly once in effect, re-running the ones a killed process held', async () => {
    const { database, url, name } = testDb();
    await createFaultTables(database);
    const engine = createEngine({ database });
    await engine.enqueueMany(
      Array.from({ length: JOBS }, (_, i) => ({ queue: FAULT_QUEUE, payload: { i }, maxAttempts: 50 })),
    );

    const opts: ChildOptions = {
      url,
      appName: `qf-crash-${name}`,
      concurrency: 8,
      leaseMs: 1500,
      heartbeatMs: 400,
      pollMs: 200,
      reaperIntervalMs: 250,
      graceMs: 5000,
      handlerMinMs: 20,
      handlerMaxMs: 80,
      // A process that was paused past its lease completes its handlers anyway: the fence must stop them.
      ignoreAbort: true,
    };
    const live = new Set<WorkerProcess>();
    const spawnOne = () => {
      const w = new WorkerProcess(opts);
      live.add(w);
      return w;
    };
    for (let i = 0; i < PROCESSES; i++) spawnOne();
    await Promise.all([...live].map((w) => w.ready));

    const progress = new Progress();
    const succeeded = async () => progress.see((await engine.countByState()).succeeded ?? 0);
    let kills = 0;
    let pauses = 0;
    const started = Date.now();
    const timeline: string[] = [];
    // Chaos: every 250–700 ms kill -9 a random worker and start a replacement; once, freeze one
    // (SIGSTOP) for twice the lease, so its leases expire and its jobs are reclaimed while it sleeps.
    while ((await succeeded()) < JOBS && Date.now() - started < 45_000) {
      await sleep(randomBetween(250, 700));
      const victims = [...live].filter((w) => w.alive && w.isReady);
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (!victim) continue;
      const done = await succeeded();
      if (done >= JOBS) break;
      if (kills === 2 && pauses === 0) {
        pauses++;
        victim.signal('SIGSTOP');
        setTimeout(() => victim.signal('SIGCONT'), opts.leaseMs * 2);
        continue;
      }
      if (kills >= 8) continue;
      victim.signal('SIGKILL');
      kills++;
      live.delete(victim);
      spawnOne();
      timeline.push(`${Date.now() - started}ms kill#${kills} at ${done} done`);
    }
    timeline.push(`${Date.now() - started}ms chaos over`);

    await waitUntil(
      async () => (await succeeded()) === JOBS,
      30_000,
      async () =>
        `states ${JSON.stringify(await engine.countByState())}, succeeded ${progress}\n${timeline.join('\n')}\n` +
        `${await diagnose(database, opts.appName)}\n` +
        [...live].map((w) => w.tail(10)).join('\n'),
    );

    timeline.push(`${Date.now() - started}ms all succeeded`);
    // The survivors stop gracefully.
    for (const w of live) w.signal('SIGCONT');
    for (const w of live) w.signal('SIGTERM');
    const exits = await Promise.all([...live].map((w) => w.exited));
    for (const [i, exit] of exits.entries()) {
      expect(exit, [...live][i]?.tail()).toEqual({ code: 0, signal: null });
    }

    const states = await engine.countByState();
    expect(states.succeeded).toBe(JOBS);
    for (const [state, count] of Object.entries(states)) if (state !== 'succeeded') expect(count, state).toBe(0);

    // Effectively once: one effect row per job, none committed twice.
    expect(await effectStats(database)).toEqual({ rows: JOBS, distinctJobs: JOBS, maxCommits: 1, totalCommits: JOBS });

    // At least once, really: the kills interrupted handlers, and those jobs ran again.
    const runs = await runStats(database);
    expect(kills, timeline.join('\n')).toBeGreaterThanOrEqual(3);
    expect(runs.jobsRun).toBe(JOBS);
    expect(runs.runs).toBeGreaterThan(JOBS);
    expect(runs.jobsRunMoreThanOnce).toBeGreaterThan(0);

    await engine.close();
  }, 90_000);
});

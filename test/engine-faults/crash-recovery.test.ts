import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryOne, toInt } from '../../src/db/rows.js';
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
const MAX_KILLS = 6;

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
      handlerMinMs: 10,
      handlerMaxMs: 50,
      // A process that was paused past its lease completes its handlers anyway: the fence must stop them.
      ignoreAbort: true,
    };
    const live = new Set<WorkerProcess>();
    const everyProcess: WorkerProcess[] = [];
    const spawnOne = () => {
      const w = new WorkerProcess(opts);
      live.add(w);
      everyProcess.push(w);
      return w;
    };
    for (let i = 0; i < PROCESSES; i++) spawnOne();
    await Promise.all([...live].map((w) => w.ready));

    // Worker ids are `host:pid:random`, and claims write them to locked_by.
    const runningHeldBy = async (pid: number) =>
      toInt(
        (await queryOne(database.db, sql`select count(*) as n from jobs where state = 'running' and split_part(locked_by, ':', 2) = ${String(pid)}`))?.n,
        'n',
      );
    const progress = new Progress();
    const succeeded = async () => progress.see((await engine.countByState()).succeeded ?? 0);
    let kills = 0;
    let pauses = 0;
    let frozen: WorkerProcess | null = null;
    let thawAt = 0;
    const started = Date.now();
    const timeline: string[] = [];
    // Chaos, while work remains: at random moments 300–800 ms apart, kill -9 a random running
    // worker and start a replacement (never the last running one, so work keeps flowing while
    // replacements boot); once, after the third kill, freeze one (SIGSTOP) for twice the lease
    // instead, so its leases expire and its jobs are reclaimed while it sleeps, then let it wake
    // and try to complete them. (The freeze came after the second kill until the survivors got
    // fast enough to finish all the work during the 3 s freeze, leaving no time for a third.)
    while ((await succeeded()) < JOBS && kills < MAX_KILLS && Date.now() - started < 45_000) {
      await sleep(randomBetween(300, 800));
      // No kills while a process is frozen: the survivors' reapers must be there to reclaim its
      // leases. (Killing them all meanwhile let the frozen process wake to still-valid tokens and
      // finish its jobs legitimately, which tests nothing.)
      if (Date.now() < thawAt) continue;
      const victims = [...live].filter((w) => w.alive && w.isReady && w !== frozen);
      if (victims.length < (frozen ? 1 : 2)) continue;
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (!victim) continue;
      const done = await succeeded();
      if (done >= JOBS) break;
      if (kills === 3 && pauses === 0) {
        victim.signal('SIGSTOP');
        // Freezing a process that holds no running job proves nothing about the fence (it can
        // happen near the end of the work, or to a replacement that has not claimed yet): check
        // what it holds once it is stopped, and try another moment if nothing.
        if ((await runningHeldBy(victim.pid)) === 0) {
          victim.signal('SIGCONT');
          continue;
        }
        pauses++;
        frozen = victim;
        thawAt = Date.now() + opts.leaseMs * 2;
        setTimeout(() => victim.signal('SIGCONT'), opts.leaseMs * 2);
        timeline.push(`${Date.now() - started}ms SIGSTOP at ${done} done`);
        continue;
      }
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
    if (process.env.FAULT_TIMELINE) console.log(timeline.join('\n'));
    // The survivors stop gracefully (once booted: a process still loading has no SIGTERM handler yet).
    await Promise.all([...live].map((w) => w.ready));
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
    const runs = runStats(everyProcess);
    expect(kills, timeline.join('\n')).toBeGreaterThanOrEqual(3);
    expect(pauses).toBe(1);
    // The frozen process woke up holding leases that had been reclaimed: the fence refused them.
    expect(frozen?.leasesLost.length ?? 0, frozen?.tail()).toBeGreaterThan(0);
    expect(runs.jobsRun).toBe(JOBS);
    expect(runs.runs).toBeGreaterThan(JOBS);
    expect(runs.jobsRunMoreThanOnce).toBeGreaterThan(0);

    await engine.close();
  }, 90_000);
});

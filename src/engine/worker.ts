import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/client.js';
import { claimJobs, JOBS_CHANNEL, nextRunAt, pruneEvents } from '../db/jobs/index.js';
import { decideFailure } from './backoff.js';
import { Reporter } from './worker-report.js';
import { Completer } from './completer.js';
import type { EngineConfig } from './config.js';
import { describeDbError, retryTransient } from './db-errors.js';
import { BinaryHeap, runsBefore } from './heap.js';
import type { EngineMetrics } from './metrics.js';
import { completeInTransaction, failInTransaction, reapOnce } from './ops.js';
import type { EngineLogger, HandlerSuccess, TaskDefinition } from './types.js';
import { WorkerEvents, type WorkerEventMap, type WorkerEventName } from './worker-events.js';
import { WorkerStoppingError, type Worker, type WorkerOptions } from './worker-api.js';
import { ReadyCache } from './ready-cache.js';
import { abortJob, HeldContext, type Held } from './held.js';
import { HeldJobs } from './leases.js';
import type { EventNotifier } from './notifier.js';

interface Deps {
  database: Database;
  config: EngineConfig;
  log: EngineLogger;
  metrics: EngineMetrics | undefined;
  /** Wakes event readers after our commits. */
  notifier: EventNotifier;
}

/**
 * A worker: claims jobs of its queues in batches (when its ReadyCache says there is work), keeps
 * claimed-but-not-started jobs in a local heap in (priority, run_at, id) order, runs them under
 * leases it heartbeats (HeldJobs, ./leases.ts), writes their outcomes fenced by the lease, and
 * survives database errors by logging and carrying on.
 */
export class EngineWorker implements Worker {
  readonly id: string;
  private readonly queues: string[];
  private readonly cfg: EngineConfig & { concurrency: number; runReaper: boolean };
  private readonly log: EngineLogger;
  private readonly events: WorkerEvents;
  private readonly report: Reporter;
  private readonly completer: Completer;
  private readonly cache: ReadyCache;
  private readonly local = new BinaryHeap<Held>((a, b) => runsBefore(a.rank, b.rank));
  private readonly heldJobs: HeldJobs;
  /** run() calls not yet returned (handler running or its outcome being written), and who waits for none. */
  private inFlight = 0;
  private onNoneInFlight: (() => void) | null = null;
  private running = 0;
  private claiming = false;
  private fillScheduled = false;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  private lastPrune = 0;
  private lastHousekeeping = 0;
  private readonly housekeeping: (() => Promise<unknown>) | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly tasks: Record<string, TaskDefinition>,
    opts: Omit<WorkerOptions, 'tasks'>,
  ) {
    this.id = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.queues = Object.keys(tasks);
    this.housekeeping = opts.housekeeping;
    this.cache = new ReadyCache(this.queues, () => this.scheduleFill(), opts.readyCacheMax);
    const c = deps.config;
    this.cfg = {
      ...c,
      leaseMs: opts.leaseMs ?? c.leaseMs,
      heartbeatMs: opts.heartbeatMs ?? Math.min(c.heartbeatMs, Math.floor((opts.leaseMs ?? c.leaseMs) / 3)),
      pollMs: opts.pollMs ?? c.pollMs,
      reaperIntervalMs: opts.reaperIntervalMs ?? c.reaperIntervalMs,
      prefetch: opts.prefetch ?? c.prefetch,
      claimBatch: opts.claimBatch ?? c.claimBatch,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      runReaper: opts.runReaper ?? true,
    };
    if (this.cfg.heartbeatMs >= this.cfg.leaseMs) throw new Error('worker: heartbeatMs must be below leaseMs');
    this.log = deps.log.child({ component: 'worker', workerId: this.id });
    this.events = new WorkerEvents(this.log);
    this.report = new Reporter(deps.metrics, this.events, this.log);
    this.heldJobs = new HeldJobs({
      database: deps.database,
      workerId: this.id,
      leaseMs: this.cfg.leaseMs,
      notifier: deps.notifier,
      events: this.events,
      report: this.report,
      fault: (err, context) => this.fault(err, context),
    });
    this.completer = new Completer(deps.database, {
      batch: c.completionBatch,
      flushMs: c.completionFlushMs,
      log: this.log,
      onFlushed: (applied) => {
        if (applied > 0) deps.notifier.poke();
        // Claims hold back while a full batch of completions waits (back-pressure in fill);
        // a landed flush lifts it, so look for work now rather than at the next poll.
        this.scheduleFill();
      },
    });
  }

  get held(): number {
    return this.heldJobs.size;
  }

  get cachedJobs(): number {
    return this.cache.size;
  }

  on<K extends WorkerEventName>(event: K, fn: (payload: WorkerEventMap[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`worker ${this.id} cannot start: it is ${this.state}`);
    this.state = 'running';
    try {
      this.unlisten = await this.deps.database.listen(JOBS_CHANNEL, (payload) => this.onWake(payload));
    } catch (err) {
      // NOTIFY is only a hint: without it the worker still finds work by polling.
      this.fault(err, 'listen');
    }
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.fault(err, 'timer')), ms);
      this.timers.push(t);
    };
    every(this.cfg.pollMs, async () => this.poll());
    every(this.cfg.heartbeatMs, async () => this.heldJobs.heartbeat());
    if (this.cfg.runReaper) every(this.cfg.reaperIntervalMs, async () => this.reap());
    this.events.emit('worker:started', { workerId: this.id });
    await this.poll();
  }

  stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.shutdown(opts.graceMs ?? 30_000);
    return this.stopping;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.cache.close();
    await this.unlisten?.().catch((err: unknown) => this.fault(err, 'unlisten'));
    while (this.claiming) await sleep(5);
    let released = await this.heldJobs.release(this.heldJobs.inPhase('queued'));
    if (this.inFlight > 0) {
      const all = new Promise<void>((r) => (this.onNoneInFlight = r));
      // The grace timer is cleared once handlers finish: left pending, it kept the process alive for the whole grace period.
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((r) => (graceTimer = setTimeout(r, graceMs)))]);
      clearTimeout(graceTimer);
    }
    const late = this.heldJobs.inPhase('running');
    for (const h of late) abortJob(h, new WorkerStoppingError('worker stopping: grace period over'));
    released += await this.heldJobs.release(late);
    await this.completer.drain().catch((err: unknown) => this.fault(err, 'drain'));
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.state = 'stopped';
    if (wasRunning) this.log.info({ released }, 'worker stopped');
    this.events.emit('worker:stopped', { workerId: this.id, released });
  }

  // ---- finding work -------------------------------------------------------------------------

  private onWake(payload: string): void {
    const cancelled = parseCancel(payload);
    if (cancelled) {
      this.heldJobs.cancel(cancelled);
      return;
    }
    if (this.state === 'running' && this.cache.noteWake(payload)) this.scheduleFill();
  }

  /** Polling fallback: assume work may exist, and learn the next delayed job's time. */
  private async poll(): Promise<void> {
    if (this.state !== 'running') return;
    this.cache.markUnknown();
    await this.fill();
    // Only when no due job is left is the next delayed one worth a query (it scans the ready set).
    if (this.cache.hasWork) return;
    try {
      const at = await nextRunAt(this.deps.database.db, this.queues);
      if (at) this.cache.noteNextRunAt(at.getTime());
    } catch (err) {
      this.fault(err, 'poll');
    }
  }

  private scheduleFill(): void {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    queueMicrotask(() => {
      this.fillScheduled = false;
      void this.fill();
    });
  }

  /** Claims as many jobs as there are free places and evidence of work, then dispatches. */
  private async fill(): Promise<void> {
    this.dispatch();
    if (this.state !== 'running' || this.claiming) return;
    const capacity = this.cfg.concurrency + this.cfg.prefetch;
    const free = capacity - this.running - this.local.size;
    // Top the local queue up in large batches (fewer statements and commits): claim when idle
    // places would otherwise wait, or when three quarters of a batch's places are free. With a
    // capacity above one batch, the next claim is thus in flight while held jobs still run.
    // Back-pressure: while a full batch of completions waits to be written, claim nothing more.
    // With prefetch, an empty local queue is refilled before a place idles (the next claim's
    // round trip then overlaps running handlers instead of delaying the next start).
    const starving = this.local.size === 0 && (this.running < this.cfg.concurrency || this.cfg.prefetch > 0);
    const worthIt = starving || free >= Math.min(capacity, this.cfg.claimBatch) * 0.75;
    const backlog = this.completer.size >= this.cfg.completionBatch;
    const want = worthIt && !backlog ? Math.min(this.cache.want(free), this.cfg.claimBatch) : 0;
    if (want <= 0) return;
    this.claiming = true;
    const epoch = this.cache.beginClaim();
    let got = 0;
    let failed = false;
    try {
      const rows = await retryTransient(() =>
        claimJobs(this.deps.database.db, { queues: this.queues, workerId: this.id, leaseMs: this.cfg.leaseMs, limit: want }),
      );
      got = rows.length;
      if (got > 0) this.deps.notifier.poke();
      for (const r of rows) {
        const { job } = r;
        const h: Held = {
          job,
          rank: { priority: job.priority, runAt: job.runAt.getTime(), id: job.id },
          parents: r.parents,
          phase: 'queued',
          controller: null,
          abortReason: null,
          lost: false,
          slotFreed: false,
        };
        this.heldJobs.add(h);
        this.local.push(h);
        this.deps.metrics?.claims.inc({ queue: job.queue });
      }
      this.cache.afterClaim(want, got, epoch);
    } catch (err) {
      failed = true;
      this.fault(err, 'claim'); // the next poll tries again
    } finally {
      this.claiming = false;
    }
    this.dispatch();
    if (this.state === 'running' && !failed && this.cache.hasWork) this.scheduleFill();
  }

  private dispatch(): void {
    while (this.running < this.cfg.concurrency && this.local.size > 0 && this.state === 'running') {
      const h = this.local.pop() as Held;
      if (h.lost || !this.heldJobs.has(h.job.id)) continue;
      // One promise per job, not three: run() reports its own faults and counts itself out.
      this.inFlight++;
      void this.run(h);
    }
  }

  // ---- running a job ------------------------------------------------------------------------

  /** Never rejects: faults are reported, and the in-flight count always drops (see dispatch). */
  private async run(h: Held): Promise<void> {
    const { job } = h;
    const task = this.tasks[job.queue];
    h.phase = 'running';
    this.running++;
    const started = performance.now();
    try {
      if (this.events.has('job:started')) this.events.emit('job:started', { job });
      let out: HandlerSuccess | void;
      try {
        if (!task) throw new Error(`no task registered for queue ${job.queue}`);
        out = await task.handler(job, new HeldContext(h, this.id, this.log));
      } catch (err) {
        h.phase = 'finishing';
        this.freeSlot(h);
        await this.failed(h, err, task, started);
        return;
      }
      h.phase = 'finishing';
      // `concurrency` bounds running handlers: writing an outcome is database work, and a place
      // held through it idles (a model-bound pipeline lost a completion transaction per job).
      this.freeSlot(h);
      const success: HandlerSuccess = out ?? {};
      if (success.pending) {
        try {
          await success.pending;
        } catch (err) {
          await this.failed(h, err, task, started);
          return;
        }
      }
      if (!success.effects && !task?.onSucceeded) {
        // No transaction needed: share a batched statement.
        const applied = await this.completer.add({ id: job.id, leaseToken: job.leaseToken, result: success.result });
        this.report.succeeded(h, applied ? () => ({ ...job, state: 'succeeded', result: success.result ?? null }) : null, started);
        return;
      }
      let res;
      try {
        res = await completeInTransaction(this.deps.database, job, success, task, this.log);
      } catch (err) {
        // effects or onSucceeded threw (or the database stayed down): the transaction rolled
        // back, nothing of it committed; the attempt counts as failed.
        await this.failed(h, err, task, started);
        return;
      }
      if (res.applied) this.deps.notifier.poke();
      this.report.succeeded(h, res.applied ? () => res.job : null, started);
    } catch (err) {
      this.fault(err, 'run', job.id);
    } finally {
      this.heldJobs.delete(job.id);
      this.freeSlot(h);
      if (--this.inFlight === 0 && this.onNoneInFlight) {
        this.onNoneInFlight();
        this.onNoneInFlight = null;
      }
    }
  }

  private freeSlot(h: Held): void {
    if (h.slotFreed) return;
    h.slotFreed = true;
    this.running--;
    this.dispatch();
    this.scheduleFill();
  }

  private async failed(h: Held, err: unknown, task: TaskDefinition | undefined, started: number): Promise<void> {
    const transition = decideFailure(h.job, err, {
      baseMs: task?.retryBaseMs ?? this.cfg.retryBaseMs,
      capMs: task?.retryMaxMs ?? this.cfg.retryMaxMs,
    });
    const res = await failInTransaction(this.deps.database, h.job, transition, this.id, task, this.log);
    if (res.applied) this.deps.notifier.poke();
    this.report.failed(h, transition, res, started);
  }

  // ---- upkeep --------------------------------------------------------------------------------

  private async reap(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      const res = await retryTransient(() =>
        reapOnce(this.deps.database, { queues: this.queues, limit: this.cfg.reaperBatch, tasks: this.tasks, log: this.log }),
      );
      if (res.requeued.length + res.dead.length > 0) {
        this.deps.notifier.poke();
        this.log.warn({ requeued: res.requeued.length, dead: res.dead.length }, 'reaped expired leases');
        for (const j of res.dead) this.deps.metrics?.deadLetters.inc({ queue: j.queue, reason: 'lease_expired' });
        this.events.emit('reaper:reaped', res);
        if (res.requeued.length > 0) this.scheduleFill();
      }
      if (this.cfg.eventRetentionMs > 0 && Date.now() - this.lastPrune > 60_000) {
        this.lastPrune = Date.now();
        await pruneEvents(this.deps.database.db, this.cfg.eventRetentionMs);
      }
      if (this.housekeeping && Date.now() - this.lastHousekeeping > 60_000) {
        this.lastHousekeeping = Date.now();
        await this.housekeeping();
      }
    } catch (err) {
      this.fault(err, 'reaper');
    }
  }

  private fault(err: unknown, context: string, jobId?: number): void {
    this.log.error({ err: describeDbError(err), context, jobId }, 'worker error (continuing)');
    this.events.emit('error', jobId === undefined ? { error: err, context } : { error: err, context, jobId });
  }
}

/** The ids of a `{"cancel": [ids]}` payload on the jobs channel, or null for any other payload. */
export function parseCancel(payload: string): number[] | null {
  if (!payload.startsWith('{"cancel"')) return null;
  try {
    const doc = JSON.parse(payload) as { cancel?: unknown };
    return Array.isArray(doc.cancel) ? doc.cancel.filter((id): id is number => typeof id === 'number') : [];
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

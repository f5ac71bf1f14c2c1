import type { Database } from '../db/client.js';
import { extendLeases, releaseJobs } from '../db/jobs/index.js';
import { retryTransient } from './db-errors.js';
import { abortJob, type Held } from './held.js';
import type { EventNotifier } from './notifier.js';
import type { WorkerEvents } from './worker-events.js';
import type { Reporter } from './worker-report.js';
import { JobCancelledError, LeaseLostError } from './worker-api.js';

interface LeaseDeps {
  database: Database;
  workerId: string;
  leaseMs: number;
  notifier: EventNotifier;
  events: WorkerEvents;
  report: Reporter;
  /** The worker's "log, emit `error`, carry on". */
  fault: (err: unknown, context: string) => void;
}

/**
 * The jobs a worker holds under its lease (queued locally, running, or finishing), and the three
 * ways a lease ends other than completion: given back (release), taken away (heartbeat refused),
 * or cancelled in the database. Keeps the held-job table and the fence statements in one place,
 * apart from the worker's claim-and-dispatch loop.
 */
export class HeldJobs {
  private readonly byId = new Map<number, Held>();

  constructor(private readonly deps: LeaseDeps) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  add(h: Held): void {
    this.byId.set(h.job.id, h);
  }

  delete(id: number): void {
    this.byId.delete(id);
  }

  /** The held jobs in one phase, e.g. the queued ones a stopping worker gives back first. */
  inPhase(phase: Held['phase']): Held[] {
    return [...this.byId.values()].filter((h) => h.phase === phase);
  }

  /** Gives jobs back to ready (fenced); returns how many were released. */
  async release(list: Held[]): Promise<number> {
    if (list.length === 0) return 0;
    for (const h of list) {
      h.lost = true;
      this.byId.delete(h.job.id);
    }
    try {
      const jobs = await retryTransient(() =>
        releaseJobs(this.deps.database.db, list.map((h) => h.job), this.deps.workerId),
      );
      if (jobs.length > 0) this.deps.notifier.poke();
      for (const job of jobs) this.deps.events.emit('job:released', { job });
      return jobs.length;
    } catch (err) {
      this.deps.fault(err, 'release'); // their leases expire and the reaper takes them back
      return 0;
    }
  }

  /**
   * Jobs cancelled in the database (see cancelGroup): the row is already fenced against us, so
   * stop at once. A queued one is dropped; a running one has its signal aborted, which aborts the
   * in-flight model call; whatever it returns after is refused by the fence.
   */
  cancel(ids: readonly number[]): void {
    for (const id of ids) {
      const h = this.byId.get(id);
      if (!h || h.lost) continue;
      h.lost = true;
      if (h.phase === 'queued') this.byId.delete(id);
      abortJob(h, new JobCancelledError(`job ${id} was cancelled`));
      this.deps.events.emit('job:cancelled', { job: h.job });
    }
  }

  /** Extends every held lease in one statement; a job whose extension is refused is lost. */
  async heartbeat(): Promise<void> {
    // Finishing jobs are extended too (a slow completion must not lose its lease) but never
    // flagged as lost: their completion may simply have landed first.
    const list = [...this.byId.values()].filter((h) => !h.lost);
    if (list.length === 0) return;
    let extended: Map<number, Date>;
    try {
      extended = await retryTransient(() => extendLeases(this.deps.database.db, list.map((h) => h.job), this.deps.leaseMs), {
        attempts: 3,
      });
    } catch (err) {
      this.deps.fault(err, 'heartbeat');
      return;
    }
    for (const h of list) {
      const until = extended.get(h.job.id);
      if (until) {
        h.job.leaseExpiresAt = until;
      } else if (h.phase !== 'finishing' && this.byId.get(h.job.id) === h) {
        h.lost = true;
        if (h.phase === 'queued') this.byId.delete(h.job.id);
        abortJob(h, new LeaseLostError(`lease on job ${h.job.id} lost`));
        this.deps.report.leaseLost(h, 'heartbeat');
      }
    }
  }
}

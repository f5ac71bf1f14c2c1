import type { FailTransition } from '../db/jobs/index.js';
import type { Held } from './held.js';
import type { EngineMetrics } from './metrics.js';
import type { EngineLogger, FencedJobResult, Job } from './types.js';
import type { WorkerEvents } from './worker-events.js';

/** Turns a job's outcome into metrics, log lines and worker events (one place, one vocabulary). */
export class Reporter {
  constructor(
    private readonly metrics: EngineMetrics | undefined,
    private readonly events: WorkerEvents,
    private readonly log: EngineLogger,
  ) {}

  /** `job` is null when the fence refused the completion; a thunk so no object is built unheard. */
  succeeded(h: Held, job: (() => Job) | null, started: number): void {
    const durationMs = performance.now() - started;
    if (!job) {
      this.leaseLost(h, 'complete');
      return;
    }
    this.metrics?.completions.inc({ queue: h.job.queue });
    this.metrics?.duration.observe({ queue: h.job.queue, outcome: 'succeeded' }, durationMs / 1000);
    if (this.events.has('job:succeeded')) this.events.emit('job:succeeded', { job: job(), durationMs });
  }

  failed(h: Held, transition: FailTransition, res: FencedJobResult, started: number): void {
    const { job } = h;
    if (transition.kind === 'snooze') {
      if (!res.applied) this.leaseLost(h, 'fail');
      else this.log.debug({ jobId: job.id, queue: job.queue, delayMs: transition.delayMs }, 'job snoozed');
      return;
    }
    const outcome = transition.kind === 'dead' ? 'dead' : 'retry';
    this.metrics?.duration.observe({ queue: job.queue, outcome }, (performance.now() - started) / 1000);
    if (!res.applied) {
      this.leaseLost(h, 'fail');
      return;
    }
    if (transition.kind === 'dead') {
      this.metrics?.deadLetters.inc({ queue: job.queue, reason: transition.reason });
      this.log.warn({ jobId: job.id, queue: job.queue, reason: transition.reason, error: transition.error }, 'job dead');
      this.events.emit('job:dead', { job: res.job, error: transition.error, reason: transition.reason });
    } else {
      this.metrics?.retries.inc({ queue: job.queue });
      this.log.info({ jobId: job.id, queue: job.queue, delayMs: transition.delayMs, error: transition.error }, 'job retry scheduled');
      this.events.emit('job:failed', { job: res.job, error: transition.error, retryAt: res.job.runAt });
    }
  }

  leaseLost(h: Held, during: 'heartbeat' | 'complete' | 'fail'): void {
    this.metrics?.leaseLost.inc({ queue: h.job.queue });
    this.log.warn({ jobId: h.job.id, during }, 'lease lost: the job belongs to someone else now');
    this.events.emit('job:lease_lost', { job: h.job, during });
  }
}

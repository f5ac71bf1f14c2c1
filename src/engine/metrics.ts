import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobState } from './types.js';

/** The engine's Prometheus metrics; the registry is injected so a service exposes one /metrics. */
export interface EngineMetrics {
  claims: Counter<'queue'>;
  completions: Counter<'queue'>;
  retries: Counter<'queue'>;
  deadLetters: Counter<'queue' | 'reason'>;
  leaseLost: Counter<'queue'>;
  duration: Histogram<'queue' | 'outcome'>;
  depth: Gauge<'state'>;
  /** Gives the queue-depth gauge its source (the engine binds countByState when created). */
  bindDepth(source: () => Promise<Record<JobState, number>>): void;
}

/** Registers the engine metrics in `registry` (names prefixed `quizforge_`). */
export function createEngineMetrics(registry: Registry): EngineMetrics {
  let source: (() => Promise<Record<JobState, number>>) | null = null;
  const registers = [registry];
  return {
    claims: new Counter({ name: 'quizforge_jobs_claimed_total', help: 'Jobs claimed by workers', labelNames: ['queue'], registers }),
    completions: new Counter({
      name: 'quizforge_jobs_succeeded_total',
      help: 'Jobs completed successfully (fenced write applied)',
      labelNames: ['queue'],
      registers,
    }),
    retries: new Counter({ name: 'quizforge_jobs_retried_total', help: 'Failed attempts scheduled for retry', labelNames: ['queue'], registers }),
    deadLetters: new Counter({
      name: 'quizforge_jobs_dead_total',
      help: 'Jobs moved to the dead-letter queue',
      labelNames: ['queue', 'reason'],
      registers,
    }),
    leaseLost: new Counter({
      name: 'quizforge_jobs_lease_lost_total',
      help: 'Fenced writes refused because the lease was lost',
      labelNames: ['queue'],
      registers,
    }),
    duration: new Histogram({
      name: 'quizforge_job_duration_seconds',
      help: 'Handler run time, claim start to outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
    depth: new Gauge({
      name: 'quizforge_jobs',
      help: 'Jobs by state (queried at scrape time)',
      labelNames: ['state'],
      registers,
      async collect() {
        if (!source) return;
        const counts = await source();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    }),
    bindDepth(fn) {
      source = fn;
    },
  };
}

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createEngine, createEngineMetrics, PermanentError } from '../../src/engine/index.js';
import { useTestDatabase } from '../helpers/db.js';
import { uniqueQueue, waitFor } from './helpers.js';

const testDb = useTestDatabase();

describe('metrics', () => {
  it('counts claims, completions, retries and dead letters, times jobs, and reports depth by state', async () => {
    const { database } = testDb();
    const registry = new Registry();
    const metrics = createEngineMetrics(registry);
    const engine = createEngine({ database, metrics, config: { retryBaseMs: 1, retryMaxMs: 1 } });
    const queue = uniqueQueue('metrics');
    await engine.enqueueMany([
      { queue, payload: 'ok' },
      { queue, payload: 'ok' },
      { queue, payload: 'flaky', maxAttempts: 2 },
      { queue, payload: 'bad' },
    ]);
    const seen = new Set<string>();
    const worker = engine.createWorker({
      concurrency: 2,
      tasks: {
        [queue]: {
          async handler(job) {
            const kind = job.payload as string;
            if (kind === 'bad') throw new PermanentError('invalid', 'bad job');
            if (kind === 'flaky' && !seen.has('flaky')) {
              seen.add('flaky');
              throw new Error('first attempt fails');
            }
          },
        },
      },
    });
    await worker.start();
    await waitFor(async () => {
      const c = await engine.countByState();
      return c.succeeded === 3 && c.dead === 1;
    });
    await worker.stop();

    type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };
    const value = async (name: string, labels: Record<string, string>) => {
      const samples = (await registry.getMetricsAsJSON()).flatMap((m) =>
        (m.values as Sample[]).map((v) => ({ ...v, metricName: v.metricName ?? m.name })),
      );
      return samples.find((x) => x.metricName === name && Object.entries(labels).every(([k, want]) => x.labels[k] === want))
        ?.value;
    };
    expect(await value('quizforge_jobs_claimed_total', { queue })).toBe(5);
    expect(await value('quizforge_jobs_succeeded_total', { queue })).toBe(3);
    expect(await value('quizforge_jobs_retried_total', { queue })).toBe(1);
    expect(await value('quizforge_jobs_dead_total', { queue, reason: 'invalid' })).toBe(1);
    expect(await value('quizforge_job_duration_seconds_count', { queue, outcome: 'succeeded' })).toBe(3);
    expect(await value('quizforge_jobs', { state: 'succeeded' })).toBeGreaterThanOrEqual(3);
    expect(await value('quizforge_jobs', { state: 'dead' })).toBeGreaterThanOrEqual(1);
    const text = await registry.metrics();
    expect(text).toContain('quizforge_jobs{state="ready"}');
  });
});

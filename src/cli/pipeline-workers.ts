import type { Worker } from '../engine/index.js';
import { QUEUES } from '../quiz/index.js';
import type { Runtime } from './runtime.js';

/** The process's job workers, started and stopped as one. */
export interface PipelineWorkers {
  readonly id: string;
  start(): Promise<void>;
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/**
 * Model-bound chunk jobs get the whole `concurrency`; assemble jobs (no model call, a few
 * milliseconds of database work) run in a small pool of their own, so they never hold a slot a
 * model call could use (measured by `npm run bench:pipeline`: with one shared pool, the assembles
 * a wave of chunks unblocked took half the next wave's slots).
 */
export function createPipelineWorkers(rt: Runtime, concurrency: number): PipelineWorkers {
  const { [QUEUES.assemble]: assemble, ...modelBound } = rt.quiz.tasks();
  const retentionMs = rt.config.retentionMs;
  // The retention purge rides the main worker's reaper loop (once a minute, one process at a time).
  const housekeeping =
    retentionMs > 0
      ? async () => {
          const res = await rt.quiz.purgeExpired(retentionMs);
          if (res.batches > 0) rt.logger.info(res, 'retention: purged finished batches');
        }
      : undefined;
  const main = rt.engine.createWorker({ tasks: modelBound, concurrency, ...(housekeeping ? { housekeeping } : {}) });
  const workers: Worker[] = [main];
  if (assemble) {
    workers.push(
      rt.engine.createWorker({
        tasks: { [QUEUES.assemble]: assemble },
        concurrency: Math.max(1, Math.ceil(concurrency / 4)),
        // A worker reaps only its own queues (it knows their onDead hooks): without this reaper an
        // assemble whose outcome could not be written (database down) stayed `running` forever.
      }),
    );
  }
  return {
    id: main.id,
    async start() {
      for (const w of workers) await w.start();
    },
    async stop(opts) {
      await Promise.all(workers.map((w) => w.stop(opts)));
    },
  };
}

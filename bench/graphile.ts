import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import { isBenchPayload, type BenchSystem } from './system.js';
import { overridesFromEnv } from './overrides.js';
import { installedVersion } from './versions.js';

const TASK = 'bench';
const silent = new Logger(() => () => undefined);

/**
 * graphile-worker with the configuration of its own performance page
 * (https://worker.graphile.org/docs/performance): 24 concurrent jobs, a pool of 25, a local queue
 * of 500 (batched claims) and batched completions (`completeJobBatchDelay: 0`).
 */
const workerPreset = {
  concurrentJobs: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
  pollInterval: 2000,
  ...overridesFromEnv('BENCH_GRAPHILE_WORKER'),
};

export const graphile: BenchSystem = {
  name: 'graphile',
  version: installedVersion('graphile-worker'),
  settings: { ...workerPreset, enqueue: 'WorkerUtils.addJobs (one add_jobs call)' },

  async install(url) {
    await runMigrations({ connectionString: url, logger: silent });
  },

  async openClient(url) {
    const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
    return {
      async enqueueBulk(payloads) {
        await utils.addJobs(payloads.map((payload) => ({ identifier: TASK, payload })));
      },
      async enqueueOne(payload) {
        await utils.addJob(TASK, payload);
      },
      async remaining() {
        // graphile-worker deletes a job row when the job completes.
        const r = await utils.withPgClient((c) =>
          c.query<{ n: number }>('select count(*)::int as n from graphile_worker._private_jobs'),
        );
        return r.rows[0]?.n ?? 0;
      },
      async close() {
        await utils.release();
      },
    };
  },

  async startWorker(url, onJob) {
    const runner = await run({
      logger: silent,
      noHandleSignals: true,
      preset: { worker: { connectionString: url, ...workerPreset } },
      taskList: {
        [TASK]: async (payload) => {
          if (isBenchPayload(payload)) onJob(payload);
        },
      },
    });
    return {
      async stop() {
        await runner.stop();
      },
    };
  },
};

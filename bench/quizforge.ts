import { migrateDatabase, openDatabase, type Database } from '../src/db/client.js';
import { createEngine, type Engine, type EngineConfig, type WorkerOptions } from '../src/engine/index.js';
import { isBenchPayload, type BenchSystem } from './system.js';
import { overridesFromEnv } from './overrides.js';
import { projectVersion } from './versions.js';

const QUEUE = 'bench';

/**
 * Our engine as a throughput-minded deployment would run it: batched claims (up to 500 jobs held
 * per process: `concurrency` running plus `prefetch` claimed ahead), batched fenced completions
 * (engine defaults: up to 500 per statement, 2 ms flush), NOTIFY wake-ups with polling fallback.
 * Fencing, the event journal and job history (succeeded rows are kept) stay on, as in production.
 */
const workerSettings: Omit<WorkerOptions, 'tasks'> = {
  concurrency: 24,
  prefetch: 476,
  claimBatch: 500,
  leaseMs: 30_000,
  heartbeatMs: 10_000,
  pollMs: 1_000,
  reaperIntervalMs: 5_000,
  ...overridesFromEnv('BENCH_QF_WORKER'),
};
/** Engine config overrides for tuning experiments (defaults otherwise). */
const engineConfig: Partial<EngineConfig> = overridesFromEnv('BENCH_QF_ENGINE');
const POOL_SIZE = 10;


async function open(url: string, role: string): Promise<{ database: Database; engine: Engine }> {
  const database = await openDatabase({ url, poolSize: POOL_SIZE, applicationName: `bench-quizforge-${role}` });
  return { database, engine: createEngine({ database, config: engineConfig }) };
}

export const quizforge: BenchSystem = {
  name: 'quizforge',
  version: projectVersion(),
  settings: { ...workerSettings, ...engineConfig, poolSize: POOL_SIZE, enqueue: 'engine.enqueueMany (one statement)' },

  async install(url) {
    const database = await openDatabase({ url });
    try {
      await migrateDatabase(database);
    } finally {
      await database.close();
    }
  },

  async openClient(url) {
    const { database, engine } = await open(url, 'producer');
    return {
      async enqueueBulk(payloads) {
        await engine.enqueueMany(payloads.map((payload) => ({ queue: QUEUE, payload })));
      },
      async enqueueOne(payload) {
        await engine.enqueue({ queue: QUEUE, payload });
      },
      async remaining() {
        const c = await engine.countByState();
        return c.ready + c.running + c.waiting;
      },
      async close() {
        await engine.close();
        await database.close();
      },
    };
  },

  async startWorker(url, onJob) {
    const { database, engine } = await open(url, 'worker');
    const worker = engine.createWorker({
      ...workerSettings,
      tasks: {
        [QUEUE]: {
          handler: async (job) => {
            if (isBenchPayload(job.payload)) onJob(job.payload);
          },
        },
      },
    });
    await worker.start();
    return {
      async stop() {
        await worker.stop({ graceMs: 5_000 });
        await engine.close();
        await database.close();
      },
    };
  },
};

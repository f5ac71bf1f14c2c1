import { PgBoss } from 'pg-boss';
import { isBenchPayload, type BenchPayload, type BenchSystem } from './system.js';
import { overridesFromEnv } from './overrides.js';
import { installedVersion } from './versions.js';

const QUEUE = 'bench';

/**
 * pg-boss with its own fast paths switched on, as its docs describe them: LISTEN/NOTIFY wake-ups
 * (`useListenNotify` + a `notify` queue), batched fetches with burst mode (keep fetching while a
 * batch comes back full), several fetch loops per process (`localConcurrency`), bulk `insert()`.
 * Batch size 500 (as graphile's local queue and our claim batch) with 4 loops was pg-boss's best
 * here among 100–1000 × 2–8 (see RESULTS.md).
 */
const workOptions = {
  batchSize: 500,
  localConcurrency: 4,
  burstWhenBatchFull: true,
  pollingIntervalSeconds: 0.5,
  ...overridesFromEnv('BENCH_PGBOSS_WORK'),
};

function makeBoss(url: string, role: 'installer' | 'producer' | 'worker'): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    useListenNotify: role === 'worker',
    // Maintenance and cron belong to the workers; the producer only inserts.
    supervise: role === 'worker',
    schedule: false,
    migrate: role === 'installer',
    application_name: `bench-pgboss-${role}`,
  });
  boss.on('error', (err: unknown) => process.stderr.write(`pg-boss ${role} error: ${String(err)}\n`));
  return boss;
}

export const pgboss: BenchSystem = {
  name: 'pgboss',
  version: installedVersion('pg-boss'),
  settings: {
    constructor: { useListenNotify: true, poolSize: 10 },
    queue: { notify: true },
    work: workOptions,
    enqueue: 'boss.insert (one call)',
  },

  async install(url) {
    const boss = makeBoss(url, 'installer');
    await boss.start();
    await boss.createQueue(QUEUE, { notify: true });
    await boss.stop({ graceful: false, close: true });
  },

  async openClient(url) {
    const boss = makeBoss(url, 'producer');
    await boss.start();
    return {
      async enqueueBulk(payloads) {
        await boss.insert(
          QUEUE,
          payloads.map((data) => ({ data })),
        );
      },
      async enqueueOne(payload) {
        await boss.send(QUEUE, payload);
      },
      async remaining() {
        const q = await boss.getDb().executeSql(
          `select count(*)::int as n from pgboss.job where name = $1 and state < 'completed'`,
          [QUEUE],
        );
        const row: unknown = q.rows[0];
        return typeof row === 'object' && row !== null && 'n' in row && typeof row.n === 'number' ? row.n : 0;
      },
      async close() {
        await boss.stop({ graceful: false, close: true });
      },
    };
  },

  async startWorker(url, onJob) {
    const boss = makeBoss(url, 'worker');
    await boss.start();
    await boss.work<BenchPayload>(QUEUE, workOptions, async (jobs) => {
      for (const job of jobs) if (isBenchPayload(job.data)) onJob(job.data);
    });
    return {
      async stop() {
        await boss.stop({ graceful: true, timeout: 5000, close: true });
      },
    };
  },
};

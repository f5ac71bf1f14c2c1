/**
 * The fault tests' worker process: `node --import tsx test/engine-faults/worker-child.ts`, set up
 * by FAULT_* variables (see harness.ts). It runs the real engine worker on the `fault` queue with a
 * handler that reports each execution on stdout (outside any transaction) and commits its effect
 * inside the completion transaction. SIGTERM/SIGINT stop it gracefully; it installs no handler for unhandled
 * errors, so one would kill it and the test would see a non-zero exit.
 */
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { createEngine } from '../../src/engine/index.js';
import type { EngineLogger } from '../../src/engine/types.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`worker-child: ${name} is required`);
  return v;
}
const num = (name: string) => Number(env(name));

function line(obj: object): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...obj })}\n`);
}

/** Warnings and errors go to stderr (the test shows them on failure); debug/info are dropped. */
function stderrLogger(bindings: object = {}): EngineLogger {
  const write = (level: string) => (obj: object, msg?: string) =>
    process.stderr.write(`${JSON.stringify({ level, pid: process.pid, ...bindings, ...obj, msg })}\n`);
  const drop = () => undefined;
  return { debug: drop, info: drop, warn: write('warn'), error: write('error'), child: (b) => stderrLogger({ ...bindings, ...b }) };
}

const sleep = (ms: number, signal: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true },
    );
  });

async function main(): Promise<void> {
  if (process.env.FAULT_PROFILE === '1') {
    const { installProfiler, profileReport, startProfileWindow } = await import('../../bench/profile.js');
    installProfiler();
    startProfileWindow();
    process.on('SIGTERM', () => process.stderr.write(`${profileReport(`fault worker ${process.pid}`)}\n`));
  }
  const min = num('FAULT_HANDLER_MIN_MS');
  const max = num('FAULT_HANDLER_MAX_MS');
  const ignoreAbort = process.env.FAULT_IGNORE_ABORT === '1';
  const database = await openDatabase({
    url: env('FAULT_DATABASE_URL'),
    applicationName: env('FAULT_APP_NAME'),
    onError: (err) => process.stderr.write(`pool error: ${err.message}\n`),
  });
  const engine = createEngine({ database, logger: stderrLogger() });
  const worker = engine.createWorker({
    tasks: {
      fault: {
        handler: async (job, ctx) => {
          line({ event: 'run', job: job.id, attempt: job.attempt });
          await sleep(min + Math.random() * (max - min), ignoreAbort ? null : ctx.signal);
          return {
            result: { pid: process.pid },
            effects: async (tx, claimed) => {
              await queryRows(
                tx,
                sql`insert into fault_effects (job_id, pid) values (${claimed.id}, ${process.pid})
                    on conflict (job_id) do update set commits = fault_effects.commits + 1`,
              );
            },
          };
        },
      },
    },
    concurrency: num('FAULT_CONCURRENCY'),
    leaseMs: num('FAULT_LEASE_MS'),
    heartbeatMs: num('FAULT_HEARTBEAT_MS'),
    pollMs: num('FAULT_POLL_MS'),
    reaperIntervalMs: num('FAULT_REAPER_MS'),
  });

  // A lease this process lost (reclaimed while it was frozen, say): the fence refused its write.
  worker.on('job:lease_lost', ({ job, during }) => line({ event: 'lease_lost', job: job.id, during }));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    line({ event: 'stopping', signal });
    void (async () => {
      await worker.stop({ graceMs: num('FAULT_GRACE_MS') });
      await engine.close();
      await database.close();
      line({ event: 'stopped' });
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await worker.start();
  line({ event: 'ready' });
}

await main();

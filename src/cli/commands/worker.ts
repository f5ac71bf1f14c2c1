import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../log.js';
import { EXIT_OK, UsageError, WORKER_FLAGS, workerFlags, writeLine, type CliIo } from '../io.js';
import { createPipelineWorkers } from '../pipeline-workers.js';
import { openRuntime, waitForSignal } from '../runtime.js';

const USAGE = `Usage: quizforge worker [--concurrency N] [--grace-ms MS]

Runs job workers in this process against DATABASE_URL. Any number of worker
processes, on any number of hosts, can share one PostgreSQL database.

Options:
  --concurrency N   handlers running at once (default QUIZFORGE_CONCURRENCY or 4)
  --grace-ms MS     on SIGTERM/SIGINT, how long running handlers may finish before
                    their jobs are released back to ready (default 30000)

Exit codes: 0 after a clean shutdown, 1 on failure, 2 usage error.`;

/** A worker-only process: claims and runs jobs until SIGTERM/SIGINT, then drains gracefully. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...WORKER_FLAGS,
    },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const config = loadConfig(io.env);
  const { concurrency, graceMs } = workerFlags(values, config.concurrency);
  if (!config.databaseUrl) {
    throw new UsageError(
      'separate worker processes need PostgreSQL: set DATABASE_URL. The embedded PGlite database belongs to one process; ' +
        "'quizforge serve' runs workers inside that process.",
    );
  }
  const logger = createLogger({ level: config.logLevel, name: 'quizforge-worker' });
  const rt = await openRuntime(config, logger, { migrate: false, name: 'worker' });
  const worker = createPipelineWorkers(rt, concurrency);
  const signal = waitForSignal(logger);
  await worker.start();
  logger.info({ workerId: worker.id, concurrency }, 'worker started');
  await signal;
  await worker.stop({ graceMs });
  await rt.close();
  logger.info({ workerId: worker.id }, 'worker stopped');
  return EXIT_OK;
}

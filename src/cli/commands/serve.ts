import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { hasManagedKeys } from '../../accounts/index.js';
import { createApp } from '../../http/app.js';
import { engineStats, mountPages } from '../../http/pages/index.js';
import { authConfigFrom } from '../../http/auth.js';
import { checkBind, startServer } from '../../http/server.js';
import { createLogger } from '../../log.js';
import { EXIT_OK, UsageError, WORKER_FLAGS, intOption, workerFlags, writeLine, type CliIo } from '../io.js';
import { createPipelineWorkers } from '../pipeline-workers.js';
import { openRuntime, waitForSignal } from '../runtime.js';

const USAGE = `Usage: quizforge serve [--no-workers] [--concurrency N] [--host H] [--port P]

Runs the HTTP API, the SSE streams, the pages and (unless --no-workers) job workers
in one process. Without DATABASE_URL it uses the embedded PGlite database in
QUIZFORGE_DATA_DIR (default ./data). Pending migrations are applied at start.

Options:
  --no-workers      serve the API only; run 'quizforge worker' processes beside it
  --concurrency N   in-process worker concurrency (default QUIZFORGE_CONCURRENCY or 4)
  --host H          listen address (default HOST or 127.0.0.1)
  --port P          listen port (default PORT or 3000; 0 picks a free port)
  --grace-ms MS     on SIGTERM/SIGINT, how long running jobs may finish (default 30000)

Environment: QUIZFORGE_API_KEYS / QUIZFORGE_ADMIN_KEYS (comma-separated; 'tenant:key' names a
tenant, a bare key is tenant 'default'), plus managed keys ('quizforge keys create'). With no keys
at all the service is unauthenticated and refuses to listen anywhere but loopback.
QUIZFORGE_RATE_LIMIT_SUBMIT / QUIZFORGE_RATE_LIMIT_ALL: per-tenant requests per minute.`;

/** The whole service in one process: what `npm start` runs. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'no-workers': { type: 'boolean' },
      ...WORKER_FLAGS,
      host: { type: 'string' },
      port: { type: 'string' },
    },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const config = loadConfig(io.env);
  const host = values.host ?? config.host;
  const port = values.port === undefined ? config.port : intOption('--port', values.port, 0);
  const { concurrency, graceMs } = workerFlags(values, config.concurrency);
  const envKeys = config.apiKeys.length + config.adminKeys.length > 0;

  const logger = createLogger({ level: config.logLevel });
  const rt = await openRuntime(config, logger, { migrate: true, name: 'serve' });
  // Managed keys (`quizforge keys create`) switch auth on too (so the bind is checked once they are
  // known); created while serving open, they apply at the next start.
  const managedKeys = !envKeys && (await hasManagedKeys(rt.database.db));
  const bind = checkBind(host, envKeys || managedKeys);
  if (!bind.ok) {
    await rt.close();
    throw new UsageError(bind.error);
  }
  const app = createApp({
    quiz: rt.quiz,
    sources: rt.quiz.sources,
    engine: rt.engine,
    database: rt.database,
    registry: rt.registry,
    logger,
    auth: authConfigFrom(config, { managedKeys }),
    rateLimits: config.rateLimits,
    pages: mountPages({ quiz: rt.quiz, stats: engineStats(rt.engine, rt.quiz.tenantStats) }),
  });
  const worker = values['no-workers'] ? null : createPipelineWorkers(rt, concurrency);
  const signal = waitForSignal(logger);
  const server = await startServer({ app, logger, host, port });
  if (worker) await worker.start();
  logger.info(
    { url: server.url, database: rt.database.kind === 'pg' ? 'postgresql' : `pglite:${config.dataDir}`, workers: worker ? concurrency : 0 },
    `quizforge listening on ${server.url}`,
  );
  writeLine(io.stderr, `quizforge listening on ${server.url} (dashboard: ${server.url}/)`);
  await signal;
  await server.close();
  if (worker) await worker.stop({ graceMs });
  await rt.close();
  return EXIT_OK;
}

import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AppConfig } from '../config.js';
import { migrateDatabase, openDatabase, type Database } from '../db/client.js';
import { createEngine, createEngineMetrics, type Engine } from '../engine/index.js';
import type { Logger } from '../log.js';
import { createQuizMetrics } from '../quiz/metrics.js';
import { createQuizService, type QuizService } from '../quiz/service.js';
import { startTracing, type Tracing } from '../telemetry/setup.js';

/** Everything a serving or working process is made of: the composition root, built once. */
export interface Runtime {
  config: AppConfig;
  logger: Logger;
  database: Database;
  engine: Engine;
  quiz: QuizService;
  registry: Registry;
  /** The OpenTelemetry SDK when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; `enabled: false` otherwise. */
  tracing: Tracing;
  /** Stops the engine's background work, closes the database, and flushes pending spans. */
  close(): Promise<void>;
}

/** Opens the database (PostgreSQL or embedded PGlite), optionally migrates, and wires the layers. */
export async function openRuntime(config: AppConfig, logger: Logger, opts: { migrate: boolean; name: string }): Promise<Runtime> {
  // First, so everything built below is traced; off (nothing loaded) without an endpoint.
  const tracing = await startTracing(config.telemetry);
  if (tracing.enabled) logger.info({ endpoint: config.telemetry.tracesUrl, service: config.telemetry.serviceName }, 'exporting traces (OTLP/HTTP)');
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    applicationName: `quizforge:${opts.name}`,
    timeouts: config.dbTimeouts,
    onError: (err) => logger.warn({ err }, 'database connection error (recovering)'),
  });
  try {
    if (opts.migrate) await migrateDatabase(database);
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'quizforge_process_' });
    // The workers' reaper is the one pruning loop; it prunes with the configured retention.
    const engine = createEngine({
      database,
      logger,
      metrics: createEngineMetrics(registry),
      config: { eventRetentionMs: config.eventRetentionMs },
    });
    const quiz = createQuizService({ engine, database, metrics: createQuizMetrics(registry) });
    return {
      config,
      logger,
      database,
      engine,
      quiz,
      registry,
      tracing,
      async close() {
        await engine.close();
        await database.close();
        await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    await tracing.shutdown().catch(() => undefined);
    throw err;
  }
}

/** Resolves on the first SIGTERM/SIGINT; a second signal forces exit. */
export function waitForSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (sig: NodeJS.Signals) => {
      if (seen) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      seen = true;
      logger.info({ signal: sig }, 'shutting down');
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

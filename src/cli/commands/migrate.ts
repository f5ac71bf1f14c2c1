import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { migrateDatabase, openDatabase } from '../../db/client.js';
import { EXIT_OK, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge migrate

Applies pending migrations from drizzle/ to DATABASE_URL, or to the embedded
PGlite database in QUIZFORGE_DATA_DIR (default ./data) when DATABASE_URL is unset.`;

/** Applies migrations explicitly (the service also applies them at start). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const config = loadConfig(io.env);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, timeouts: config.dbTimeouts });
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }
  writeLine(io.stdout, `migrations applied (${database.kind === 'pg' ? 'PostgreSQL' : `PGlite at ${config.dataDir}`})`);
  return EXIT_OK;
}

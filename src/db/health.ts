import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { MIGRATIONS_FOLDER, type Database } from './client.js';

export interface MigrationStatus {
  applied: number;
  expected: number;
  /** Journal tags not yet applied, oldest first. */
  pending: string[];
}

export interface DatabaseHealth {
  reachable: boolean;
  /** Null when the database could not be reached or the migration status could not be read. */
  migrations: MigrationStatus | null;
}

interface JournalEntry {
  tag: string;
  when: number;
}

async function readJournal(folder: string): Promise<JournalEntry[]> {
  const raw: unknown = JSON.parse(await readFile(join(folder, 'meta', '_journal.json'), 'utf8'));
  const entries = (raw as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((e: unknown) => {
    const { tag, when } = (e ?? {}) as { tag?: unknown; when?: unknown };
    return typeof tag === 'string' && typeof when === 'number' ? [{ tag, when }] : [];
  });
}

function rowsOf(result: unknown): Array<Record<string, unknown>> {
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
}

/** Which journal migrations drizzle's migrator has recorded (it keys them by the journal's `when`). */
async function migrationStatus(database: Database, folder: string): Promise<MigrationStatus> {
  const journal = await readJournal(folder);
  const table = await database.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  const present = rowsOf(table)[0]?.present === true;
  const appliedAt = new Set<number>();
  if (present) {
    const rows = rowsOf(await database.db.execute(sql`select created_at from drizzle.__drizzle_migrations`));
    for (const row of rows) appliedAt.add(Number(row.created_at));
  }
  const pending = journal.filter((e) => !appliedAt.has(e.when)).map((e) => e.tag);
  return { applied: appliedAt.size, expected: journal.length, pending };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database health check timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Readiness in one call: can we run a query, and is the schema the code expects in place? Never
 * throws, so `/readyz` can answer 503 rather than 500 when the database is down.
 */
export async function checkDatabase(
  database: Database,
  opts: { timeoutMs?: number; migrationsFolder?: string } = {},
): Promise<DatabaseHealth> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  try {
    await withTimeout(database.db.execute(sql`select 1`), timeoutMs);
  } catch {
    return { reachable: false, migrations: null };
  }
  try {
    const migrations = await withTimeout(migrationStatus(database, opts.migrationsFolder ?? MIGRATIONS_FOLDER), timeoutMs);
    return { reachable: true, migrations };
  } catch {
    return { reachable: true, migrations: null };
  }
}

/** Ready means reachable and nothing pending. */
export function isReady(health: DatabaseHealth): boolean {
  return health.reachable && health.migrations !== null && health.migrations.pending.length === 0;
}

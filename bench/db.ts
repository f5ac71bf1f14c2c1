import pg from 'pg';

/** The server every system is measured on; one database per system and phase. */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function urlFor(dbName: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'quizforge-bench-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function ident(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bench: unexpected database name ${name}`);
  return `"${name}"`;
}

/** Drops and recreates `dbName`, so every measurement starts from an empty database. */
export async function freshDatabase(dbName: string): Promise<string> {
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`drop database if exists ${ident(dbName)} with (force)`);
    await c.query(`create database ${ident(dbName)}`);
  });
  return urlFor(dbName);
}

export async function dropDatabase(dbName: string): Promise<void> {
  await withClient(ADMIN_URL, (c) => c.query(`drop database if exists ${ident(dbName)} with (force)`));
}

/**
 * Brings planner statistics and the visibility map up to date after a bulk load, the same for
 * every system, so no drain is measured against whatever autovacuum happened to have done.
 */
export async function vacuumAnalyze(url: string): Promise<void> {
  await withClient(url, (c) => c.query('vacuum analyze'));
}

export async function serverVersion(): Promise<string> {
  return withClient(ADMIN_URL, async (c) => {
    const r = await c.query<{ v: string }>('select version() as v');
    return r.rows[0]?.v ?? 'unknown';
  });
}

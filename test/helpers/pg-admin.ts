import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_FOLDER } from '../../src/db/client.js';

/** The server the real-Postgres suites use; CI starts it, `.ci/run` checks it answers. */
export const ADMIN_URL = process.env.QUIZFORGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Template name changes whenever a migration changes, so a stale template is never reused. */
export function templateName(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_FOLDER).filter((n) => n.endsWith('.sql')).sort()) {
    h.update(f).update(readFileSync(join(MIGRATIONS_FOLDER, f)));
  }
  return `qf_tpl_${h.digest('hex').slice(0, 12)}`;
}

export function urlFor(dbName: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL, application_name: 'quizforge-test-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

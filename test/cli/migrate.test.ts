import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { runCli } from '../helpers/cli.js';
import { templateName, urlFor, withAdmin } from '../helpers/pg-admin.js';

const run = runCli;

async function tables(url: string | undefined, dataDir?: string): Promise<string[]> {
  const d = await openDatabase({ url, dataDir });
  try {
    const rows = await queryRows(d.db, sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
    return rows.map((r) => String(r.table_name));
  } finally {
    await d.close();
  }
}

describe('quizforge migrate', () => {
  it('migrates an empty PostgreSQL database, and a second run changes nothing', async () => {
    const name = `qf_migrate_${process.pid}_${Date.now()}`;
    await withAdmin((c) => c.query(`create database "${name}"`));
    try {
      const env = { DATABASE_URL: urlFor(name) };
      const first = await run(['migrate'], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('PostgreSQL');
      expect(await tables(urlFor(name))).toEqual(expect.arrayContaining(['batches', 'job_events', 'jobs', 'model_calls', 'questions']));
      expect((await run(['migrate'], env)).code).toBe(0);
    } finally {
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    }
  });

  it('migrates the embedded PGlite database in QUIZFORGE_DATA_DIR with the same migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-pglite-'));
    try {
      const res = await run(['migrate'], { QUIZFORGE_DATA_DIR: dir });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`PGlite at ${dir}`);
      expect(await tables(undefined, dir)).toEqual(await tables(urlFor(templateName())));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('names a bad setting and exits 1; a bad flag exits 2', async () => {
    const bad = await run(['migrate'], { PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PORT');
    expect((await run(['migrate', '--frobnicate'], {})).code).toBe(2);
    expect((await run(['migrate', '--help'], {})).stdout).toContain('Usage: quizforge migrate');
  });
});

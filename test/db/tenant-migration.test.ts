import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase, openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { urlFor, withAdmin } from '../helpers/pg-admin.js';

/** The tenants migration on a database that already holds batches and sources: they become `default`'s. */
describe('migration 0022_tenants_and_api_keys', () => {
  it('keeps existing rows (tenant default) and scopes the idempotency unique index to the tenant', async () => {
    const name = `qf_tenant_mig_${process.pid}_${Date.now()}`;
    const before = mkdtempSync(join(tmpdir(), 'qf-mig-'));
    await withAdmin((c) => c.query(`create database "${name}"`));
    const database = await openDatabase({ url: urlFor(name) });
    try {
      // Every migration before this one, as a deployment of the previous version had them.
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
      const upTo = journal.entries.findIndex((e) => e.tag === '0022_tenants_and_api_keys');
      expect(upTo).toBeGreaterThan(0);
      mkdirSync(join(before, 'meta'));
      writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
      for (const e of journal.entries.slice(0, upTo)) cpSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), join(before, `${e.tag}.sql`));
      await migrate(database.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: before });
      await database.db.execute(sql`insert into batches (id, request, request_hash, idempotency_key) values ('old-1', '{}', 'h1', 'lesson-5')`);
      await database.db.execute(sql`insert into sources (id, title, kind, content_hash, chars, sections) values ('src_old', 'Old', 'markdown', 'c1', 1, '[]')`);

      await migrateDatabase(database);
      const rows = await queryRows(database.db, sql`select (select tenant_id from batches where id = 'old-1') as b, (select tenant_id from sources where id = 'src_old') as s`);
      expect(rows[0]).toEqual({ b: 'default', s: 'default' });
      // Another tenant may now use the same key; the same tenant still may not.
      await database.db.execute(sql`insert into batches (id, tenant_id, request, request_hash, idempotency_key) values ('new-1', 'acme', '{}', 'h2', 'lesson-5')`);
      await expect(database.db.execute(sql`insert into batches (id, request, request_hash, idempotency_key) values ('new-2', '{}', 'h3', 'lesson-5')`)).rejects.toThrow();
    } finally {
      await database.close();
      rmSync(before, { recursive: true, force: true });
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    }
  });
});

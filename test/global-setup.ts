import type pg from 'pg';
import { migrateDatabase, openDatabase } from '../src/db/client.js';
import { ADMIN_URL, templateName, urlFor, withAdmin } from './helpers/pg-admin.js';

/** A template unused this long (by its build time) belongs to an old migration set: drop it. */
const STALE_TEMPLATE_MS = 24 * 60 * 60 * 1000;
const BUILT = 'quizforge test template, built ';

/**
 * Drops templates of other migration sets built more than a day ago (or by code that did not
 * record the time). Never forced: a template another run is cloning right now stays.
 */
async function pruneStaleTemplates(c: pg.Client, current: string): Promise<void> {
  const rows = await c.query<{ datname: string; note: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as note from pg_database
     where datname like 'qf\\_tpl\\_%' and datname <> $1 and datname not like '%\\_build\\_%'`,
    [current],
  );
  for (const { datname, note } of rows.rows) {
    const built = note?.startsWith(BUILT) ? Date.parse(note.slice(BUILT.length)) : Number.NaN;
    if (!Number.isNaN(built) && Date.now() - built < STALE_TEMPLATE_MS) continue;
    await c.query(`drop database if exists "${datname}"`).catch(() => undefined);
  }
}

/** Builds (once per migration set) a migrated template database that every test file clones. */
export default async function setup(): Promise<void> {
  const tpl = templateName();
  try {
    await withAdmin(async (c) => {
      await pruneStaleTemplates(c, tpl);
      const exists = await c.query('select 1 from pg_database where datname = $1', [tpl]);
      if (exists.rowCount) return;
      const building = `${tpl}_build_${process.pid}`;
      await c.query(`drop database if exists "${building}"`);
      await c.query(`create database "${building}"`);
      const database = await openDatabase({ url: urlFor(building) });
      try {
        await migrateDatabase(database);
      } finally {
        await database.close();
      }
      await c.query(`comment on database "${building}" is '${BUILT}${new Date().toISOString()}'`);
      try {
        await c.query(`alter database "${building}" rename to "${tpl}"`);
      } catch {
        // another run built it first
        await c.query(`drop database if exists "${building}"`);
      }
    });
  } catch (err) {
    throw new Error(
      `The test suite needs PostgreSQL at ${ADMIN_URL} (set QUIZFORGE_TEST_DATABASE_URL to use another): ${String(err)}`,
    );
  }
}

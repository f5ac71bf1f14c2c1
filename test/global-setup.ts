import { migrateDatabase, openDatabase } from '../src/db/client.js';
import { ADMIN_URL, templateName, urlFor, withAdmin } from './helpers/pg-admin.js';

/** Builds (once per migration set) a migrated template database that every test file clones. */
export default async function setup(): Promise<void> {
  const tpl = templateName();
  try {
    await withAdmin(async (c) => {
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

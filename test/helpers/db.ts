import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database, type OpenOptions } from '../../src/db/client.js';
import { templateName, urlFor, withAdmin } from './pg-admin.js';

export interface TestDatabase {
  /** Name of this file's own database, cloned from the migrated template. */
  name: string;
  url: string;
  /** A pooled connection opened for the test file; more can be opened with `open()`. */
  database: Database;
  open(opts?: Omit<OpenOptions, 'url'>): Promise<Database>;
}

/** Clones the migrated template into a fresh database, so test files run in parallel in isolation. */
export async function createTestDatabase(): Promise<TestDatabase & { drop(): Promise<void> }> {
  const name = `qf_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const tpl = templateName();
  await withAdmin(async (c) => {
    for (let i = 0; ; i++) {
      try {
        await c.query(`create database "${name}" template "${tpl}"`);
        return;
      } catch (err) {
        // "source database is being accessed by other users": another clone in flight; retry.
        if (i >= 20 || !String(err).includes('being accessed')) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  const url = urlFor(name);
  const opened: Database[] = [];
  const open = async (opts: Omit<OpenOptions, 'url'> = {}) => {
    const d = await openDatabase({ ...opts, url });
    opened.push(d);
    return d;
  };
  const database = await open();
  return {
    name,
    url,
    database,
    open,
    async drop() {
      for (const d of opened) await d.close().catch(() => undefined);
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** Registers beforeAll/afterAll for a file-scoped database; call the returned getter inside tests. */
export function useTestDatabase(): () => TestDatabase {
  let t: (TestDatabase & { drop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await t?.drop();
  });
  return () => {
    if (!t) throw new Error('test database not ready: call the getter inside a test or hook');
    return t;
  };
}

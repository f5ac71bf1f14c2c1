import { sql } from 'drizzle-orm';
import pg from 'pg';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_DB_TIMEOUTS } from '../../src/db/client.js';
import { createEngine } from '../../src/engine/index.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createQuizService } from '../../src/quiz/service.js';
import { useTestDatabase } from '../helpers/db.js';

const getDb = useTestDatabase();

/** Every message in an error's cause chain (drizzle wraps the driver's error). */
function messages(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) out.push(e.message);
  return out.join(' | ');
}

/** Holds a row lock in an open transaction on its own connection. */
async function lockedRow(url: string): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query('create table if not exists lock_probe (id int primary key, v int not null)');
    await c.query('insert into lock_probe values (1, 0) on conflict do nothing');
    await c.query('begin');
    await c.query('select 1 from lock_probe where id = 1 for update');
  } catch (err) {
    await c.end();
    throw err;
  }
  return {
    async release() {
      await c.query('rollback').catch(() => undefined);
      await c.end();
    },
  };
}

describe('database timeouts', () => {
  it('a statement blocked by a row lock fails after statement_timeout instead of waiting', async () => {
    const t = getDb();
    const database = await t.open({ timeouts: { statementMs: 300 } });
    const lock = await lockedRow(t.url);
    try {
      const started = Date.now();
      const err = await database.db.execute(sql`update lock_probe set v = v + 1 where id = 1`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(messages(err)).toMatch(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await lock.release();
    }
  });

  it('a transaction left idle is ended by idle_in_transaction_session_timeout, and its client is not reused', async () => {
    const database = await getDb().open({ timeouts: { idleInTransactionMs: 200 }, poolSize: 1 });
    await expect(
      database.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await new Promise((r) => setTimeout(r, 600));
        await tx.execute(sql`select 1`);
      }),
    ).rejects.toThrow();
    // The pool still works: the killed connection was discarded.
    await expect(database.db.execute(sql`select 1 as ok`)).resolves.toBeTruthy();
  });

  it('waiting for a pooled connection is bounded by the connect timeout', async () => {
    const database = await getDb().open({ timeouts: { connectMs: 200 }, poolSize: 1 });
    let hold: () => void = () => undefined;
    const holding = database.transaction(() => new Promise<void>((r) => (hold = r)));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const err = await database.db.execute(sql`select 1`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(messages(err)).toMatch(/timeout exceeded when trying to connect/);
    expect(Date.now() - started).toBeLessThan(3_000);
    hold();
    await holding;
  });

  it('an HTTP read stuck behind the database answers 503 in the envelope, not a hang or a 500', async () => {
    const t = getDb();
    const database = await t.open({ timeouts: { statementMs: 300 } });
    const engine = createEngine({ database });
    const quiz = createQuizService({ engine, database });
    const app = createApp({
      quiz,
      engine,
      database,
      registry: new Registry(),
      logger: createLogger({ level: 'silent' }),
      auth: { apiKeys: [], adminKeys: [] },
    });
    // An exclusive lock on the table blocks even plain reads.
    const c = new pg.Client({ connectionString: t.url });
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query('begin');
      await c.query('lock table batches in access exclusive mode');
      const res = await app.request('/v1/batches');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    } finally {
      await c.query('rollback').catch(() => undefined);
      await c.end();
      await engine.close();
    }
  });

  it('are configurable from the environment, with sane defaults', () => {
    expect(loadConfig({}).dbTimeouts).toEqual(DEFAULT_DB_TIMEOUTS);
    expect(
      loadConfig({ QUIZFORGE_DB_CONNECT_TIMEOUT_MS: '1000', QUIZFORGE_DB_STATEMENT_TIMEOUT_MS: '0', QUIZFORGE_DB_IDLE_TX_TIMEOUT_MS: '5000' }).dbTimeouts,
    ).toEqual({ connectMs: 1000, statementMs: 0, idleInTransactionMs: 5000 });
    expect(() => loadConfig({ QUIZFORGE_DB_STATEMENT_TIMEOUT_MS: 'long' })).toThrow(/QUIZFORGE_DB_STATEMENT_TIMEOUT_MS/);
  });
});

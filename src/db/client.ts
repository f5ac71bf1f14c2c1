import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The drizzle handle every query function receives: the same type on `pg` and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a query can run on: the database itself or an open transaction. */
export type Executor = Db | Tx;

export type DriverKind = 'pg' | 'pglite';

export interface Database {
  readonly kind: DriverKind;
  readonly db: Db;
  /**
   * Runs `fn` in a transaction. Use this rather than `db.transaction` on `pg`: drizzle sends BEGIN
   * outside its try/finally, so a connection killed just then is never released and the pool
   * shrinks by one for good (found by the connection-loss fault test); here the client is always
   * released, and discarded when the transaction failed.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Subscribe to NOTIFY on a channel; resolves to an unsubscribe function. Reconnects on `pg`. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Runs `fn` on one dedicated connection while it holds the session advisory lock `key`, so at
   * most one process at a time runs it on this database. `wait: true` queues for the lock;
   * `wait: false` returns `{ ran: false }` at once when another process holds it. PGlite is
   * single-process, so there `fn` simply runs.
   */
  exclusive<T>(key: bigint, opts: { wait: boolean }, fn: (db: Db) => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** Terminate-safe teardown: closes the pool / the embedded database. */
  close(): Promise<void>;
}

/** Advisory lock keys (one 64-bit space per database); each names what it serialises. */
export const LOCK_KEYS = {
  /** `migrateDatabase`: concurrent start-ups wait, then find nothing to do. */
  migrate: 0x71666d6967726174n, // 'qfmigrat'
  /** Retention purges (QuizService.purgeExpired): one process at a time; the others skip the pass. */
  retention: 0x7166726574656e74n, // 'qfretent'
} as const;

export interface OpenOptions {
  /** A postgres:// URL; when absent the embedded PGlite database in `dataDir` is used. */
  url?: string | undefined;
  /** PGlite data folder, or `memory://` for an in-memory database. */
  dataDir?: string | undefined;
  poolSize?: number;
  applicationName?: string;
  /** Called for errors on idle pool clients and the listener connection (never thrown). */
  onError?: (err: Error) => void;
  /** Timeouts of the `pg` pool; 0 disables one. Defaults: DEFAULT_DB_TIMEOUTS. */
  timeouts?: Partial<DbTimeouts>;
}

/**
 * Bounds on waiting for the database, so a full pool or a hung query fails a request instead of
 * blocking it (and the row locks it holds) indefinitely.
 */
export interface DbTimeouts {
  /** Waiting for a pooled connection (pool full, server unreachable). */
  connectMs: number;
  /** Longest statement (`statement_timeout`), lock waits included; exclusive(wait) is exempt. */
  statementMs: number;
  /** Longest idle time inside an open transaction (`idle_in_transaction_session_timeout`). */
  idleInTransactionMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = { connectMs: 10_000, statementMs: 30_000, idleInTransactionMs: 60_000 };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Opens `pg` when a URL is given, else embedded PGlite, so a newcomer needs nothing installed. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  return opts.url ? openPg(opts.url, opts) : openPglite(opts.dataDir ?? './data', opts);
}

/**
 * Applies pending drizzle-kit migrations from `drizzle/` (idempotent). Several processes starting
 * together on one database take turns under an advisory lock: drizzle's migrator alone lets them
 * all run the same `CREATE TABLE` and all but one fail.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  await database.exclusive(LOCK_KEYS.migrate, { wait: true }, async (db) => {
    if (database.kind === 'pg') {
      await migratePg(db as Parameters<typeof migratePg>[0], { migrationsFolder: MIGRATIONS_FOLDER });
    } else {
      await migratePglite(db as Parameters<typeof migratePglite>[0], { migrationsFolder: MIGRATIONS_FOLDER });
    }
  });
}

function openPg(url: string, opts: OpenOptions): Database {
  const onError = opts.onError ?? (() => undefined);
  const timeouts = { ...DEFAULT_DB_TIMEOUTS, ...opts.timeouts };
  const sessionTimeouts = `SET statement_timeout = ${Math.floor(timeouts.statementMs)}; SET idle_in_transaction_session_timeout = ${Math.floor(timeouts.idleInTransactionMs)}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: timeouts.connectMs,
    application_name: opts.applicationName ?? 'quizforge',
    // Named prepared statements (the engine's claim and batch completion, see HotStatement)
    // keep one generic plan per connection. Left to choose, the server re-planned the claim on
    // every call (its custom plans looked cheaper than the generic one, which is the same plan):
    // 0.4 ms and 2.5 % of a drain's database instructions. Only named statements (and plpgsql's
    // cached plans) read this setting; drizzle's unnamed queries are planned per call as before.
    // Set by the connection's first query, which the pool awaits before handing the client out,
    // rather than as a startup option, which a PgBouncer in front of the server would reject.
    // The timeouts travel the same way.
    onConnect: async (client) => {
      await client.query(`SET plan_cache_mode = force_generic_plan; ${sessionTimeouts}`);
    },
  });
  // An idle client killed by the server (pg_terminate_backend, restart) emits here; without a
  // listener Node would crash the process. The pool discards the client and makes a new one.
  pool.on('error', (err) => onError(err));
  // pg-pool drops its own error listener while a client is checked out (e.g. by a transaction);
  // a connection killed between two statements would then crash the process. Keep one attached.
  pool.on('connect', (client) => client.on('error', (err) => onError(err)));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  // A drizzle instance per pooled connection, made once: building one derives the relational
  // config from the whole schema, 1.2 % of a submit's CPU when it was made per transaction.
  const bound = new WeakMap<pg.PoolClient, Db>();
  const boundTo = (client: pg.PoolClient): Db => {
    let d = bound.get(client);
    if (!d) {
      d = drizzlePg({ client, schema }) as unknown as Db;
      bound.set(client, d);
    }
    return d;
  };
  const listener = new PgListener(url, opts.applicationName ?? 'quizforge', onError);
  return {
    kind: 'pg',
    db,
    async transaction(fn) {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        // A drizzle instance bound to this one client runs BEGIN/COMMIT on it, not on the pool.
        return await boundTo(client).transaction(fn);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure);
      }
    },
    listen: (channel, fn) => listener.listen(channel, fn),
    async exclusive(key, { wait }, fn) {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        const key64 = key.toString();
        if (wait) {
          // Waiting for the lock, and the migrations behind it, may take longer than any statement.
          await client.query('SET statement_timeout = 0');
          await client.query('SELECT pg_advisory_lock($1::bigint)', [key64]);
        } else {
          const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key64]);
          if (got.rows[0]?.ok !== true) return { ran: false };
        }
        try {
          return { ran: true, value: await fn(boundTo(client)) };
        } finally {
          await client.query(`SELECT pg_advisory_unlock($1::bigint)`, [key64]);
          if (wait) await client.query(sessionTimeouts);
        }
      } catch (err) {
        // A session lock on a broken connection must not go back to the pool.
        failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure);
      }
    },
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string, opts: OpenOptions): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  void opts;
  return {
    kind: 'pglite',
    db,
    transaction: (fn) => db.transaction(fn),
    exclusive: async (_key, _opts, fn) => ({ ran: true, value: await fn(db) }),
    async listen(channel, fn) {
      const unlisten = await client.listen(channel, fn);
      return async () => {
        await unlisten();
      };
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

/**
 * One dedicated LISTEN connection per process. NOTIFY is only a wake-up hint, so a dropped
 * connection is reconnected with backoff and callers keep their polling fallback meanwhile.
 */
class PgListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly appName: string,
    private readonly onError: (err: Error) => void,
  ) {}

  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const isNew = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(fn);
    const client = await this.connect();
    if (isNew) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      const s = this.handlers.get(channel);
      s?.delete(fn);
      if (s && s.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client({ connectionString: this.url, application_name: `${this.appName}:listen` });
      client.on('notification', (msg) => {
        const set = this.handlers.get(msg.channel);
        if (set) for (const fn of set) fn(msg.payload ?? '');
      });
      client.on('error', (err) => {
        this.onError(err);
        this.dropAndReconnect(client);
      });
      client.on('end', () => this.dropAndReconnect(client));
      try {
        await client.connect();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (err) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
        throw err;
      } finally {
        this.connecting = null;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  private dropAndReconnect(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.closed || this.handlers.size === 0) return;
    const attempt = (delay: number) => {
      this.retryTimer = setTimeout(() => {
        this.connect().catch((err: unknown) => {
          this.onError(err instanceof Error ? err : new Error(String(err)));
          if (!this.closed) attempt(Math.min(delay * 2, 5000));
        });
      }, delay);
      this.retryTimer.unref();
    };
    attempt(100);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

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
  /** Terminate-safe teardown: closes the pool / the embedded database. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A postgres:// URL; when absent the embedded PGlite database in `dataDir` is used. */
  url?: string | undefined;
  /** PGlite data folder, or `memory://` for an in-memory database. */
  dataDir?: string | undefined;
  poolSize?: number;
  applicationName?: string;
  /** Called for errors on idle pool clients and the listener connection (never thrown). */
  onError?: (err: Error) => void;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Opens `pg` when a URL is given, else embedded PGlite, so a newcomer needs nothing installed. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  return opts.url ? openPg(opts.url, opts) : openPglite(opts.dataDir ?? './data', opts);
}

/** Applies pending drizzle-kit migrations from `drizzle/` (idempotent). */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pg') {
    await migratePg(database.db as Parameters<typeof migratePg>[0], { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    await migratePglite(database.db as Parameters<typeof migratePglite>[0], { migrationsFolder: MIGRATIONS_FOLDER });
  }
}

function openPg(url: string, opts: OpenOptions): Database {
  const onError = opts.onError ?? (() => undefined);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'quizforge',
    // Named prepared statements (the engine's claim and batch completion, see HotStatement)
    // keep one generic plan per connection. Left to choose, the server re-planned the claim on
    // every call (its custom plans looked cheaper than the generic one, which is the same plan):
    // 0.4 ms and 2.5 % of a drain's database instructions. Only named statements (and plpgsql's
    // cached plans) read this setting; drizzle's unnamed queries are planned per call as before.
    // Set by the connection's first query, which the pool awaits before handing the client out,
    // rather than as a startup option, which a PgBouncer in front of the server would reject.
    onConnect: async (client) => {
      await client.query('SET plan_cache_mode = force_generic_plan');
    },
  });
  // An idle client killed by the server (pg_terminate_backend, restart) emits here; without a
  // listener Node would crash the process. The pool discards the client and makes a new one.
  pool.on('error', (err) => onError(err));
  // pg-pool drops its own error listener while a client is checked out (e.g. by a transaction);
  // a connection killed between two statements would then crash the process. Keep one attached.
  pool.on('connect', (client) => client.on('error', (err) => onError(err)));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const listener = new PgListener(url, opts.applicationName ?? 'quizforge', onError);
  return {
    kind: 'pg',
    db,
    async transaction(fn) {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        // A drizzle instance bound to this one client runs BEGIN/COMMIT on it, not on the pool.
        const bound = drizzlePg({ client, schema }) as unknown as Db;
        return await bound.transaction(fn);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure);
      }
    },
    listen: (channel, fn) => listener.listen(channel, fn),
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

import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

const dialect = new PgDialect();

/**
 * The single place a driver's result envelope is opened. `pg` returns a `QueryResult`, PGlite a
 * `Results`; both carry `rows`, but nothing else about them may leak past this boundary.
 */
export async function queryRows(ex: Executor, query: SQL): Promise<Record<string, unknown>[]> {
  return rowsOf(await ex.execute(query));
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as Record<string, unknown>[];
  }
  if (Array.isArray(result)) {
    throw new Error('database boundary: driver returned a bare array where a { rows } envelope was expected');
  }
  throw new Error('database boundary: driver result has no rows array');
}

type Prepared = ReturnType<Executor['_']['session']['prepareQuery']>;

/**
 * A statement built once and then run with only its values changing: the engine's claim and
 * batch completion. Values are bound to the statement's `sql.placeholder(name)`s. Its text is
 * assembled at construction, not on every call, and with `prepare` it runs on `pg` as a named
 * prepared statement (PGlite ignores the name): the server parses it once per connection and,
 * with the pool's generic plans (see openPg), plans it once. Assembling a 500-job completion
 * through the query builder on every call, and then hashing its text for a statement name, was
 * worker CPU on every batch and hot code for the JIT to compile in every new worker process.
 * A prepared statement must name its result columns (no `SELECT *`): a cached plan whose result
 * type changes after a migration fails instead of re-planning.
 */
export class HotStatement {
  private readonly query: { sql: string; params: unknown[] };
  private readonly name: string | undefined;
  /** One drizzle prepared query per executor (the pool's db, or a transaction while it lasts). */
  private readonly byExecutor = new WeakMap<Executor, Prepared>();

  constructor(statement: SQL, opts: { prepare?: string } = {}) {
    this.query = dialect.sqlToQuery(statement);
    // A statement name belongs to one text per connection, so the name carries the text's hash.
    this.name =
      opts.prepare === undefined ? undefined : `${opts.prepare}_${createHash('sha1').update(this.query.sql).digest('hex').slice(0, 16)}`;
  }

  async rows(ex: Executor, values: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    let prepared = this.byExecutor.get(ex);
    if (prepared === undefined) {
      prepared = ex._.session.prepareQuery(this.query, undefined, this.name, false);
      this.byExecutor.set(ex, prepared);
    }
    return rowsOf(await prepared.execute(values));
  }

  async one(ex: Executor, values: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    return atMostOne(await this.rows(ex, values));
  }
}

/** Runs a query expected to return at most one row; a second row is a bug, not a success. */
export async function queryOne(ex: Executor, query: SQL): Promise<Record<string, unknown> | null> {
  return atMostOne(await queryRows(ex, query));
}

function atMostOne(rows: Record<string, unknown>[]): Record<string, unknown> | null {
  if (rows.length > 1) throw new Error(`database boundary: expected at most one row, got ${rows.length}`);
  return rows[0] ?? null;
}

/** bigint columns arrive as '2' on pg and 2 on PGlite; ids are safe integers, so normalise here. */
export function toInt(value: unknown, column: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint') return toInt(Number(value), column);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  throw new Error(`database boundary: column ${column} is not a safe integer: ${String(value)}`);
}

export function toIntOrNull(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : toInt(value, column);
}

/** numeric (dollars) arrives as a decimal string on pg and PGlite; JSON aggregates give numbers. */
export function toNum(value: unknown, column: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isFinite(n)) return n;
  throw new Error(`database boundary: column ${column} is not a number: ${String(value)}`);
}

export function toNumOrNull(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : toNum(value, column);
}

/** timestamptz arrives as a Date on both drivers today; strings are accepted defensively. */
export function toDate(value: unknown, column: string): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new Error(`database boundary: column ${column} is not a timestamp: ${String(value)}`);
}

export function toDateOrNull(value: unknown, column: string): Date | null {
  return value === null || value === undefined ? null : toDate(value, column);
}

export function toStr(value: unknown, column: string): string {
  if (typeof value === 'string') return value;
  throw new Error(`database boundary: column ${column} is not text: ${String(value)}`);
}

export function toStrOrNull(value: unknown, column: string): string | null {
  return value === null || value === undefined ? null : toStr(value, column);
}

/** jsonb arrives parsed on both drivers; a string here means a double-encoded value upstream. */
export function toJson(value: unknown): unknown {
  return value === undefined ? null : value;
}

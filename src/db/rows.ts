import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

export interface QueryOptions {
  /**
   * Run as a named prepared statement on `pg` (PGlite ignores it): the server parses and plans
   * the statement once per connection instead of on every call (the pool forces generic plans, see
   * openPg). Worth it for the engine's hot statements only (planning a claim or a batch completion
   * took ~1 ms, a sixth of its cost).
   * Such a statement must name its result columns (no `SELECT *`): a cached plan whose result
   * type changes after a migration fails instead of re-planning.
   */
  prepare?: string;
}

const dialect = new PgDialect();

/**
 * The single place a driver's result envelope is opened. `pg` returns a `QueryResult`, PGlite a
 * `Results`; both carry `rows`, but nothing else about them may leak past this boundary.
 */
export async function queryRows(ex: Executor, query: SQL, opts: QueryOptions = {}): Promise<Record<string, unknown>[]> {
  const result: unknown = opts.prepare === undefined ? await ex.execute(query) : await executePrepared(ex, query, opts.prepare);
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as Record<string, unknown>[];
  }
  if (Array.isArray(result)) {
    throw new Error('database boundary: driver returned a bare array where a { rows } envelope was expected');
  }
  throw new Error('database boundary: driver result has no rows array');
}

/** Statement texts seen, by text: a hot statement takes a few shapes, so this stays tiny. */
const statementNames = new Map<string, string>();

function executePrepared(ex: Executor, query: SQL, prefix: string): Promise<unknown> {
  const q = dialect.sqlToQuery(query);
  // A statement name belongs to one text per connection, so the name carries the text's hash.
  let name = statementNames.get(q.sql);
  if (name === undefined) {
    name = `${prefix}_${createHash('sha1').update(q.sql).digest('hex').slice(0, 16)}`;
    if (statementNames.size < 256) statementNames.set(q.sql, name);
  }
  return ex._.session.prepareQuery(q, undefined, name, false).execute();
}

/** Runs a query expected to return at most one row; a second row is a bug, not a success. */
export async function queryOne(ex: Executor, query: SQL, opts: QueryOptions = {}): Promise<Record<string, unknown> | null> {
  const rows = await queryRows(ex, query, opts);
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

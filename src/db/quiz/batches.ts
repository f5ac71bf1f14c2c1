import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toJson, toStr, toStrOrNull } from '../rows.js';

/** A batch row as the quiz layer sees it; `request` is still `unknown` until the quiz layer parses it. */
export interface BatchRecord {
  id: string;
  request: unknown;
  requestHash: string;
  idempotencyKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Keyset position in the newest-first listing: created_at as PostgreSQL prints it (full precision) and id. */
export interface BatchCursor {
  createdAt: string;
  id: string;
}

export const BATCH_COLUMNS = sql`id, request, request_hash, idempotency_key, created_at, updated_at`;

export function toBatch(row: Record<string, unknown>): BatchRecord {
  return {
    id: toStr(row.id, 'batches.id'),
    request: toJson(row.request),
    requestHash: toStr(row.request_hash, 'batches.request_hash'),
    idempotencyKey: toStrOrNull(row.idempotency_key, 'batches.idempotency_key'),
    createdAt: toDate(row.created_at, 'batches.created_at'),
    updatedAt: toDate(row.updated_at, 'batches.updated_at'),
  };
}

/**
 * Inserts a batch; returns null when another batch already holds the idempotency key, so the
 * caller decides between "same request" and "conflict" without catching a unique violation.
 */
export async function insertBatch(
  ex: Executor,
  params: { id: string; request: unknown; requestHash: string; idempotencyKey: string | null },
): Promise<BatchRecord | null> {
  const row = await queryOne(
    ex,
    sql`insert into batches (id, request, request_hash, idempotency_key)
        values (${params.id}, ${JSON.stringify(params.request)}::jsonb, ${params.requestHash}, ${params.idempotencyKey})
        on conflict (idempotency_key) do nothing
        returning ${BATCH_COLUMNS}`,
  );
  return row ? toBatch(row) : null;
}

/** One batch by id, or null. */
export async function getBatch(ex: Executor, id: string): Promise<BatchRecord | null> {
  const row = await queryOne(ex, sql`select ${BATCH_COLUMNS} from batches where id = ${id}`);
  return row ? toBatch(row) : null;
}

/** The batch an idempotency key already created, if any. */
export async function getBatchByIdempotencyKey(ex: Executor, key: string): Promise<BatchRecord | null> {
  const row = await queryOne(ex, sql`select ${BATCH_COLUMNS} from batches where idempotency_key = ${key}`);
  return row ? toBatch(row) : null;
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while batches arrive. */
export async function listBatches(
  ex: Executor,
  params: { before?: BatchCursor | null; limit: number },
): Promise<Array<{ batch: BatchRecord; position: BatchCursor }>> {
  const before = params.before;
  const where = before ? sql`where (created_at, id) < (${before.createdAt}::timestamptz, ${before.id})` : sql``;
  const rows = await queryRows(
    ex,
    sql`select ${BATCH_COLUMNS}, created_at::text as created_at_text from batches ${where}
        order by created_at desc, id desc limit ${params.limit}`,
  );
  return rows.map((row) => {
    const batch = toBatch(row);
    return { batch, position: { createdAt: toStr(row.created_at_text, 'batches.created_at'), id: batch.id } };
  });
}

/** Marks a batch as changed, so `updatedAt` reflects its last pipeline step. */
export async function touchBatch(ex: Executor, id: string): Promise<void> {
  await queryRows(ex, sql`update batches set updated_at = now() where id = ${id}`);
}

/** Which of `ids` name a stored batch (for `distinctFrom`, which must not silently name nothing). */
export async function existingBatchIds(ex: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await queryRows(ex, sql`select id from batches where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
  return new Set(rows.map((r) => toStr(r.id, 'batches.id')));
}

import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toJson, toStr, toStrOrNull } from '../rows.js';

/** A batch row as the quiz layer sees it; `request` is still `unknown` until the quiz layer parses it. */
export interface BatchRecord {
  id: string;
  /** The tenant that owns the batch. */
  tenantId: string;
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

export const BATCH_COLUMNS = sql`id, tenant_id, request, request_hash, idempotency_key, created_at, updated_at`;

export function toBatch(row: Record<string, unknown>): BatchRecord {
  return {
    id: toStr(row.id, 'batches.id'),
    tenantId: toStr(row.tenant_id, 'batches.tenant_id'),
    request: toJson(row.request),
    requestHash: toStr(row.request_hash, 'batches.request_hash'),
    idempotencyKey: toStrOrNull(row.idempotency_key, 'batches.idempotency_key'),
    createdAt: toDate(row.created_at, 'batches.created_at'),
    updatedAt: toDate(row.updated_at, 'batches.updated_at'),
  };
}

/**
 * Which rows a read may see: one tenant's (`owner` is its name), or every tenant's (null, for the
 * `default` tenant's admin keys and the operator's CLI).
 */
export type Owner = string | null;

/** `and <column> = owner`, or nothing when every tenant's rows are visible. */
export function ownedBy(column: SQL, owner: Owner): SQL {
  return owner === null ? sql`` : sql`and ${column} = ${owner}`;
}

/** One batch by id, or null (also when `owner` does not own it). */
export async function getBatch(ex: Executor, id: string, owner: Owner = null): Promise<BatchRecord | null> {
  const row = await queryOne(ex, sql`select ${BATCH_COLUMNS} from batches where id = ${id} ${ownedBy(sql`tenant_id`, owner)}`);
  return row ? toBatch(row) : null;
}

/** The batch a tenant's idempotency key already created, if any. */
export async function getBatchByIdempotencyKey(ex: Executor, tenantId: string, key: string): Promise<BatchRecord | null> {
  const row = await queryOne(ex, sql`select ${BATCH_COLUMNS} from batches where tenant_id = ${tenantId} and idempotency_key = ${key}`);
  return row ? toBatch(row) : null;
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while batches arrive. */
export async function listBatches(
  ex: Executor,
  params: { before?: BatchCursor | null; limit: number; owner?: Owner },
): Promise<Array<{ batch: BatchRecord; position: BatchCursor }>> {
  const before = params.before;
  const after = before ? sql`and (created_at, id) < (${before.createdAt}::timestamptz, ${before.id})` : sql``;
  const rows = await queryRows(
    ex,
    sql`select ${BATCH_COLUMNS}, created_at::text as created_at_text from batches
        where true ${after} ${ownedBy(sql`tenant_id`, params.owner ?? null)}
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

const idsIn = (ids: readonly string[]) => sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`;

/** Which of `ids` name a batch `owner` can see (for `distinctFrom`, which must not silently name nothing). */
export async function existingBatchIds(ex: Executor, ids: readonly string[], owner: Owner = null): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await queryRows(ex, sql`select id from batches where id in ${idsIn(ids)} ${ownedBy(sql`tenant_id`, owner)}`);
  return new Set(rows.map((r) => toStr(r.id, 'batches.id')));
}

/** The owning tenant of each of `ids` that exists (batch ownership never changes, so callers may cache it). */
export async function batchTenants(ex: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows(ex, sql`select id, tenant_id from batches where id in ${idsIn(ids)}`);
  return new Map(rows.map((r) => [toStr(r.id, 'batches.id'), toStr(r.tenant_id, 'batches.tenant_id')]));
}

import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toDateOrNull, toIntOrNull, toStr, toStrOrNull } from '../rows.js';

export type BudgetPeriod = 'day' | 'month';

/** A managed API key as the accounts layer sees it (never its secret, only the secret's digest). */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  label: string | null;
  admin: boolean;
  /** Decimal string as stored (numeric), or null. */
  budgetUsd: string | null;
  budgetPeriod: BudgetPeriod | null;
  rateLimitSubmit: number | null;
  rateLimitAll: number | null;
  createdAt: Date;
  revokedAt: Date | null;
}

const COLUMNS = sql`id, tenant_id, label, admin, budget_usd::text as budget_usd, budget_period,
  rate_limit_submit, rate_limit_all, created_at, revoked_at`;

function toPeriod(value: unknown): BudgetPeriod | null {
  const s = toStrOrNull(value, 'api_keys.budget_period');
  if (s === null || s === 'day' || s === 'month') return s;
  throw new Error(`database boundary: api_keys.budget_period is ${JSON.stringify(s)}`);
}

function toKey(row: Record<string, unknown>): ApiKeyRecord {
  return {
    id: toStr(row.id, 'api_keys.id'),
    tenantId: toStr(row.tenant_id, 'api_keys.tenant_id'),
    label: toStrOrNull(row.label, 'api_keys.label'),
    admin: row.admin === true,
    budgetUsd: toStrOrNull(row.budget_usd, 'api_keys.budget_usd'),
    budgetPeriod: toPeriod(row.budget_period),
    rateLimitSubmit: toIntOrNull(row.rate_limit_submit, 'api_keys.rate_limit_submit'),
    rateLimitAll: toIntOrNull(row.rate_limit_all, 'api_keys.rate_limit_all'),
    createdAt: toDate(row.created_at, 'api_keys.created_at'),
    revokedAt: toDateOrNull(row.revoked_at, 'api_keys.revoked_at'),
  };
}

export interface NewApiKey {
  id: string;
  tenantId: string;
  label: string | null;
  admin: boolean;
  keyHash: string;
  budgetUsd: string | null;
  budgetPeriod: BudgetPeriod | null;
  rateLimitSubmit: number | null;
  rateLimitAll: number | null;
}

/** Stores a new key (its digest only). */
export async function insertApiKey(ex: Executor, k: NewApiKey): Promise<ApiKeyRecord> {
  const row = await queryOne(
    ex,
    sql`insert into api_keys (id, tenant_id, label, admin, key_hash, budget_usd, budget_period, rate_limit_submit, rate_limit_all)
        values (${k.id}, ${k.tenantId}, ${k.label}, ${k.admin}, ${k.keyHash}, ${k.budgetUsd}::numeric, ${k.budgetPeriod},
                ${k.rateLimitSubmit}::integer, ${k.rateLimitAll}::integer)
        returning ${COLUMNS}`,
  );
  if (!row) throw new Error('database boundary: insert into api_keys returned no row');
  return toKey(row);
}

/** The live (not revoked) key whose secret has this digest, or null. */
export async function findActiveKeyByHash(ex: Executor, keyHash: string): Promise<ApiKeyRecord | null> {
  const row = await queryOne(ex, sql`select ${COLUMNS} from api_keys where key_hash = ${keyHash} and revoked_at is null`);
  return row ? toKey(row) : null;
}

/** The live key with this id (a page session names its key by id), or null. */
export async function findActiveKeyById(ex: Executor, id: string): Promise<ApiKeyRecord | null> {
  const row = await queryOne(ex, sql`select ${COLUMNS} from api_keys where id = ${id} and revoked_at is null`);
  return row ? toKey(row) : null;
}

/** Every key, revoked ones included, oldest first (optionally one tenant's). */
export async function listApiKeys(ex: Executor, tenantId: string | null = null): Promise<ApiKeyRecord[]> {
  const only = tenantId === null ? sql`` : sql`where tenant_id = ${tenantId}`;
  const rows = await queryRows(ex, sql`select ${COLUMNS} from api_keys ${only} order by created_at, id`);
  return rows.map(toKey);
}

/** Marks a key revoked (once); null when no key has this id. A repeat keeps the first revocation time. */
export async function revokeApiKey(ex: Executor, id: string): Promise<ApiKeyRecord | null> {
  const row = await queryOne(
    ex,
    sql`update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ${id} returning ${COLUMNS}`,
  );
  return row ? toKey(row) : null;
}

/** True when any managed key was ever created: `serve` then requires keys even with none in the environment. */
export async function anyApiKeys(ex: Executor): Promise<boolean> {
  const row = await queryOne(ex, sql`select exists (select 1 from api_keys) as any`);
  return row?.any === true;
}

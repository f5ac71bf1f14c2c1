import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { tenantSpendQuery, toTenantSpend, type TenantSpendRecord } from '../accounts/spend.js';
import { queryOne } from '../rows.js';
import { BATCH_COLUMNS, toBatch, type BatchRecord } from './batches.js';

/** What a submit's one write statement did: the batch it stored (null: the idempotency key was taken) and the tenant's spend. */
export interface SubmittedBatch {
  batch: BatchRecord | null;
  tenantSpend: TenantSpendRecord;
}

/**
 * A submit's write, in one round trip: inserts the batch (nothing when another batch holds the
 * tenant's idempotency key: the caller then reads that batch), its spend row with the batch's own limits, and
 * reads the tenant's budget and current spend for the caller's check. Run it in the submit's
 * transaction: a refused budget rolls all of it back.
 */
export async function insertSubmittedBatch(
  ex: Executor,
  p: {
    id: string;
    tenantId: string;
    request: unknown;
    requestHash: string;
    idempotencyKey: string | null;
    limits: { maxTokens: number | null; maxUsd: number | null };
  },
): Promise<SubmittedBatch> {
  const row = await queryOne(
    ex,
    sql`with b as (
          insert into batches (id, tenant_id, request, request_hash, idempotency_key)
          values (${p.id}, ${p.tenantId}, ${JSON.stringify(p.request)}::jsonb, ${p.requestHash}, ${p.idempotencyKey})
          on conflict (tenant_id, idempotency_key) do nothing
          returning ${BATCH_COLUMNS}
        ), s as (
          insert into batch_spend (batch_id, max_tokens, max_usd)
          select id, ${p.limits.maxTokens}::bigint, ${p.limits.maxUsd}::numeric from b
        ), t as (${tenantSpendQuery(p.tenantId)})
        select b.*, t.* from t left join b on true`,
  );
  if (!row) throw new Error('database boundary: the submit statement returned no row');
  return { batch: row.id === null || row.id === undefined ? null : toBatch(row), tenantSpend: toTenantSpend(p.tenantId, row) };
}

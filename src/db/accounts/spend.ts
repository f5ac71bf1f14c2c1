/**
 * Budgets and spend ledgers (tables in src/db/schema/accounts-spend.ts). Reservation and
 * settlement run inside the model-call statements (`startModelCall`, `finishModelCall`, through
 * the SQL functions of drizzle/0021); these are the reads and the budget writes around them.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, toDate, toInt, toNum, toNumOrNull, toStr } from '../rows.js';

export type BudgetPeriod = 'day' | 'month';

/** A tenant's dollar budget per UTC day or month. */
export interface TenantBudget {
  usd: number;
  per: BudgetPeriod;
}

/** A tenant's spend in its current period, with its budget (null: none). */
export interface TenantSpendRecord {
  tenant: string;
  budget: TenantBudget | null;
  per: BudgetPeriod;
  periodStart: Date;
  spentTokens: number;
  spentUsd: number;
  reservedTokens: number;
  reservedUsd: number;
  calls: number;
  unpricedCalls: number;
}

/** A batch's limits (null: none) and its spend so far. */
export interface BatchSpendRecord {
  maxTokens: number | null;
  maxUsd: number | null;
  spentTokens: number;
  spentUsd: number;
  reservedTokens: number;
  reservedUsd: number;
}

function toPeriod(value: unknown): BudgetPeriod {
  const s = toStr(value, 'per');
  if (s === 'day' || s === 'month') return s;
  throw new Error(`database boundary: budget period is neither day nor month: ${s}`);
}

export function toBatchSpend(row: Record<string, unknown>): BatchSpendRecord {
  return {
    maxTokens: row.max_tokens === null || row.max_tokens === undefined ? null : toInt(row.max_tokens, 'batch_spend.max_tokens'),
    maxUsd: toNumOrNull(row.max_usd, 'batch_spend.max_usd'),
    spentTokens: toInt(row.spent_tokens, 'batch_spend.spent_tokens'),
    spentUsd: toNum(row.spent_usd, 'batch_spend.spent_usd'),
    reservedTokens: toInt(row.reserved_tokens, 'batch_spend.reserved_tokens'),
    reservedUsd: toNum(row.reserved_usd, 'batch_spend.reserved_usd'),
  };
}

/** Sets (or, with null, removes) a tenant's budget; takes effect for the next reservation. */
export async function upsertTenantBudget(ex: Executor, tenant: string, budget: TenantBudget | null): Promise<void> {
  if (budget === null) {
    await ex.execute(sql`delete from tenant_budgets where tenant = ${tenant}`);
    return;
  }
  await ex.execute(
    sql`insert into tenant_budgets (tenant, usd, per) values (${tenant}, ${budget.usd}::numeric, ${budget.per})
        on conflict (tenant) do update set usd = excluded.usd, per = excluded.per, updated_at = now()`,
  );
}

/**
 * A tenant's budget and its spend in the current UTC period, as one row (zeros when nothing was
 * spent yet): a query of its own, or a CTE inside a larger statement (the submit's).
 */
export function tenantSpendQuery(tenant: string): SQL {
  return sql`with b as (select usd, per from tenant_budgets where tenant = ${tenant}),
                  p as (select coalesce((select per from b), 'month') as per),
                  w as (select p.per, date_trunc(p.per, now() at time zone 'UTC') at time zone 'UTC' as period_start from p)
             select w.per, w.period_start, (select usd from b) as budget_usd,
                    coalesce(s.spent_tokens, 0) as spent_tokens, coalesce(s.spent_usd, 0) as spent_usd,
                    coalesce(s.reserved_tokens, 0) as reserved_tokens, coalesce(s.reserved_usd, 0) as reserved_usd,
                    coalesce(s.calls, 0) as calls, coalesce(s.unpriced_calls, 0) as unpriced_calls
               from w left join tenant_spend s on s.tenant = ${tenant} and s.per = w.per and s.period_start = w.period_start`;
}

/** A `tenantSpendQuery` row as a record. */
export function toTenantSpend(tenant: string, row: Record<string, unknown>): TenantSpendRecord {
  const per = toPeriod(row.per);
  const budgetUsd = toNumOrNull(row.budget_usd, 'tenant_budgets.usd');
  return {
    tenant,
    budget: budgetUsd === null ? null : { usd: budgetUsd, per },
    per,
    periodStart: toDate(row.period_start, 'tenant_spend.period_start'),
    spentTokens: toInt(row.spent_tokens, 'tenant_spend.spent_tokens'),
    spentUsd: toNum(row.spent_usd, 'tenant_spend.spent_usd'),
    reservedTokens: toInt(row.reserved_tokens, 'tenant_spend.reserved_tokens'),
    reservedUsd: toNum(row.reserved_usd, 'tenant_spend.reserved_usd'),
    calls: toInt(row.calls, 'tenant_spend.calls'),
    unpricedCalls: toInt(row.unpriced_calls, 'tenant_spend.unpriced_calls'),
  };
}

/** A tenant's budget and its spend in the current UTC period (zeros when nothing was spent yet). */
export async function getTenantSpend(ex: Executor, tenant: string): Promise<TenantSpendRecord> {
  const row = await queryOne(ex, tenantSpendQuery(tenant));
  if (!row) throw new Error('database boundary: tenant spend read returned no row');
  return toTenantSpend(tenant, row);
}

/** A batch's limits and spend; null for a batch stored before budgets (it has none). */
export async function getBatchSpend(ex: Executor, batchId: string): Promise<BatchSpendRecord | null> {
  const row = await queryOne(
    ex,
    sql`select max_tokens, max_usd, spent_tokens, spent_usd, reserved_tokens, reserved_usd from batch_spend where batch_id = ${batchId}`,
  );
  return row ? toBatchSpend(row) : null;
}

/**
 * Replaces the limits a DLQ replay names (`undefined` keeps one, null removes it), creating the
 * row for a batch stored before budgets.
 */
export async function setBatchLimits(
  ex: Executor,
  batchId: string,
  limits: { maxTokens?: number | null | undefined; maxUsd?: number | null | undefined },
): Promise<void> {
  const keepTokens = limits.maxTokens === undefined;
  const keepUsd = limits.maxUsd === undefined;
  await ex.execute(
    sql`insert into batch_spend (batch_id, max_tokens, max_usd)
        values (${batchId}, ${limits.maxTokens ?? null}, ${limits.maxUsd ?? null}::numeric)
        on conflict (batch_id) do update set
          max_tokens = case when ${keepTokens} then batch_spend.max_tokens else excluded.max_tokens end,
          max_usd = case when ${keepUsd} then batch_spend.max_usd else excluded.max_usd end`,
  );
}

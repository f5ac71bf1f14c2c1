/**
 * Budgets as the service sees them: a tenant's daily or monthly dollar budget, a batch's token and
 * dollar limits, the checks at submit, and a tenant's usage. The per-call reservation itself runs
 * in the call's start statement (`startModelCall`), atomically across workers.
 */
import type { Executor } from '../db/client.js';
import { getBatchSpend, getTenantSpend, upsertTenantBudget, type BudgetPeriod, type TenantSpendRecord } from '../db/accounts/spend.js';
import { BudgetExhaustedError, UnpricedBudgetError } from './budget-errors.js';
import { BATCH_PRICE_FACTOR, type PriceTable } from './prices.js';
import { worstCase } from './worst-case.js';

/** Sets a tenant's dollar budget per UTC day or month; null removes it (spend is still tracked). */
export async function setTenantBudget(db: Executor, tenant: string, budget: { usd: number; per: BudgetPeriod } | null): Promise<void> {
  if (budget !== null && !(Number.isFinite(budget.usd) && budget.usd >= 0)) throw new RangeError('budget usd must be a finite number >= 0');
  await upsertTenantBudget(db, tenant, budget);
}

/** A tenant's usage in its current period, as `GET /v1/usage` answers it. */
export interface TenantUsageView {
  tenant: string;
  period: { per: BudgetPeriod; start: string; end: string };
  /** The budget per period in dollars; null: none. */
  budget: { usd: number; per: BudgetPeriod } | null;
  /** Dollars of finished calls this period; null when some were of unpriced models (unknown). */
  costUsd: number | null;
  spentUsd: number;
  reservedUsd: number;
  /** Budget minus spent and reserved, never below 0; null without a budget. */
  remainingUsd: number | null;
  tokens: { spent: number; reserved: number };
  modelCalls: number;
  unpricedCalls: number;
}

function periodEnd(start: Date, per: BudgetPeriod): Date {
  const end = new Date(start);
  if (per === 'day') end.setUTCDate(end.getUTCDate() + 1);
  else end.setUTCMonth(end.getUTCMonth() + 1);
  return end;
}

export function toTenantUsage(s: TenantSpendRecord): TenantUsageView {
  return {
    tenant: s.tenant,
    period: { per: s.per, start: s.periodStart.toISOString(), end: periodEnd(s.periodStart, s.per).toISOString() },
    budget: s.budget,
    costUsd: s.unpricedCalls > 0 ? null : s.spentUsd,
    spentUsd: s.spentUsd,
    reservedUsd: s.reservedUsd,
    remainingUsd: s.budget === null ? null : Math.max(0, s.budget.usd - s.spentUsd - s.reservedUsd),
    tokens: { spent: s.spentTokens, reserved: s.reservedTokens },
    modelCalls: s.calls,
    unpricedCalls: s.unpricedCalls,
  };
}

export async function tenantUsage(db: Executor, tenant: string): Promise<TenantUsageView> {
  return toTenantUsage(await getTenantSpend(db, tenant));
}

/** What a submit will spend on: the models its calls use and its own limits. */
export interface SpendPlan {
  tenant: string;
  /** Every model the batch may call (generation and, unless off, verification). */
  models: readonly string[];
  maxTokens: number | null;
  maxCostUsd: number | null;
}

/** The first of the plan's models without a price, if any: both submit checks ask, so it is looked up once. */
export function unpricedModel(prices: PriceTable, plan: SpendPlan): string | undefined {
  return plan.models.find((m) => !prices.has(m));
}

/**
 * Refuses, before anything is stored, a batch dollar limit over a model without a price (422):
 * nothing could ever be reserved against it. `unpriced` is `unpricedModel`'s answer.
 */
export function checkBatchLimitPriced(plan: SpendPlan, unpriced: string | undefined): void {
  if (unpriced !== undefined && plan.maxCostUsd !== null) throw new UnpricedBudgetError('maxCostUsd', unpriced, 'the batch limit maxCostUsd');
}

/**
 * Refuses a submit its tenant's budget cannot run: a model without a price under a dollar budget
 * (422), or a period budget already spent or fully reserved (402). `spend` is read in the
 * submit's own statement (`insertSubmittedBatch`); throwing rolls the submit back. The per-call
 * reservation still decides each call.
 */
export function checkTenantBudget(plan: SpendPlan, unpriced: string | undefined, spend: TenantSpendRecord): void {
  if (spend.budget === null) return;
  if (unpriced !== undefined) throw new UnpricedBudgetError('model', unpriced, `the tenant's budget of $${spend.budget.usd} per ${spend.budget.per}`);
  if (spend.spentUsd + spend.reservedUsd >= spend.budget.usd) {
    throw new BudgetExhaustedError(plan.tenant, spend.budget.usd, spend.spentUsd + spend.reservedUsd, spend.budget.per);
  }
}

/**
 * Whether a batch's and its tenant's budgets have room, now, for the worst case of `bodies` sent
 * at once at the Batch API's price: an economy batch sends all its first calls before any chunk
 * reserves one, so it goes only when they fit; otherwise its chunks run live, reserving call by
 * call. Returns why not, or null. A check, not a reservation: each answer is still reserved and
 * settled when its chunk takes it.
 */
export async function bulkFitsBudgets(
  db: Executor,
  prices: PriceTable,
  a: { batchId: string; tenant: string; bodies: ReadonlyArray<Parameters<typeof worstCase>[1]> },
): Promise<string | null> {
  const worst = a.bodies.map((b) => worstCase(prices, b));
  const tokens = worst.reduce((n, w) => n + w.tokens, 0);
  const usd = worst.some((w) => w.usd === null) ? null : worst.reduce((n, w) => n + (w.usd ?? 0), 0) * BATCH_PRICE_FACTOR;
  const [batch, tenant] = await Promise.all([getBatchSpend(db, a.batchId), getTenantSpend(db, a.tenant)]);
  const what = `the Batch API's ${a.bodies.length} calls (worst case ${tokens} tokens${usd === null ? '' : `, $${usd.toFixed(6)}`})`;
  if (batch?.maxTokens != null && batch.spentTokens + batch.reservedTokens + tokens > batch.maxTokens) return `the batch's maxTokens cannot hold ${what}`;
  if (batch?.maxUsd != null && (usd === null || batch.spentUsd + batch.reservedUsd + usd > batch.maxUsd)) return `the batch's maxCostUsd cannot hold ${what}`;
  if (tenant.budget !== null && (usd === null || tenant.spentUsd + tenant.reservedUsd + usd > tenant.budget.usd)) {
    return `tenant ${JSON.stringify(a.tenant)}'s budget cannot hold ${what}`;
  }
  return null;
}

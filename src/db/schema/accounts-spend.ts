import { bigint, bigserial, integer, numeric, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { batches } from './quiz.js';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** Dollars as exact decimals: sums of many sub-cent call costs must not drift. */
const usd = (name: string) => numeric(name, { precision: 20, scale: 10 });

/** A tenant's spending limit per UTC day or month; no row: unlimited (spend is still tracked). */
export const tenantBudgets = pgTable('tenant_budgets', {
  tenant: text('tenant').primaryKey(),
  usd: usd('usd').notNull(),
  /** 'day' | 'month' (UTC). */
  per: text('per').notNull(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});

/**
 * A tenant's spend in one budget period: what finished calls cost (`spent_*`) and the worst case of
 * the calls still with the provider (`reserved_*`). One row per tenant, period kind and start.
 */
export const tenantSpend = pgTable(
  'tenant_spend',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenant: text('tenant').notNull(),
    per: text('per').notNull(),
    periodStart: tz('period_start').notNull(),
    spentTokens: bigint('spent_tokens', { mode: 'number' }).notNull().default(0),
    spentUsd: usd('spent_usd').notNull().default('0'),
    reservedTokens: bigint('reserved_tokens', { mode: 'number' }).notNull().default(0),
    reservedUsd: usd('reserved_usd').notNull().default('0'),
    calls: integer('calls').notNull().default(0),
    /** Calls of a model with no known price: their cost is unknown, not 0. */
    unpricedCalls: integer('unpriced_calls').notNull().default(0),
  },
  (t) => [uniqueIndex('tenant_spend_period_uq').on(t.tenant, t.per, t.periodStart)],
);

/** A batch's budget (`maxTokens`, `maxCostUsd` of its request; null: none) and its spend so far. */
export const batchSpend = pgTable('batch_spend', {
  batchId: text('batch_id')
      .primaryKey()
      .references(() => batches.id, { onDelete: 'cascade' }),
    maxTokens: bigint('max_tokens', { mode: 'number' }),
    maxUsd: usd('max_usd'),
    spentTokens: bigint('spent_tokens', { mode: 'number' }).notNull().default(0),
    spentUsd: usd('spent_usd').notNull().default('0'),
    reservedTokens: bigint('reserved_tokens', { mode: 'number' }).notNull().default(0),
    reservedUsd: usd('reserved_usd').notNull().default('0'),
});

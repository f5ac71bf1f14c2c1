import { boolean, check, index, integer, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Managed API keys: each belongs to a tenant. Only a SHA-256 digest of the (high-entropy, random)
 * secret is stored; the secret is shown once by `quizforge keys create`. A revoked key keeps its
 * row (for `keys list`) with `revoked_at` set.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    label: text('label'),
    admin: boolean('admin').notNull().default(false),
    /** hex SHA-256 of the secret key. */
    keyHash: text('key_hash').notNull(),
    /** Spending cap for the key's tenant (enforced by the budget side, see src/accounts/README.md). */
    budgetUsd: numeric('budget_usd'),
    budgetPeriod: text('budget_period'),
    /** Per-key overrides of QUIZFORGE_RATE_LIMIT_SUBMIT / _ALL (requests per minute). */
    rateLimitSubmit: integer('rate_limit_submit'),
    rateLimitAll: integer('rate_limit_all'),
    createdAt: tz('created_at').notNull().defaultNow(),
    revokedAt: tz('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_keys_key_hash_uq').on(t.keyHash),
    index('api_keys_tenant_idx').on(t.tenantId),
    check('api_keys_budget_period_ck', sql`budget_period is null or budget_period in ('day', 'month')`),
  ],
);

/**
 * API rate limits: one fixed one-minute window per tenant and bucket ('all', 'submit'), shared by
 * every API process. A request is one upsert; the row is reused when the window rolls over.
 */
export const apiRateWindows = pgTable(
  'api_rate_windows',
  {
    tenantId: text('tenant_id').notNull(),
    bucket: text('bucket').notNull(),
    windowStart: tz('window_start').notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.bucket] })],
);

import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../db/client.js';
import { anyApiKeys, insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord, type BudgetPeriod } from '../db/accounts/index.js';
import { setTenantBudget } from './budgets.js';
import { AccountInputError } from './errors.js';
import { TENANT_PATTERN } from './tenants.js';

export type { ApiKeyRecord, BudgetPeriod };

/** Managed keys start with this, so a leaked one is recognisable (and greppable) in logs and repositories. */
export const KEY_PREFIX = 'qf_';
const MAX_LABEL = 200;
const MAX_RATE = 1_000_000;

/**
 * The stored digest of a key. A plain SHA-256 is enough: the secret is 256 random bits, so there
 * is nothing to brute-force that a slow hash would protect, and every request can afford it.
 */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface CreateKeyInput {
  tenant: string;
  admin?: boolean;
  label?: string | null;
  budgetUsd?: number | null;
  budgetPeriod?: BudgetPeriod | null;
  rateLimitSubmit?: number | null;
  rateLimitAll?: number | null;
}

function checkRate(field: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_RATE) throw new AccountInputError(field, `must be an integer 1–${MAX_RATE} (requests per minute)`);
  return value;
}

/** The checked row to store; throws AccountInputError naming the first bad field. */
function checkInput(input: CreateKeyInput): Omit<ApiKeyRecord, 'id' | 'createdAt' | 'revokedAt'> {
  if (!TENANT_PATTERN.test(input.tenant)) {
    throw new AccountInputError('tenant', 'must be 1–63 lowercase letters, digits, "-" or "_", starting with a letter or digit');
  }
  const label = input.label?.trim() || null;
  if (label !== null && (label.length > MAX_LABEL || [...label].some((ch) => ch < ' ' || ch === '\u007f'))) {
    throw new AccountInputError('label', `must be at most ${MAX_LABEL} printable characters`);
  }
  const budget = input.budgetUsd ?? null;
  const period = input.budgetPeriod ?? null;
  if (budget !== null && (!Number.isFinite(budget) || budget < 0 || budget > 1e9)) throw new AccountInputError('budget-usd', 'must be a number of dollars, 0 or more');
  if (budget !== null && period === null) throw new AccountInputError('per', 'a budget needs a period: day or month');
  if (budget === null && period !== null) throw new AccountInputError('budget-usd', 'a period needs a budget');
  return {
    tenantId: input.tenant,
    label,
    admin: input.admin === true,
    budgetUsd: budget === null ? null : String(budget),
    budgetPeriod: period,
    rateLimitSubmit: checkRate('rate-limit-submit', input.rateLimitSubmit),
    rateLimitAll: checkRate('rate-limit-all', input.rateLimitAll),
  };
}

/**
 * Creates a key for a tenant; the secret is returned here, once, and only its digest is stored.
 * A key made with a budget sets its tenant's budget (spend is the tenant's, whichever of its keys
 * submits): `--budget-usd N --per day|month` replaces any budget the tenant had.
 */
export async function createApiKey(db: Executor, input: CreateKeyInput): Promise<{ key: string; record: ApiKeyRecord }> {
  const fields = checkInput(input);
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record = await insertApiKey(db, { id: `key_${randomBytes(8).toString('hex')}`, keyHash: hashKey(key), ...fields });
  if (input.budgetUsd != null && input.budgetPeriod != null) await setTenantBudget(db, input.tenant, { usd: input.budgetUsd, per: input.budgetPeriod });
  return { key, record };
}

/** Every key (no secrets), revoked ones included. */
export function listKeys(db: Executor, tenant: string | null = null): Promise<ApiKeyRecord[]> {
  return listApiKeys(db, tenant);
}

/**
 * Revokes a key; null when there is none with this id. Every API process stops accepting it
 * once its cached lookup expires (see ManagedKeys, `KEY_CACHE_TTL_MS`).
 */
export function revokeKey(db: Executor, id: string): Promise<ApiKeyRecord | null> {
  return revokeApiKey(db, id);
}

/** True once any managed key was created (even if revoked): `serve` then requires keys. */
export function hasManagedKeys(db: Executor): Promise<boolean> {
  return anyApiKeys(db);
}

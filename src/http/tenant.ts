import type { Context } from 'hono';
import { DEFAULT_TENANT } from '../accounts/budget-tenant.js';
import type { AppEnv } from './env.js';

/** The tenant a request acts for: whose budget a submit spends and whose usage `GET /v1/usage` shows. */
// merge: tenants — return c.var.principal.tenant.
export function tenantOf(_c: Context<AppEnv>): string {
  return DEFAULT_TENANT;
}

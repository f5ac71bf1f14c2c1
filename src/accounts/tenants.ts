/** The tenant of keys from QUIZFORGE_API_KEYS / QUIZFORGE_ADMIN_KEYS without a `tenant:` prefix, of open mode, and of rows older than tenants. */
export const DEFAULT_TENANT = 'default';

/** Tenant names: lowercase letters, digits, `-` and `_`, 1–63 characters, starting with a letter or digit. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Whose data a caller sees: its own tenant's, or (`all`) every tenant's. Only admin keys of the
 * `default` tenant (and open mode, and the operator's CLI) see everything; everyone else sees
 * exactly their tenant, and another tenant's id answers as an unknown one.
 */
export interface TenantScope {
  /** The tenant new batches and sources are created for. */
  tenant: string;
  all: boolean;
}

/** The operator's view (CLI, open loopback mode): the `default` tenant, seeing every tenant. */
export const OPERATOR_SCOPE: TenantScope = { tenant: DEFAULT_TENANT, all: true };

/** The scope a key grants. */
export function scopeFor(tenant: string, admin: boolean): TenantScope {
  return { tenant, all: admin && tenant === DEFAULT_TENANT };
}

/** The owner filter of a read: the tenant's name, or null when every tenant's rows are visible. */
export function ownerFilter(scope: TenantScope): string | null {
  return scope.all ? null : scope.tenant;
}

/**
 * A key from the environment: `tenant:secret` names its tenant, a bare secret belongs to
 * `default`. Only a valid tenant name counts as a prefix, so a secret that merely contains a
 * colon after other characters stays whole.
 */
export function parseEnvKey(entry: string): { tenant: string; key: string } {
  const at = entry.indexOf(':');
  if (at > 0) {
    const tenant = entry.slice(0, at);
    const key = entry.slice(at + 1);
    if (TENANT_PATTERN.test(tenant) && key !== '') return { tenant, key };
  }
  return { tenant: DEFAULT_TENANT, key: entry };
}

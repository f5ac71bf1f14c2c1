import type { Executor } from '../db/client.js';
import { findActiveKeyByHash, findActiveKeyById, type ApiKeyRecord } from '../db/accounts/index.js';
import { hashKey, KEY_PREFIX } from './keys.js';

/** How long a process trusts a looked-up key: a revoked key stops working on every process within this. */
export const KEY_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/** Who a managed key is, as auth needs it. */
export interface KeyIdentity {
  keyId: string;
  tenant: string;
  admin: boolean;
  /** Per-key rate-limit overrides (requests per minute); null falls back to the process defaults. */
  limits: { submit: number | null; all: number | null };
}

function toIdentity(k: ApiKeyRecord): KeyIdentity {
  return { keyId: k.id, tenant: k.tenantId, admin: k.admin, limits: { submit: k.rateLimitSubmit, all: k.rateLimitAll } };
}

/**
 * Managed keys looked up by digest (or, for page sessions, by id), each answer (found or not)
 * cached for `ttlMs`: a busy client costs one query per key per TTL, not one per request, and a
 * revocation reaches every process within the TTL without any cross-process signal.
 */
export class ManagedKeys {
  private readonly cache = new Map<string, { at: number; value: Promise<KeyIdentity | null> }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Executor,
    opts: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? KEY_CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The live key with this secret, or null. Only `qf_` keys are looked up: anything else cannot be one. */
  bySecret(secret: string): Promise<KeyIdentity | null> {
    if (!secret.startsWith(KEY_PREFIX) || secret.length > 200) return Promise.resolve(null);
    const hash = hashKey(secret);
    return this.cached(`h:${hash}`, () => findActiveKeyByHash(this.db, hash));
  }

  /** The live key with this id, or null. */
  byId(id: string): Promise<KeyIdentity | null> {
    if (!/^key_[0-9a-f]{16}$/.test(id)) return Promise.resolve(null);
    return this.cached(`i:${id}`, () => findActiveKeyById(this.db, id));
  }

  private cached(key: string, load: () => Promise<ApiKeyRecord | null>): Promise<KeyIdentity | null> {
    const t = this.now();
    const hit = this.cache.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    const value = load().then((k) => (k ? toIdentity(k) : null));
    this.cache.set(key, { at: t, value });
    // A failed lookup (database down) is not remembered: the next request asks again.
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }
}

import type { Executor } from '../db/client.js';
import { hitRateWindows } from '../db/accounts/index.js';

/** Requests per minute per tenant; null (or 0 in the environment) means unlimited. */
export interface RateLimits {
  submit: number | null;
  all: number | null;
}

/** What the client is told: the tightest bucket's figures (the `RateLimit-*` headers). */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends (`RateLimit-Reset`, and `Retry-After` when refused). */
  resetSeconds: number;
  bucket: 'submit' | 'all';
}

export const RATE_WINDOW_MS = 60_000;

/**
 * Per-tenant API rate limits in fixed one-minute windows kept in PostgreSQL, so every API process
 * counts against the same window. A request costs one upsert when a limit applies and nothing
 * when none does. Per-key overrides replace the process defaults for requests made with that key
 * (the count stays the tenant's).
 */
export class ApiRateLimiter {
  private readonly windowMs: number;

  constructor(
    private readonly db: Executor,
    private readonly defaults: RateLimits,
    opts: { windowMs?: number } = {},
  ) {
    this.windowMs = opts.windowMs ?? RATE_WINDOW_MS;
  }

  /** Counts the request and decides; null when no limit applies to it (no query is made). */
  async check(tenant: string, req: { submit: boolean; overrides?: Partial<RateLimits> }): Promise<RateDecision | null> {
    const limits: Array<['submit' | 'all', number]> = [];
    const all = req.overrides?.all ?? this.defaults.all;
    const submit = req.overrides?.submit ?? this.defaults.submit;
    if (all) limits.push(['all', all]);
    if (req.submit && submit) limits.push(['submit', submit]);
    if (limits.length === 0) return null;
    const hits = await hitRateWindows(this.db, { tenantId: tenant, buckets: limits.map(([b]) => b), windowMs: this.windowMs });
    let tightest: RateDecision | null = null;
    for (const [bucket, limit] of limits) {
      const hit = hits.find((h) => h.bucket === bucket);
      if (!hit) continue;
      const decision: RateDecision = {
        allowed: hit.hits <= limit,
        limit,
        remaining: Math.max(0, limit - hit.hits),
        resetSeconds: Math.max(1, Math.ceil(hit.resetMs / 1000)),
        bucket,
      };
      if (!tightest || (tightest.allowed && !decision.allowed) || (tightest.allowed === decision.allowed && decision.remaining < tightest.remaining)) {
        tightest = decision;
      }
    }
    return tightest;
  }
}

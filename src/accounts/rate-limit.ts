import type { Executor } from '../db/client.js';
import { hitRateWindows } from '../db/accounts/index.js';

/** Requests per minute per tenant; null (or 0 in the environment) means unlimited. */
export interface RateLimits {
  submit: number | null;
  all: number | null;
}

type Bucket = 'submit' | 'all';

/** What the client is told: the tightest bucket's figures (the `RateLimit-*` headers). */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends (`RateLimit-Reset`, and `Retry-After` when refused). */
  resetSeconds: number;
  bucket: Bucket;
}

export const RATE_WINDOW_MS = 60_000;

/**
 * Hits this process took from the shared window at once: 1 % of the limit (at least 1). Small
 * limits stay exact; large ones cost one upsert per block instead of per request, at the price of
 * refusing up to one block per other process early near the limit.
 */
export function blockSize(limit: number): number {
  return Math.max(1, Math.floor(limit / 100));
}

/** A block of hits reserved in the shared window: `start` hits were counted before it. */
interface Block {
  limit: number;
  start: number;
  size: number;
  used: number;
  /** Local clock time the window ends. */
  endsAt: number;
}

/**
 * Per-tenant API rate limits in fixed one-minute windows kept in PostgreSQL, so every API process
 * counts against the same window. A process reserves hits in blocks (`blockSize`) and spends them
 * locally; a spent window is remembered until it ends, so a client hammering past its limit costs
 * no query at all. Nothing is queried when no limit applies. Per-key overrides replace the
 * process defaults for requests made with that key (the count stays the tenant's).
 */
export class ApiRateLimiter {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly blocks = new Map<string, Block>();

  constructor(
    private readonly db: Executor,
    private readonly defaults: RateLimits,
    opts: { windowMs?: number; now?: () => number } = {},
  ) {
    this.windowMs = opts.windowMs ?? RATE_WINDOW_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Counts the request and decides; null when no limit applies to it (no query is made). */
  async check(tenant: string, req: { submit: boolean; overrides?: Partial<RateLimits> }): Promise<RateDecision | null> {
    const limits: Array<[Bucket, number]> = [];
    const all = req.overrides?.all ?? this.defaults.all;
    const submit = req.overrides?.submit ?? this.defaults.submit;
    if (all) limits.push(['all', all]);
    if (req.submit && submit) limits.push(['submit', submit]);
    if (limits.length === 0) return null;
    const t = this.now();
    const blockOf = (bucket: Bucket, limit: number): Block | null => {
      const b = this.blocks.get(`${tenant}\0${bucket}`);
      return b && b.limit === limit && t < b.endsAt ? b : null;
    };
    const stale = limits.filter(([bucket, limit]) => {
      const b = blockOf(bucket, limit);
      return !b || (b.used >= b.size && b.start + b.size < limit);
    });
    if (stale.length > 0) await this.reserve(tenant, stale);
    let tightest: RateDecision | null = null;
    for (const [bucket, limit] of limits) {
      const b = blockOf(bucket, limit);
      if (!b) continue;
      const hits = b.used < b.size ? b.start + ++b.used : limit + 1;
      const decision: RateDecision = {
        allowed: hits <= limit,
        limit,
        remaining: Math.max(0, limit - hits),
        resetSeconds: Math.max(1, Math.ceil((b.endsAt - t) / 1000)),
        bucket,
      };
      if (!tightest || (tightest.allowed && !decision.allowed) || (tightest.allowed === decision.allowed && decision.remaining < tightest.remaining)) {
        tightest = decision;
      }
    }
    return tightest;
  }

  /** Takes a fresh block of each bucket from the shared window (one upsert for all of them). */
  private async reserve(tenant: string, buckets: Array<[Bucket, number]>): Promise<void> {
    const want = buckets.map(([bucket, limit]) => ({ bucket, n: blockSize(limit) }));
    const hits = await hitRateWindows(this.db, { tenantId: tenant, buckets: want, windowMs: this.windowMs });
    const t = this.now();
    if (this.blocks.size > 10_000) this.blocks.clear();
    for (const [bucket, limit] of buckets) {
      const hit = hits.find((h) => h.bucket === bucket);
      const n = want.find((w) => w.bucket === bucket)?.n ?? 1;
      if (!hit) continue;
      const start = hit.hits - n;
      // Beyond the limit the block is empty: the window is spent, remembered until it ends.
      this.blocks.set(`${tenant}\0${bucket}`, { limit, start, size: Math.max(0, Math.min(n, limit - start)), used: 0, endsAt: t + hit.resetMs });
    }
  }
}

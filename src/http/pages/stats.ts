import type { TenantScope } from '../../accounts/index.js';
import type { EngineEvent, JobState } from '../../engine/types.js';
import type { PagesStats, Throughput } from './deps.js';

/** The slice of the engine the dashboard's figures come from. */
export interface StatsSource {
  countByState(): Promise<Record<JobState, number>>;
  events: {
    latestId(): Promise<number>;
    readAfter(afterId: number, opts?: { limit?: number }): Promise<EngineEvent[]>;
  };
}

/** One tenant's figures (the quiz service's `tenantStats`): its batches' jobs only. */
export interface TenantStatsSource {
  countByState(tenant: string): Promise<Partial<Record<JobState, number>>>;
  finishedSince(tenant: string, since: Date, limit: number): Promise<{ succeeded: number; dead: number }>;
}

export interface StatsOptions {
  /** Most recent journal rows read to count finished jobs; beyond it the tile says "N+". */
  sampleLimit?: number;
  /** Figures are shared by every open dashboard for this long. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Dashboard figures from the engine: counts by state as they are, throughput counted from the
 * tail of the event journal (job.succeeded / job.dead in the window). Bounded work per refresh
 * and cached briefly, so many open dashboards cost one small read a second.
 */
export function engineStats(source: StatsSource, tenants: TenantStatsSource | null = null, opts: StatsOptions = {}): PagesStats {
  const sampleLimit = opts.sampleLimit ?? 2_000;
  const cacheMs = opts.cacheMs ?? 1_000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; windowMs: number; value: Promise<Throughput> } | null = null;

  async function count(windowMs: number): Promise<Throughput> {
    const latest = await source.events.latestId();
    const events = await source.events.readAfter(Math.max(0, latest - sampleLimit), { limit: sampleLimit });
    const since = now() - windowMs;
    const out: Throughput = { succeeded: 0, dead: 0, capped: false };
    for (const e of events) {
      if (new Date(e.createdAt).getTime() < since) continue;
      if (e.type === 'job.succeeded') out.succeeded += 1;
      else if (e.type === 'job.dead') out.dead += 1;
    }
    const oldest = events[0];
    out.capped = events.length >= sampleLimit && oldest !== undefined && new Date(oldest.createdAt).getTime() >= since;
    return out;
  }

  const tenantThroughput = async (tenant: string, windowMs: number): Promise<Throughput> => {
    const done = tenants ? await tenants.finishedSince(tenant, new Date(now() - windowMs), sampleLimit) : { succeeded: 0, dead: 0 };
    return { ...done, capped: done.succeeded >= sampleLimit || done.dead >= sampleLimit };
  };

  return {
    countByState: (scope: TenantScope) => (scope.all ? source.countByState() : tenants ? tenants.countByState(scope.tenant) : Promise.resolve({})),
    throughput(windowMs, scope) {
      if (!scope.all) return tenantThroughput(scope.tenant, windowMs);
      const t = now();
      if (!cached || cached.windowMs !== windowMs || t - cached.at >= cacheMs) {
        const value = count(windowMs);
        cached = { at: t, windowMs, value };
        value.catch(() => {
          if (cached?.value === value) cached = null;
        });
      }
      return cached.value;
    },
  };
}

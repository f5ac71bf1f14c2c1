import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryRows, toInt, toStr } from '../rows.js';

/** One bucket's count in the current window, and how long until that window ends. */
export interface WindowHit {
  bucket: string;
  hits: number;
  resetMs: number;
}

/**
 * Adds `n` hits to each of a tenant's buckets in the current fixed window of `windowMs` (aligned
 * on the database clock, so every API process shares it) and returns the counts after it: one
 * upsert, one round trip, one row per tenant and bucket, reused as windows roll.
 */
export async function hitRateWindows(
  ex: Executor,
  p: { tenantId: string; buckets: ReadonlyArray<{ bucket: string; n: number }>; windowMs: number },
): Promise<WindowHit[]> {
  const rows = await queryRows(
    ex,
    sql`with w as (
          select to_timestamp(floor(extract(epoch from now()) * 1000 / ${p.windowMs}) * ${p.windowMs} / 1000.0) as start
        )
        insert into api_rate_windows as r (tenant_id, bucket, window_start, hits)
        select ${p.tenantId}, b.bucket, w.start, b.n
          from w, jsonb_to_recordset(${JSON.stringify(p.buckets)}::jsonb) as b(bucket text, n integer)
        on conflict (tenant_id, bucket) do update set
          hits = case when r.window_start = excluded.window_start then r.hits + excluded.hits else excluded.hits end,
          window_start = excluded.window_start
        returning bucket, hits,
          greatest(0, ceil(extract(epoch from (window_start - now())) * 1000 + ${p.windowMs}))::bigint as reset_ms`,
  );
  return rows.map((r) => ({ bucket: toStr(r.bucket, 'bucket'), hits: toInt(r.hits, 'hits'), resetMs: toInt(r.reset_ms, 'reset_ms') }));
}

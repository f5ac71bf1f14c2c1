import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne } from '../rows.js';

/** A server's learnt output mode, as stored (the mode is checked by the caller, which owns the list). */
export type ModelCapability = { outputMode: string; reason: string; expiresAt: Date };

/** The unexpired capability recorded for (base URL, model), or null. */
export async function findModelCapability(ex: Executor, baseUrl: string, model: string): Promise<ModelCapability | null> {
  const row = await queryOne(
    ex,
    sql`select output_mode, reason, expires_at from model_capabilities
        where base_url = ${baseUrl} and model = ${model} and expires_at > now()`,
  );
  if (!row) return null;
  return { outputMode: String(row.output_mode), reason: String(row.reason), expiresAt: new Date(String(row.expires_at)) };
}

/**
 * Records that (base URL, model) needs `outputMode`, for every worker, until `ttlMs` from now. A
 * concurrent worker that stepped further down wins: modes are compared by their rank in the caller's
 * list (`rank`, lower is better), so a slower worker never moves the shared record back up.
 */
export async function recordModelCapability(
  ex: Executor,
  c: { baseUrl: string; model: string; outputMode: string; reason: string; ttlMs: number; modes: readonly string[] },
): Promise<void> {
  const ranks = sql.join(
    c.modes.map((m, i) => sql`(${m}::text, ${i}::int)`),
    sql`, `,
  );
  await ex.execute(sql`
    with rank(mode, r) as (values ${ranks})
    insert into model_capabilities as mc (base_url, model, output_mode, reason, expires_at)
    values (${c.baseUrl}, ${c.model}, ${c.outputMode}, ${c.reason.slice(0, 2000)}, now() + ${c.ttlMs} * interval '1 millisecond')
    on conflict (base_url, model) do update
      set output_mode = excluded.output_mode, reason = excluded.reason, recorded_at = now(), expires_at = excluded.expires_at
      where mc.expires_at <= now()
         or (select r from rank where mode = excluded.output_mode) >= coalesce((select r from rank where mode = mc.output_mode), -1)`);
}

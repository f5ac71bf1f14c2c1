import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne } from '../rows.js';

/**
 * Reserves one request and `tokens` tokens for `key` and returns how long the caller must wait
 * before sending (0 = now). GCRA: each request moves the key's request time by `requestIntervalMs`,
 * each token its token time by `tokenIntervalMs`; a burst of `burst` requests may go at once.
 * A zero interval means "no limit" for that dimension. One row lock per reservation.
 */
export async function reserveModelSlot(
  ex: Executor,
  r: { key: string; requestIntervalMs: number; tokenIntervalMs: number; tokens: number; burst: number },
): Promise<number> {
  const reqStep = r.requestIntervalMs;
  const tokStep = r.tokenIntervalMs * r.tokens;
  const reqSlack = reqStep * Math.max(0, r.burst - 1);
  const row = await queryOne(
    ex,
    sql`insert into model_rate_limits as l (key, request_tat, token_tat)
        values (${r.key}, now() + ${reqStep} * interval '1 millisecond', now() + ${tokStep} * interval '1 millisecond')
        on conflict (key) do update set
          request_tat = greatest(l.request_tat, now() - ${reqSlack} * interval '1 millisecond') + ${reqStep} * interval '1 millisecond',
          token_tat = greatest(l.token_tat, now()) + ${tokStep} * interval '1 millisecond',
          updated_at = now()
        returning greatest(
          0,
          extract(epoch from (l.request_tat - now())) * 1000 - ${reqStep} - ${reqSlack},
          extract(epoch from (l.token_tat - now())) * 1000 - ${tokStep}
        )::float8 as wait_ms`,
  );
  return Math.max(0, Math.ceil(Number(row?.wait_ms ?? 0)));
}

/** Nobody sends for `key` before `pauseMs` from now: a 429 or an exhausted quota, seen by one worker, slows all. */
export async function pauseModelKey(ex: Executor, key: string, pauseMs: number): Promise<void> {
  await ex.execute(sql`insert into model_rate_limits as l (key, request_tat, token_tat)
      values (${key}, now() + ${pauseMs} * interval '1 millisecond', now())
      on conflict (key) do update set
        request_tat = greatest(l.request_tat, now() + ${pauseMs} * interval '1 millisecond'),
        updated_at = now()`);
}

/** How long from now `key` stays paused (a 429 or spent quota seen by any worker); 0 when it is not. */
export async function modelKeyPauseMs(ex: Executor, key: string): Promise<number> {
  const row = await queryOne(
    ex,
    sql`select greatest(0, extract(epoch from (request_tat - now())) * 1000)::float8 as pause_ms
        from model_rate_limits where key = ${key}`,
  );
  return Math.max(0, Math.ceil(Number(row?.pause_ms ?? 0)));
}

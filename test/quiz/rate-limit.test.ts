import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { reserveModelSlot } from '../../src/db/quiz/rate-limits.js';
import { createModelClient } from '../../src/model/client.js';
import { parseRateLimitHeaders, parseResetDuration, quotaPauseMs } from '../../src/model/rate-headers.js';
import { acquireModelSlot, observeModelLimits, PAUSE_STALE_MS } from '../../src/quiz/rate-limit.js';
import { queryRows } from '../../src/db/rows.js';
import { sql } from 'drizzle-orm';

const getDb = useTestDatabase();

const client = (rpm?: number, tpm?: number) =>
  createModelClient({
    mode: 'live',
    baseURL: 'http://127.0.0.1:9/v1',
    apiKey: 'sk-test',
    model: 'm',
    timeoutMs: 1000,
    fixturesDir: '/nonexistent',
    ...(rpm === undefined ? {} : { requestsPerMinute: rpm }),
    ...(tpm === undefined ? {} : { tokensPerMinute: tpm }),
  });

describe('x-ratelimit headers', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['2', 2000],
    ['soon', undefined],
    ['1s garbage', undefined],
  ])('reset %j is %s ms', (text, ms) => {
    expect(parseResetDuration(text)).toBe(ms);
  });
  it('reads remaining and reset, and pauses only when a quota is spent', () => {
    const h = new Headers({
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-remaining-tokens': '5000',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-reset-tokens': '50ms',
    });
    const info = parseRateLimitHeaders(h);
    expect(info).toEqual({ remainingRequests: 0, remainingTokens: 5000, resetRequestsMs: 2000, resetTokensMs: 50 });
    expect(quotaPauseMs(info)).toBe(2000);
    expect(quotaPauseMs({ remainingRequests: 3, resetRequestsMs: 2000 })).toBe(0);
    expect(parseRateLimitHeaders(new Headers())).toBeNull();
  });
});

describe('the shared limiter in PostgreSQL', () => {
  it('spaces concurrent reservations one request interval apart', async () => {
    const ex = getDb().database.db;
    // When each caller may send, on the local clock: the reservation's return plus its wait.
    const sendAt = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const wait = await reserveModelSlot(ex, { key: 'k1', requestIntervalMs: 100, tokenIntervalMs: 0, tokens: 0, burst: 1 });
        return performance.now() + wait;
      }),
    );
    const sorted = [...sendAt].sort((a, b) => a - b);
    // Ten slots 100 ms apart span about 900 ms however the callers raced (and however loaded the machine).
    expect(sorted[9]! - sorted[0]!).toBeGreaterThan(800);
  });

  it('paces by tokens too', async () => {
    const ex = getDb().database.db;
    const first = await reserveModelSlot(ex, { key: 'k2', requestIntervalMs: 0, tokenIntervalMs: 1, tokens: 500, burst: 1 });
    const second = await reserveModelSlot(ex, { key: 'k2', requestIntervalMs: 0, tokenIntervalMs: 1, tokens: 500, burst: 1 });
    expect(first).toBe(0);
    expect(second).toBeGreaterThan(400);
  });

  it('a 429 seen by one caller makes every caller of that key wait, and no other key', async () => {
    const ex = getDb().database.db;
    const a = client();
    await observeModelLimits(ex, a, 'gpt', {
      kind: 'error',
      error: { kind: 'rate_limited', status: 429, message: 'slow down', retryAfterMs: 400 },
    });
    const started = performance.now();
    const waited = await acquireModelSlot(ex, client(), 'gpt', 10);
    expect(waited).toBeGreaterThan(250);
    expect(performance.now() - started).toBeGreaterThan(250);
    expect(await acquireModelSlot(ex, client(), 'other-model', 10)).toBe(0);
  });

  it('without RPM/TPM a call writes nothing, and a pause another process records is obeyed once the cache ages', async () => {
    const t = getDb();
    const here = t.database.db;
    const elsewhere = (await t.open({ poolSize: 1 })).db;
    expect(await acquireModelSlot(here, client(), 'shared', 10)).toBe(0);
    expect(await acquireModelSlot(here, client(), 'shared', 10)).toBe(0);
    const rows = await queryRows(here, sql`select key from model_rate_limits where key like '% shared'`);
    expect(rows).toEqual([]);
    await observeModelLimits(elsewhere, client(), 'shared', {
      kind: 'error',
      error: { kind: 'rate_limited', status: 429, message: 'slow down', retryAfterMs: 5_000 },
    });
    await new Promise((resolve) => setTimeout(resolve, PAUSE_STALE_MS + 50));
    // Aborted at once: the wait is cut short, but the answer says how long the key is paused.
    const waited = await acquireModelSlot(here, client(), 'shared', 10, AbortSignal.abort());
    expect(waited).toBeGreaterThan(2_000);
  });

  it('an exhausted quota in a 200 response pauses the key until its reset', async () => {
    const ex = getDb().database.db;
    await observeModelLimits(ex, client(), 'q', {
      kind: 'completion',
      content: '{}',
      toolArguments: null,
      refusal: null,
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, reasoningTokens: 0 },
      latencyMs: 1,
      rateLimit: { remainingRequests: 0, resetRequestsMs: 300 },
      raw: null,
    });
    expect(await acquireModelSlot(ex, client(), 'q', 1)).toBeGreaterThan(150);
  });

  it('QUIZFORGE_MODEL_RPM paces the calls of one key', async () => {
    const ex = getDb().database.db;
    const c = client(600); // one per 100 ms
    const started = performance.now();
    const waits = [];
    for (let i = 0; i < 3; i += 1) waits.push(await acquireModelSlot(ex, c, 'rpm', 1));
    expect(waits[0]).toBe(0);
    expect(performance.now() - started).toBeGreaterThan(150);
  });
});

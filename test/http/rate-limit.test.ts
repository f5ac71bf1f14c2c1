import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey, type RateLimits } from '../../src/accounts/index.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDatabase } from '../helpers/db.js';
import { bearer, buildApp, errorOf, json, startQuizStack, type Built, type QuizStack } from './harness.js';

/** Per-tenant API rate limits, counted in PostgreSQL so every API process shares them. */
const db = useTestDatabase();
let stack: QuizStack;
const built: Built[] = [];

const KEYS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'].map((t) => `${t}:${t}-key-0123456789`);
const key = (tenant: string) => bearer(`${tenant}-key-0123456789`);
const app = (rateLimits?: RateLimits) => {
  const b = buildApp({
    database: db().database,
    quiz: stack.service,
    events: stack.engine.events,
    auth: { apiKeys: KEYS, adminKeys: [] },
    ...(rateLimits ? { rateLimits } : {}),
  });
  built.push(b);
  return b;
};

beforeAll(async () => {
  stack = await startQuizStack(db().database, { worker: false });
});
afterAll(async () => {
  for (const b of built) await b.app.hub.close();
  await stack?.stop();
});
// The window is a fixed minute on the database clock: start each test well inside one.
beforeEach(async () => {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
}, 15_000);

describe('API rate limits', () => {
  it('counts every /v1 request of a tenant; over the limit: 429 rate_limited with Retry-After and RateLimit-* headers', async () => {
    const api = app({ submit: null, all: 3 });
    for (const remaining of [2, 1, 0]) {
      const res = await api.request('/v1/batches', { headers: key('acme') });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(remaining));
    }
    const refused = await api.request('/v1/sources', { headers: key('acme') });
    expect(refused.status).toBe(429);
    const reset = Number(refused.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(reset));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    const err = await errorOf(refused);
    expect(err.code).toBe('rate_limited');
    expect(err.message).toMatch(/at most 3 requests per minute for tenant acme/);
    // Another tenant has its own window.
    expect((await api.request('/v1/batches', { headers: key('globex') })).status).toBe(200);
  });

  it('POST /v1/batches has its own, smaller limit; reads go on', async () => {
    const api = app({ submit: 2, all: 100 });
    for (let i = 0; i < 2; i++) expect((await api.request('/v1/batches', json({ topic: `Limits ${i}`, count: 1 }, key('initech')))).status).toBe(202);
    const refused = await api.request('/v1/batches', json({ topic: 'Limits 3', count: 1 }, key('initech')));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-limit')).toBe('2');
    expect((await errorOf(refused)).message).toMatch(/at most 2 batch submissions per minute/);
    const read = await api.request('/v1/batches', { headers: key('initech') });
    expect(read.status).toBe(200);
    expect(read.headers.get('ratelimit-limit')).toBe('100');
    // The refused submit created nothing.
    expect(((await read.json()) as { items: unknown[] }).items).toHaveLength(2);
  });

  it('is shared by every API process (two apps, one window)', async () => {
    const one = app({ submit: null, all: 4 });
    const two = app({ submit: null, all: 4 });
    expect((await one.request('/v1/batches', { headers: key('umbrella') })).status).toBe(200);
    expect((await two.request('/v1/batches', { headers: key('umbrella') })).status).toBe(200);
    expect((await one.request('/v1/batches', { headers: key('umbrella') })).status).toBe(200);
    expect((await two.request('/v1/batches', { headers: key('umbrella') })).status).toBe(200);
    expect((await one.request('/v1/batches', { headers: key('umbrella') })).status).toBe(429);
    expect((await two.request('/v1/batches', { headers: key('umbrella') })).status).toBe(429);
  });

  it("a managed key's own limit replaces the process default for its requests", async () => {
    const { key: secret } = await createApiKey(db().database.db, { tenant: 'hooli', rateLimitAll: 1 });
    const api = buildApp({
      database: db().database,
      quiz: stack.service,
      events: stack.engine.events,
      auth: { apiKeys: KEYS, adminKeys: [], managedKeys: true },
      rateLimits: { submit: null, all: 50 },
    });
    built.push(api);
    expect((await api.request('/v1/batches', { headers: bearer(secret) })).status).toBe(200);
    const refused = await api.request('/v1/batches', { headers: bearer(secret) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-limit')).toBe('1');
    // The tenant's env key keeps the default; the count is the tenant's (2 of 50: the refused
    // request was answered from the spent window this process remembers, and counted nothing).
    const other = await api.request('/v1/batches', { headers: key('hooli') });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('48');
  });

  it('without a limit configured adds no header and writes nothing', async () => {
    const api = app();
    const res = await api.request('/v1/batches', { headers: key('globex') });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBeNull();
    const rows = await queryRows(db().database.db, sql`select hits from api_rate_windows where tenant_id = 'globex'`);
    expect(rows.map((r) => r.hits)).toEqual([1]);
  });
});

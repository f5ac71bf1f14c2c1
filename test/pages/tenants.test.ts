import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import type { TenantScope } from '../../src/accounts/index.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, goodModel, hostileModel, postLogin, startService, type Service } from './service.js';

/** A page session carries its key's tenant: the dashboard, batch pages and DLQ show only that tenant's data. */
const getDb = useTestDatabase();
let svc: Service;
const ACME_KEY = 'acme-page-key-0123456789';
const GLOBEX_KEY = 'globex-page-key-0123456789';
const GLOBEX: TenantScope = { tenant: 'globex', all: false };
let globexBatch: string;
let globexDeadJob: number;

const req = (path: string, init: RequestInit = {}) => svc.app.request(`http://127.0.0.1${path}`, init);
const post = (path: string, cookie: string, body: Record<string, string> = {}) =>
  req(path, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams(body).toString(),
  });

async function login(key: string): Promise<string> {
  const res = await postLogin(svc.app, key);
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true, extraKeys: [`acme:${ACME_KEY}`, `globex:${GLOBEX_KEY}`] });
  svc.pipeline.script(goodModel);
  const ok = await svc.pipeline.service.submit(BatchRequestSchema.parse({ topic: 'Globex volcanoes', count: 2, verify: 'off' }), {}, GLOBEX);
  globexBatch = ok.batch.id;
  await svc.pipeline.waitFor(globexBatch, ['succeeded']);
  svc.pipeline.script(hostileModel);
  const bad = await svc.pipeline.service.submit(BatchRequestSchema.parse({ topic: 'Globex poison', count: 1, maxAttempts: 1, verify: 'off' }), {}, GLOBEX);
  const failed = await svc.pipeline.waitFor(bad.batch.id, ['failed']);
  globexDeadJob = failed.jobs.find((j) => j.state === 'dead')?.id ?? 0;
  svc.pipeline.script(goodModel);
});
afterAll(async () => {
  await svc?.stop();
});

describe('pages: tenants', () => {
  it("a tenant's session sees only its own batches and job counts on the dashboard", async () => {
    const acme = await login(ACME_KEY);
    const created = await post('/batches/new', acme, { topic: 'Acme rockets', count: '2', verify: 'off' });
    expect(created.status).toBe(303);
    const acmeBatch = decodeURIComponent((created.headers.get('location') ?? '').replace('/batches/', ''));
    await svc.pipeline.waitFor(acmeBatch, ['succeeded']);
    // The page's submit created the batch for acme: globex cannot see it.
    expect(await svc.pipeline.service.get(acmeBatch, GLOBEX)).toBeNull();

    const summary = (await (await req('/dashboard.json', { headers: { cookie: acme } })).json()) as {
      counts: Record<string, number>;
      batches: Array<{ id: string }>;
    };
    expect(summary.batches.map((b) => b.id)).toEqual([acmeBatch]);
    expect(summary.counts.dead).toBe(0);
    expect(summary.counts.succeeded).toBe((await svc.pipeline.service.get(acmeBatch))?.jobs.length);
    const root = (await (await req('/dashboard.json', { headers: { cookie: await login(ADMIN_KEY) } })).json()) as { batches: Array<{ id: string }>; counts: Record<string, number> };
    expect(root.batches.map((b) => b.id)).toEqual(expect.arrayContaining([acmeBatch, globexBatch]));
    expect(root.counts.dead).toBeGreaterThanOrEqual(1);
  });

  it("another tenant's batch page, cancel and DLQ entry are 404 pages; its DLQ list is not shown", async () => {
    const acme = await login(ACME_KEY);
    expect((await req(`/batches/${globexBatch}`, { headers: { cookie: acme } })).status).toBe(404);
    expect((await post(`/batches/${globexBatch}/cancel`, acme)).status).toBe(404);
    expect((await req(`/dlq/${globexDeadJob}`, { headers: { cookie: acme } })).status).toBe(404);
    expect(await (await req('/dlq', { headers: { cookie: acme } })).text()).not.toContain(`/dlq/${globexDeadJob}`);
    const globex = await login(GLOBEX_KEY);
    expect((await req(`/batches/${globexBatch}`, { headers: { cookie: globex } })).status).toBe(200);
    expect((await req(`/dlq/${globexDeadJob}`, { headers: { cookie: globex } })).status).toBe(200);
    expect(await (await req('/dlq', { headers: { cookie: globex } })).text()).toContain(`/dlq/${globexDeadJob}`);
  });
});

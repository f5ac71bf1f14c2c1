import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchListSchema, BatchViewSchema, DlqListSchema } from '../../schemas/api.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, API_KEY, bearer, buildApp, json, poisonAware, startQuizStack, type Built, type QuizStack } from './harness.js';

/**
 * Two tenants on one service: everything one creates is invisible to the other (404 exactly as
 * an unknown id), idempotency keys are per tenant, and only admin keys of `default` see all.
 */
const db = useTestDatabase();
let stack: QuizStack;
let api: Built;

const ACME = bearer('acme-key-0123456789');
const ACME_ADMIN = bearer('acme-admin-0123456789');
const GLOBEX = bearer('globex-key-0123456789');
const GLOBEX_ADMIN = bearer('globex-admin-0123456789');
const ROOT = bearer(ADMIN_KEY);
const DEFAULT_USER = bearer(API_KEY);


beforeAll(async () => {
  stack = await startQuizStack(db().database);
  stack.script(poisonAware);
  api = buildApp({
    database: db().database,
    quiz: stack.service,
    sources: stack.service.sources,
    events: stack.engine.events,
    auth: {
      apiKeys: [API_KEY, 'acme:acme-key-0123456789', 'globex:globex-key-0123456789'],
      adminKeys: [ADMIN_KEY, 'acme:acme-admin-0123456789', 'globex:globex-admin-0123456789'],
    },
  });
});
afterAll(async () => {
  await api?.app.hub.close();
  await stack?.stop();
});

const submit = (body: unknown, headers: Record<string, string>) => api.request('/v1/batches', json(body, headers));
const read = (path: string, headers: Record<string, string>, init: RequestInit = {}) => api.request(path, { ...init, headers: { ...headers, ...init.headers } });
const waitFor = async (id: string, headers: Record<string, string>, statuses: string[]) => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const batch = BatchViewSchema.parse(await (await read(`/v1/batches/${id}`, headers)).json());
    if (statuses.includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
/** The answer to an id nobody has: what another tenant's id must look like, byte for byte. */
const unknownAnswer = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const init: RequestInit = body === undefined ? { method } : { ...json(body, headers), method };
  const res = await read(path, headers, init);
  return { status: res.status, body: await res.text() };
};

let acmeBatch: string;
let globexBatch: string;
let acmeDeadJob: number;
let acmeDeadBatch: string;

describe('tenants: batches', () => {
  beforeAll(async () => {
    const a = await submit({ topic: 'Acme rockets', count: 2 }, ACME);
    expect(a.status).toBe(202);
    acmeBatch = BatchViewSchema.parse(await a.json()).id;
    const g = await submit({ topic: 'Globex volcanoes', count: 2 }, GLOBEX);
    globexBatch = BatchViewSchema.parse(await g.json()).id;
    await waitFor(acmeBatch, ACME, ['succeeded']);
    await waitFor(globexBatch, GLOBEX, ['succeeded']);
    const p = await submit({ topic: 'Poison pill', count: 1, maxAttempts: 1 }, ACME);
    acmeDeadBatch = BatchViewSchema.parse(await p.json()).id;
    const failed = await waitFor(acmeDeadBatch, ACME, ['failed']);
    acmeDeadJob = failed.jobs.find((j) => j.state === 'dead')?.id ?? 0;
    expect(acmeDeadJob).toBeGreaterThan(0);
  });

  it("answers another tenant's batch on every batch route exactly as an unknown id", async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const routes: Array<[string, string]> = [
      ['GET', '/v1/batches/ID'],
      ['GET', '/v1/batches/ID/events'],
      ['GET', '/v1/batches/ID/export?format=gift'],
      ['POST', '/v1/batches/ID/cancel'],
      ['DELETE', '/v1/batches/ID'],
    ];
    for (const [method, path] of routes) {
      const foreign = await unknownAnswer(method, path.replace('ID', acmeBatch), GLOBEX);
      const unknown = await unknownAnswer(method, path.replace('ID', missing), GLOBEX);
      expect(foreign.status, `${method} ${path}`).toBe(404);
      expect(foreign, `${method} ${path}`).toEqual(unknown);
    }
    // Nothing was cancelled or deleted by those attempts.
    expect((await waitFor(acmeBatch, ACME, ['succeeded'])).status).toBe('succeeded');
    expect((await read(`/v1/batches/${acmeBatch}/export?format=gift`, ACME)).status).toBe(200);
  });

  it("lists only the tenant's own batches; a default admin key sees every tenant's, a default API key only default's", async () => {
    const ids = async (headers: Record<string, string>) => BatchListSchema.parse(await (await read('/v1/batches?limit=100', headers)).json()).items.map((b) => b.id);
    const acme = await ids(ACME);
    expect(acme).toEqual(expect.arrayContaining([acmeBatch, acmeDeadBatch]));
    expect(acme).not.toContain(globexBatch);
    expect(await ids(GLOBEX)).toEqual([globexBatch]);
    expect(await ids(ROOT)).toEqual(expect.arrayContaining([acmeBatch, globexBatch, acmeDeadBatch]));
    expect(await ids(DEFAULT_USER)).toEqual([]);
    // An admin of another tenant is an admin of that tenant only.
    expect((await read(`/v1/batches/${acmeBatch}`, GLOBEX_ADMIN)).status).toBe(404);
    expect((await read(`/v1/batches/${acmeBatch}`, ROOT)).status).toBe(200);
    expect((await read(`/v1/batches/${acmeBatch}`, ACME_ADMIN)).status).toBe(200);
  });

  it("refuses another tenant's batch in distinctFrom as one that does not exist (422), creating nothing", async () => {
    const res = await submit({ topic: 'Copycat', count: 1, distinctFrom: [acmeBatch] }, GLOBEX);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { issues: [{ path: 'distinctFrom[0]', message: `batch "${acmeBatch}" does not exist` }] } });
    expect((await submit({ topic: 'Sequel', count: 1, distinctFrom: [acmeBatch] }, ACME)).status).toBe(202);
  });
});

describe('tenants: idempotency keys are per tenant', () => {
  it('the same Idempotency-Key from two tenants makes two batches; each tenant still gets 200 on a repeat and 409 on another body', async () => {
    const key = { 'idempotency-key': 'lesson-5' };
    const a = await submit({ topic: 'Lesson five', count: 1 }, { ...ACME, ...key });
    const g = await submit({ topic: 'Lesson five', count: 1 }, { ...GLOBEX, ...key });
    expect(a.status).toBe(202);
    expect(g.status).toBe(202);
    const aId = BatchViewSchema.parse(await a.json()).id;
    const gId = BatchViewSchema.parse(await g.json()).id;
    expect(gId).not.toBe(aId);
    const again = await submit({ topic: 'Lesson five', count: 1 }, { ...GLOBEX, ...key });
    expect(again.status).toBe(200);
    expect(BatchViewSchema.parse(await again.json()).id).toBe(gId);
    const other = await submit({ topic: 'Lesson six', count: 1 }, { ...ACME, ...key });
    expect(other.status).toBe(409);
    expect(await other.text()).not.toContain(gId);
    // A third tenant with a different body is not a conflict either: the key is its own.
    expect((await submit({ topic: 'Something else', count: 1 }, { ...DEFAULT_USER, ...key })).status).toBe(202);
  });
});

describe('tenants: sources', () => {
  it("stores a source per tenant; another tenant's source id is 404, unlisted, and refused as sourceId", async () => {
    const text = { title: 'Acme handbook', text: '# Safety\n\nAlways wear goggles near the rocket sled.\n' };
    const a = await api.request('/v1/sources', json(text, ACME));
    expect(a.status).toBe(201);
    const aId = ((await a.json()) as { id: string }).id;
    expect((await read(`/v1/sources/${aId}`, ACME)).status).toBe(200);
    const foreign = await read(`/v1/sources/${aId}`, GLOBEX);
    const unknown = await read('/v1/sources/src_000000000000000000000000', GLOBEX);
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).toBe(await unknown.text());
    const list = (await (await read('/v1/sources', GLOBEX)).json()) as { items: Array<{ id: string }> };
    expect(list.items.map((s) => s.id)).not.toContain(aId);
    const refused = await submit({ count: 1, sourceId: aId }, GLOBEX);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ error: { issues: [{ path: 'sourceId' }] } });
    // The same document from the other tenant is that tenant's own new source.
    const g = await api.request('/v1/sources', json(text, GLOBEX));
    expect(g.status).toBe(201);
    expect(((await g.json()) as { id: string }).id).not.toBe(aId);
    expect((await api.request('/v1/sources', json(text, ACME))).status).toBe(200);
  });
});

describe('tenants: the dead-letter queue', () => {
  it("shows a tenant only its dead jobs; another tenant's job is 404 on every DLQ route, even for that tenant's admin", async () => {
    const listed = async (headers: Record<string, string>) => DlqListSchema.parse(await (await read('/v1/dlq', headers)).json()).items.map((i) => i.id);
    expect(await listed(ACME)).toContain(acmeDeadJob);
    expect(await listed(GLOBEX)).not.toContain(acmeDeadJob);
    expect(await listed(ROOT)).toContain(acmeDeadJob);
    const routes: Array<[string, string, unknown]> = [
      ['GET', '/v1/dlq/ID', undefined],
      ['POST', '/v1/dlq/ID/replay', {}],
      ['POST', '/v1/dlq/ID/discard', {}],
      ['POST', '/v1/dlq/ID/accept', { questions: [{ question: 'Which?', options: ['a', 'b', 'c', 'd'], correctAnswer: 0, explanation: 'Because.' }] }],
    ];
    for (const [method, path, body] of routes) {
      const foreign = await unknownAnswer(method, path.replace('ID', String(acmeDeadJob)), GLOBEX_ADMIN, body);
      const unknown = await unknownAnswer(method, path.replace('ID', '999999999'), GLOBEX_ADMIN, body);
      expect(foreign.status, `${method} ${path}`).toBe(404);
      expect(foreign, `${method} ${path}`).toEqual(unknown);
    }
    expect((await read(`/v1/dlq/${acmeDeadJob}`, ACME)).status).toBe(200);
    // The owner's admin may act on it.
    const discard = await read(`/v1/dlq/${acmeDeadJob}/discard`, ACME_ADMIN, { method: 'POST' });
    expect(discard.status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchListSchema,
  BatchViewSchema,
  DlqActionResultSchema,
  DlqEntrySchema,
  DlqListSchema,
  SseEventDataSchema,
} from '../../schemas/api.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, API_KEY, answerAll, bearer, buildApp, errorOf, json, poisonAware, startQuizStack, type Built, type QuizStack } from './harness.js';
import { SseReader } from './sse-reader.js';

const db = useTestDatabase();
let stack: QuizStack;
let api: Built;
const user = bearer(API_KEY);
const admin = bearer(ADMIN_KEY);



beforeAll(async () => {
  stack = await startQuizStack(db().database);
  stack.script(poisonAware);
  api = buildApp({ database: db().database, quiz: stack.service, events: stack.engine.events });
});
afterAll(async () => {
  await api?.app.hub.close();
  await stack?.stop();
});

const getJson = async (path: string, headers = user) => {
  const res = await api.request(path, { headers });
  return { res, body: (await res.json()) as unknown };
};
const waitForStatus = async (id: string, statuses: string[], ms = 15_000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const { body } = await getJson(`/v1/batches/${id}`);
    const batch = BatchViewSchema.parse(body);
    if (statuses.includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const submit = async (body: unknown, headers: Record<string, string> = {}) => api.request('/v1/batches', json(body, { ...user, ...headers }));
const totalJobs = async () => Object.values(await stack.engine.countByState()).reduce((a, b) => a + b, 0);

describe('batches', () => {
  it('distinctFrom naming batches that do not exist is 422 at distinctFrom[i], and nothing is created', async () => {
    const before = await totalJobs();
    const res = await submit({ topic: 'Tides', count: 2, distinctFrom: ['missing-1', 'missing-2'] });
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe('validation_failed');
    expect(error.issues).toEqual([
      { path: 'distinctFrom[0]', message: 'batch "missing-1" does not exist' },
      { path: 'distinctFrom[1]', message: 'batch "missing-2" does not exist' },
    ]);
    expect(await totalJobs()).toBe(before);
  });

  it('POST creates a batch: 202, Location, the batch view; GET follows it to success', async () => {
    const res = await submit({ topic: 'Tides', count: 3 });
    expect(res.status).toBe(202);
    const batch = BatchViewSchema.parse(await res.json());
    expect(res.headers.get('location')).toBe(`/v1/batches/${batch.id}`);
    expect(batch.status).toBe('queued');
    expect(batch.questions).toBeNull();
    expect(batch.request).toMatchObject({ topic: 'Tides', count: 3, difficulty: 'medium', options: 4 });
    const done = await waitForStatus(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.questions).toHaveLength(3);
    expect(done.usage.modelCalls).toBeGreaterThan(0);
    expect(done.jobs.every((j) => j.state === 'succeeded')).toBe(true);
  });

  it('batch reads carry an ETag; If-None-Match answers 304 until the batch changes', async () => {
    const created = BatchViewSchema.parse(await (await submit({ topic: 'Etags', count: 2 })).json());
    const first = await api.request(`/v1/batches/${created.id}`, { headers: user });
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^"[^"]+"$/);
    const body = BatchViewSchema.parse(await first.json());
    if (body.status !== 'succeeded') {
      await waitForStatus(created.id, ['succeeded']);
      const changed = await api.request(`/v1/batches/${created.id}`, { headers: { ...user, 'if-none-match': tag ?? '' } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(tag);
    }
    const done = await api.request(`/v1/batches/${created.id}`, { headers: user });
    const doneTag = done.headers.get('etag') ?? '';
    const same = await api.request(`/v1/batches/${created.id}`, { headers: { ...user, 'if-none-match': `"other", ${doneTag}` } });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe(doneTag);
    expect(await same.text()).toBe('');
    const list = await api.request('/v1/batches', { headers: user });
    const listTag = list.headers.get('etag') ?? '';
    expect(listTag).not.toBe('');
    expect((await api.request('/v1/batches', { headers: { ...user, 'if-none-match': listTag } })).status).toBe(304);
  });

  it('unknown batches are 404', async () => {
    const { res, body } = await getJson('/v1/batches/does-not-exist');
    expect(res.status).toBe(404);
    expect(body).toEqual({ error: { code: 'not_found', message: 'batch not found' } });
    expect((await api.request('/v1/batches/does-not-exist/events', { headers: user })).status).toBe(404);
  });

  it('Idempotency-Key: same body → 200 and nothing created; other body → 409', async () => {
    const key = `key-${Date.now()}`;
    const first = await submit({ topic: 'Volcanoes', count: 2 }, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const created = BatchViewSchema.parse(await first.json());
    const jobsBefore = await totalJobs();
    const listBefore = BatchListSchema.parse((await getJson('/v1/batches?limit=100')).body).items.length;

    // The same request, with a default spelled out: the same parsed request, so the same batch.
    const again = await submit({ topic: 'Volcanoes', count: 2, difficulty: 'medium' }, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBe(`/v1/batches/${created.id}`);
    expect(BatchViewSchema.parse(await again.json()).id).toBe(created.id);
    expect(await totalJobs()).toBe(jobsBefore);
    expect(BatchListSchema.parse((await getJson('/v1/batches?limit=100')).body).items.length).toBe(listBefore);

    const conflict = await submit({ topic: 'Volcanoes', count: 3 }, { 'idempotency-key': key });
    expect(conflict.status).toBe(409);
    expect((await errorOf(conflict)).code).toBe('idempotency_conflict');
    expect(await totalJobs()).toBe(jobsBefore);
  });

  it('GET /v1/batches pages with a cursor, newest first; a forged cursor is 422', async () => {
    for (const topic of ['Page one', 'Page two', 'Page three']) expect((await submit({ topic, count: 1 })).status).toBe(202);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { res, body } = await getJson(`/v1/batches?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const page = BatchListSchema.parse(body);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = BatchListSchema.parse((await getJson('/v1/batches?limit=100')).body).items.map((b) => b.id);
    expect(seen).toEqual(all);
    const forged = await api.request('/v1/batches?cursor=not-a-cursor', { headers: user });
    expect(forged.status).toBe(422);
    expect((await errorOf(forged)).issues?.[0]?.path).toBe('cursor');
  });

  it("GET /v1/batches/:id/events replays the batch's events from Last-Event-ID 0, only its own", async () => {
    const created = BatchViewSchema.parse(await (await submit({ topic: 'Glaciers', count: 2 })).json());
    await waitForStatus(created.id, ['succeeded']);
    await submit({ topic: 'Unrelated', count: 1 });
    const res = await api.request(`/v1/batches/${created.id}/events`, { headers: { ...user, 'last-event-id': '0' } });
    expect(res.status).toBe(200);
    const reader = new SseReader(res);
    try {
      await reader.waitFor(() => reader.events().some((e) => e.event === 'batch.succeeded'));
      const events = reader.events();
      const names = events.map((e) => e.event);
      expect(names).toEqual(expect.arrayContaining(['job.enqueued', 'job.started', 'job.succeeded', 'batch.succeeded']));
      const ids = events.map((e) => Number(e.id));
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      for (const e of events) {
        const data = SseEventDataSchema.parse(JSON.parse(e.data!));
        expect(data.batchId).toBe(created.id);
      }
      expect(JSON.parse(events.find((e) => e.event === 'batch.succeeded')!.data!).state).toBe('succeeded');
    } finally {
      reader.close();
    }
  });
});

describe('the dead-letter queue', () => {
  const poisonBatch = async (topic: string) => {
    const res = await submit({ topic, count: 1, maxAttempts: 1 });
    const batch = BatchViewSchema.parse(await res.json());
    const failed = await waitForStatus(batch.id, ['failed']);
    const dead = failed.jobs.find((j) => j.state === 'dead');
    if (!dead) throw new Error('no dead job');
    return { batch: failed, jobId: dead.id };
  };

  it('lists dead jobs and shows one with its transcript', async () => {
    const { batch, jobId } = await poisonBatch('Poison ivy');
    const { res, body } = await getJson('/v1/dlq');
    expect(res.status).toBe(200);
    const list = DlqListSchema.parse(body);
    const item = list.items.find((i) => i.id === jobId);
    expect(item).toMatchObject({ batchId: batch.id, kind: 'chunk' });
    const entry = await getJson(`/v1/dlq/${jobId}`);
    expect(entry.res.status).toBe(200);
    const parsed = DlqEntrySchema.parse(entry.body);
    expect(parsed.state).toBe('dead');
    expect(parsed.attempts.length).toBeGreaterThan(0);
    expect(parsed.attempts[0]?.rawOutput).toBe('{"questions": "nope"}');
    expect(parsed.attempts[0]?.issues.length).toBeGreaterThan(0);
    expect((await api.request('/v1/dlq/999999999', { headers: user })).status).toBe(404);
  });

  it('replay (admin) → 202, the batch resumes and succeeds; a second replay is 409', async () => {
    const { batch, jobId } = await poisonBatch('Poison oak');
    expect((await api.request(`/v1/dlq/${jobId}/replay`, json({ maxAttempts: 2 }, user))).status).toBe(403);
    stack.script(answerAll);
    try {
      const res = await api.request(`/v1/dlq/${jobId}/replay`, json({ maxAttempts: 2 }, admin));
      expect(res.status).toBe(202);
      expect(DlqActionResultSchema.parse(await res.json())).toMatchObject({ id: jobId, action: 'replayed' });
      const done = await waitForStatus(batch.id, ['succeeded']);
      expect(done.questions).toHaveLength(1);
      const again = await api.request(`/v1/dlq/${jobId}/replay`, { method: 'POST', headers: admin });
      expect(again.status).toBe(409);
      expect((await errorOf(again)).code).toBe('conflict');
    } finally {
      stack.script(poisonAware);
    }
  });

  it('discard (admin) → 200; discarding again is 409; unknown ids are 404', async () => {
    const { jobId } = await poisonBatch('Poison dart');
    const res = await api.request(`/v1/dlq/${jobId}/discard`, { method: 'POST', headers: admin });
    expect(res.status).toBe(200);
    expect(DlqActionResultSchema.parse(await res.json())).toMatchObject({ id: jobId, action: 'discarded' });
    expect((await api.request(`/v1/dlq/${jobId}/discard`, { method: 'POST', headers: admin })).status).toBe(409);
    expect((await api.request('/v1/dlq/999999999/discard', { method: 'POST', headers: admin })).status).toBe(404);
    expect((await api.request('/v1/dlq/999999999/replay', { method: 'POST', headers: admin })).status).toBe(404);
  });
});
